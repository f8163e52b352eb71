"""The device options shared by `edgeopt bench` and `edgeopt check-device`: one declaration, one TargetOptions."""

from __future__ import annotations

import functools
from pathlib import Path

import click

TARGET_HELP = "local, ssh://[user@]host[:port] (a board), adb://SERIAL (a phone) or emulated:aarch64[:CPU]."


def target_options(fn):
    """Add --target and every target's options to a command; the command gets them as one `device` dict."""
    from edgeopt.recipe.schema import BenchConfig

    options = [
        click.option("--target", default="local", show_default=True, help=TARGET_HELP),
        click.option("--ssh-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="SSH identity."),
        click.option("--known-hosts", type=click.Path(dir_okay=False, path_type=Path), help="known_hosts to verify."),
        click.option("--accept-new-host-key", is_flag=True, help="Trust an unknown SSH host key on first use."),
        click.option(
            "--remote-python",
            default=BenchConfig.model_fields["remote_python"].default,
            show_default=True,
            help="Python on the board (with its runtime).",
        ),
        click.option(
            "--benchmark-model",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="adb targets: TFLite's benchmark_model binary for the phone (default: found on PATH).",
        ),
        click.option("--taskset", help="adb targets: CPU mask to pin the run, e.g. f0 for the big cores."),
        click.option("--adb", "adb_path", default="adb", show_default=True, help="adb executable."),
    ]
    names = ("target", "ssh_key", "known_hosts", "accept_new_host_key", "remote_python", "benchmark_model")
    names += ("taskset", "adb_path")

    def wrapper(**kwargs):
        kwargs["device"] = {n: kwargs.pop(n) for n in names}
        return fn(**kwargs)

    functools.update_wrapper(wrapper, fn)  # keeps the options declared below this decorator (__click_params__)
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def parse(values: dict, **extra):
    """The Target the options name (runtime.targets.parse_target); `extra`: timeout, untrusted, memory_mb."""
    from edgeopt.runtime.targets import TargetOptions, parse_target

    options = TargetOptions(
        ssh_key=values["ssh_key"],
        known_hosts=values["known_hosts"],
        accept_new_host_key=values["accept_new_host_key"],
        remote_python=values["remote_python"],
        benchmark_model=values["benchmark_model"],
        taskset=values["taskset"],
        adb=values["adb_path"],
        **extra,
    )
    return parse_target(values["target"], options)
