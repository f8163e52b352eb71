"""Where latency is measured: one Target protocol, one settings object, one parser of target specs.

`local` runs runtime/measure.py (with the format's device module) in a fresh subprocess per model and setting;
`ssh://` copies both files to a board and runs them with its Python; `adb://` runs TFLite's benchmark_model on a
phone. The CLI (`edgeopt bench --target`) and the recipe (`bench.target`) both go through `parse_target`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from edgeopt.errors import RecipeError, ToolchainError

MEASURE_SCRIPT = Path(__file__).with_name("measure.py")


@dataclass(frozen=True)
class MeasureSettings:
    """The knobs of one measurement, the same for every target. Defaults: the recipe's BenchConfig."""

    warmup: int
    min_runs: int
    min_seconds: float
    xnnpack: bool
    ort_opt: str
    amx: bool = True  # False: measured in a process the kernel refuses AMX to (runtime/measure.py deny_amx)

    @classmethod
    def of(cls, bench) -> MeasureSettings:
        """From a recipe's bench section: a BenchConfig, or its dict as a run's recipe.json holds it."""
        from edgeopt.recipe.schema import BenchConfig

        b = bench if isinstance(bench, BenchConfig) else BenchConfig.model_validate(bench)
        return cls(b.warmup, b.runs, b.min_seconds, b.xnnpack, b.ort_opt, b.amx)

    @classmethod
    def defaults(cls, **overrides) -> MeasureSettings:
        from dataclasses import replace

        from edgeopt.recipe.schema import BenchConfig

        return replace(cls.of(BenchConfig()), **overrides)

    def args(self, model: Path, threads: int, device_module: Path) -> list[str]:
        """measure.py's command line for `model`."""
        out = [str(model), "--device-module", str(device_module), "--threads", str(threads), "--ort-opt", self.ort_opt]
        out += ["--warmup", str(self.warmup), "--min-runs", str(self.min_runs), "--min-seconds", str(self.min_seconds)]
        return out + ([] if self.xnnpack else ["--no-xnnpack"]) + ([] if self.amx else ["--no-amx"])


class Target(Protocol):
    label: str
    formats: tuple[str, ...]  # the edgeopt.formats names this target can time

    def measure(self, model: Path, threads: int, settings: MeasureSettings) -> dict: ...

    def predict(self, model: Path, x) -> tuple:
        """(outputs, fingerprint) of `model` for the float inputs `x`, run on the target with the format's runner."""
        ...


@dataclass
class LocalTarget:
    """This machine: one subprocess per measurement. `untrusted` (users' files, `edgeopt bench`): a crash or hang
    is InputRejected (exit 3) and the process runs under a memory limit."""

    timeout: float = 600
    untrusted: bool = False
    memory_mb: int | None = None  # untrusted: the child's address-space limit (default: inspect's)
    label: str = "local"

    @property
    def formats(self) -> tuple[str, ...]:
        from edgeopt.formats import FORMATS

        return tuple(FORMATS)

    def measure(self, model: Path, threads: int, settings: MeasureSettings) -> dict:
        from edgeopt.formats import for_path

        args = settings.args(model, threads, for_path(model).device_module)
        return run_local(args, self.timeout, self.untrusted, self.memory_mb)

    def predict(self, model: Path, x) -> tuple:
        from edgeopt.runtime.device_outputs import run_here

        return run_here([sys.executable], model, x, "prediction", timeout=self.timeout)


@dataclass(frozen=True)
class TargetOptions:
    """What a target spec may need beyond its URL; each option belongs to one kind of target."""

    ssh_key: Path | None = None
    known_hosts: Path | None = None
    accept_new_host_key: bool = False
    remote_python: str = "python3"
    benchmark_model: Path | None = None
    taskset: str | None = None
    adb: str = "adb"
    timeout: float = 600
    untrusted: bool = False
    memory_mb: int | None = None


def parse_target(spec: str, options: TargetOptions | None = None) -> Target:
    """local, ssh://[user@]host[:port] or adb://[SERIAL] -> a Target; RecipeError (exit 2) for anything else."""
    o = options or TargetOptions()
    if spec == "local":
        return LocalTarget(o.timeout, o.untrusted, o.memory_mb)
    if spec.startswith("ssh://"):
        from edgeopt.runtime.ssh_target import SshTarget

        return SshTarget.parse(
            spec,
            key=o.ssh_key,
            known_hosts=o.known_hosts,
            accept_new_host_key=o.accept_new_host_key,
            python=o.remote_python,
            timeout=o.timeout,
        )
    if spec.startswith("adb://"):
        from edgeopt.runtime.adb_target import AdbTarget

        return AdbTarget.parse(spec, benchmark_model=o.benchmark_model, adb=o.adb, taskset=o.taskset, timeout=o.timeout)
    if spec.startswith("emulated:aarch64"):
        from edgeopt.runtime.emulated_target import EmulatedTarget

        return EmulatedTarget.parse(spec)
    raise RecipeError(
        f"target {spec!r}: expected local, ssh://[user@]host[:port], adb://SERIAL or emulated:aarch64[:CPU]"
    )


def run_local(args: list[str], timeout: float, untrusted: bool = False, memory_mb: int | None = None) -> dict:
    """One measurement in its own process, which dies with this one; a crash or hang is a ToolchainError (exit 4)
    naming the model, or for a user's file (`untrusted`: `edgeopt bench`) an InputRejected (exit 3), with a
    memory limit on the process."""
    from edgeopt.inspect.limited import wrap
    from edgeopt.inspect.safety import DEFAULT_MEMORY_MB, run_limited

    cmd = [sys.executable, str(MEASURE_SCRIPT), *args]
    if untrusted:
        proc = run_limited(cmd, f"{args[0]}: measurement", timeout, memory_mb or DEFAULT_MEMORY_MB)
        return json.loads(proc.stdout.strip().splitlines()[-1])
    cmd = wrap(cmd, 0)  # no memory limit of its own, but it dies with this process
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"{args[0]}: measurement did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise ToolchainError(f"{args[0]}: measurement failed (exit {proc.returncode}):\n{tail}")
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise ToolchainError(f"{args[0]}: measurement printed no result") from None
