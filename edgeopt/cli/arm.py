"""`edgeopt arm setup|status|launcher`: the emulated aarch64 stack (qemu-aarch64, a Debian arm64 Python and the aarch64
builds of ai_edge_litert and onnxruntime) in the user's cache, fetched from the package registries only."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edgeopt.arm.stack import CPUS, DEFAULT_CPU


@click.group()
def arm() -> None:
    """Run edgeopt's targets on aarch64 under emulation (no board needed)."""


@arm.command()
@click.option("--json", "as_json", is_flag=True, help="Print the stack's manifest as JSON.")
def setup(as_json: bool) -> None:
    """Fetch and unpack the stack (about 135 MB; nothing goes into the system's package database). Idempotent:
    a finished stack is not fetched again. Exit 4 with the fix when a registry cannot be reached."""
    from edgeopt.arm.provision import setup as provision
    from edgeopt.arm.provision import stack_dir

    manifest, fetched = provision()
    if as_json:
        click.echo(json.dumps({**manifest, "path": str(stack_dir()), "fetched": fetched}, indent=2))
        return
    state = f"fetched in {manifest['seconds']} s" if fetched else "already set up; nothing fetched"
    click.echo(f"emulated aarch64 stack {manifest['stack']} at {stack_dir()}: {state}")


@arm.command()
def status() -> None:
    """Say whether the stack is set up (exit 0) or not (exit 1), and where."""
    from edgeopt.arm.provision import installed, stack_dir

    manifest = installed()
    if manifest is None:
        click.echo(f"not set up (would be {stack_dir()}); run `edgeopt arm setup`")
        click.get_current_context().exit(1)
    click.echo(
        f"set up at {stack_dir()}: qemu from Debian {manifest['qemu']}, {manifest['sysroot']}, "
        + ", ".join(manifest["wheels"])
    )


@arm.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cpu", default=DEFAULT_CPU, show_default=True, type=click.Choice(CPUS), help="Emulated CPU model.")
def launcher(path: Path, cpu: str) -> None:
    """Write PATH: a `python3` stand-in that runs the emulated aarch64 Python, for an SSH "board" in CI
    (`edgeopt bench --target ssh://... --remote-python PATH`). Results measured through it are marked emulated."""
    from edgeopt.arm.emulator import write_launcher

    click.echo(write_launcher(path, cpu))
