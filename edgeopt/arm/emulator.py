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


def environment(cpu: str, root: Path | None = None) -> dict[str, str]:
    root = root or root_or_fail()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONPATH"] = str(root / "site")
    env["PYTHONNOUSERSITE"] = "1"
    env["EDGEOPT_EMULATED_CPU"] = cpu  # measure.py's fingerprint says the run was emulated
    return env


def write_launcher(path: Path, cpu: str, root: Path | None = None) -> Path:
    """An executable file that stands in for a board's `python3`: the emulated aarch64 Python with its runtimes.
    Point an SSH target's remote Python at it (`--remote-python PATH`) to run a board's code path on ARM kernels."""
    import shlex

    root = root or root_or_fail()
    argv = " ".join(shlex.quote(a) for a in command([], cpu, root))
    env = environment(cpu, root)
    exports = " ".join(f"{k}={shlex.quote(env[k])}" for k in ("PYTHONPATH", "PYTHONNOUSERSITE", "EDGEOPT_EMULATED_CPU"))
    path = Path(path)
    path.write_text(
        "#!/bin/sh\n"
        f"# edgeopt: aarch64 Python under qemu-aarch64 -cpu {cpu}, emulated (its timings are not latency)\n"
        "unset PYTHONHOME VIRTUAL_ENV\n"
        f"export {exports}\n"
        f'exec {argv} "$@"\n'
    )
    path.chmod(0o755)
    return path


def predict(model: Path, x, cpu: str, timeout: float = 3600):
    """(outputs, fingerprint) of `model` on the aarch64 runtime under qemu, with the format's own runner
    (runtime/device_predict.py), for the float inputs `x`."""
    from edgeopt.runtime.device_outputs import run_here

    y, machine = run_here(command([], cpu), model, x, "emulated aarch64 run", environment(cpu), timeout)
    return y, {**machine, "emulated": True, "emulated_cpu": cpu}
