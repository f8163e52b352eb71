"""Run a Python script on the emulated aarch64 stack: qemu-aarch64 with a chosen CPU model, the Debian arm64
sysroot as its library root, and the aarch64 wheels on PYTHONPATH. No binfmt registration is needed."""

from __future__ import annotations

import os
from pathlib import Path

from edgeopt.arm import stack
from edgeopt.errors import RecipeError, ToolchainError


def root_or_fail() -> Path:
    if not stack.is_installed():
        raise ToolchainError("the emulated aarch64 stack is not set up here; run `edgeopt arm setup` (about 135 MB)")
    return stack.stack_dir()


def check_cpu(cpu: str) -> str:
    if cpu not in stack.CPUS:
        raise RecipeError(f"emulated CPU {cpu!r} is not one of {', '.join(stack.CPUS)}")
    return cpu


def command(args: list[str], cpu: str, root: Path | None = None) -> list[str]:
    """argv that runs the emulated Python with `args` (a script and its arguments, or -c CODE)."""
    root = root or root_or_fail()
    sysroot = root / "sysroot"
    return [
        str(root / "bin" / "qemu-aarch64"),
        "-cpu",
        check_cpu(cpu),
        "-L",
        str(sysroot),
        str(sysroot / stack.PYTHON),
        *args,
    ]


def environment(root: Path | None = None) -> dict[str, str]:
    root = root or root_or_fail()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONPATH"] = str(root / "site")
    env["PYTHONNOUSERSITE"] = "1"
    return env
