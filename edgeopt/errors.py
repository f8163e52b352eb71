"""One error base with exit codes; the CLI maps them (see README "Exit codes")."""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_INPUT_REJECTED = 3
EXIT_TOOLCHAIN = 4
EXIT_INTERRUPTED = 130


class EdgeoptError(Exception):
    """Base of every error edgeopt raises on purpose. `exit_code` is what the CLI returns."""

    exit_code: int = EXIT_TOOLCHAIN

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)


class RecipeError(EdgeoptError):
    """The recipe is malformed or asks for something impossible; nothing was run."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class UsageError(EdgeoptError):
    """The command asks for something unsafe or impossible (e.g. reusing another recipe's run directory)."""

    exit_code = EXIT_USAGE


class InputRejected(EdgeoptError):
    """User data or a model file was refused (empty, corrupt, wrong shape, NaN...)."""

    exit_code = EXIT_INPUT_REJECTED


class ToolchainError(EdgeoptError):
    """A converter, quantizer or runtime failed on input edgeopt had accepted."""

    exit_code = EXIT_TOOLCHAIN
