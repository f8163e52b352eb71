"""The `edgeopt` command. Subcommands are imported only when invoked, so --help and validate stay fast."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from edgeopt.errors import EXIT_INTERRUPTED, EXIT_TOOLCHAIN, EdgeoptError
from edgeopt.version import __version__

_COMMANDS = {
    "optimize": (
        "edgeopt.cli.optimize",
        "optimize",
        "Run a recipe end to end: build, train, quantize, export, verify, bench, report.",
    ),
    "validate": (
        "edgeopt.cli.validate",
        "validate",
        "Check a recipe without running anything (no TensorFlow import).",
    ),
    "schema": (
        "edgeopt.cli.validate",
        "schema",
        "Print the recipe's JSON Schema (for editors and CI linting).",
    ),
    "models": ("edgeopt.cli.models", "models", "List the registered model builders."),
    "check": ("edgeopt.cli.check", "check", "CI gate: compare a run with a committed baseline (JUnit, markdown)."),
    "bench": ("edgeopt.cli.bench", "bench", "Measure latency of .tflite/.onnx files, each in its own process."),
    "export": ("edgeopt.cli.export", "export", "Build app bundles (android, ios, generic) from a finished run."),
    "inspect": ("edgeopt.cli.inspect", "inspect", "Show what a .tflite, .onnx, .ort or .keras file contains."),
    "sweep": ("edgeopt.cli.sweep", "sweep", "Run a grid of recipes, locally or on a Ray cluster."),
    "tune": ("edgeopt.cli.tune", "tune", "Search techniques, formats and runtime settings to a budget."),
    "report": ("edgeopt.cli.report", "report", "Re-render a run's report.md/report.html, or compare two runs."),
    "check-device": (
        "edgeopt.cli.check_device",
        "check_device",
        "Run a bundle's golden vectors on a device (local, ssh, adb, emulated) and compare.",
    ),
    "arm": ("edgeopt.cli.arm", "arm", "Set up and check the emulated aarch64 stack (qemu + aarch64 runtimes)."),
    "doctor": ("edgeopt.cli.doctor", "doctor", "Check this machine: tested stack, conversion routes, optional parts."),
}


class Failure(click.ClickException):
    """An error mapped to its documented exit code, printed as one `error: ...` block on stderr."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"error: {self.message}", err=True)


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EdgeoptError as exc:
            raise Failure(str(exc), exc.exit_code) from exc
        except KeyboardInterrupt:
            message = "interrupted; finished stages are kept and reused on the next run"
            raise Failure(message, EXIT_INTERRUPTED) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a crash inside a library: say so; the traceback is logged at -vv
            logging.getLogger("edgeopt").debug("traceback", exc_info=True)
            message = f"unexpected {type(exc).__name__}: {exc} (run with -vv for the traceback)"
            raise Failure(message, EXIT_TOOLCHAIN) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, attr, _ = _COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table above, so listing commands imports none of them.
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, _, short) in _COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edgeopt")
@click.option("-v", "--verbose", count=True, help="More log detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """edgeopt: optimize Keras vision models for phones and ARM boards.

    \b
    Exit codes: 0 ok, 1 a gate failed, 2 usage or recipe error,
    3 input rejected, 4 toolchain or runtime failure, 130 interrupted.
    """
    level = logging.WARNING if quiet else logging.DEBUG if verbose > 1 else logging.INFO
    logging.basicConfig(level=level, format="%(levelname).1s %(message)s", stream=sys.stderr, force=True)
    if verbose < 2:
        for noisy in ("tensorflow", "absl", "tf2onnx", "h5py", "onnxruntime"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
    if not quiet and sys.stderr.isatty():  # bars on a terminal; plain lines when piped or in CI
        from edgeopt import progress

        progress.enable()
        click.get_current_context().call_on_close(progress.disable)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    cli.main(args=argv, prog_name="edgeopt")
