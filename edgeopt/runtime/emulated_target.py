"""`emulated:aarch64[:CPU]`: measure.py and the format's device module run on the aarch64 builds of the official
runtimes under qemu-aarch64 (edgeopt/arm). What this proves is that the ARM kernels (XNNPACK's NEON paths,
onnxruntime's aarch64 kernels) load and run the file; its timings are emulated, about 200x slower than a real
core, labelled as such and never a latency figure."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from edgeopt.errors import ToolchainError

PREFIX = "emulated:aarch64"
MEASURE_SCRIPT = Path(__file__).with_name("measure.py")  # the same standalone script every target runs


@dataclass
class EmulatedTarget:
    cpu: str
    timeout: float = 3600
    formats: tuple[str, ...] = ("tflite", "onnx")
    emulated: bool = True
    label: str = field(init=False)

    def __post_init__(self) -> None:
        from edgeopt.arm.emulator import check_cpu

        check_cpu(self.cpu)
        self.label = f"{PREFIX} ({self.cpu}, emulated)"

    @classmethod
    def parse(cls, spec: str, timeout: float = 3600) -> EmulatedTarget:
        from edgeopt.arm.stack import DEFAULT_CPU

        cpu = spec.removeprefix(PREFIX).removeprefix(":") or DEFAULT_CPU
        return cls(cpu, timeout)

    def measure(self, model: Path, threads: int, settings) -> dict:
        from edgeopt.arm.emulator import command, environment
        from edgeopt.formats import for_path
        from edgeopt.inspect.limited import wrap

        args = settings.args(Path(model).resolve(), threads, for_path(model).device_module)
        cmd = wrap(command([str(MEASURE_SCRIPT), *args], self.cpu), 0)  # dies with edgeopt
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, env=environment(self.cpu), timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"{model}: emulated measurement did not finish within {self.timeout:g} s") from None
        if proc.returncode != 0:
            from edgeopt.inspect.safety import error_line

            raise ToolchainError(f"{model}: emulated aarch64 measurement failed: {error_line(proc.stderr)}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["machine"] = {**out.get("machine", {}), "emulated_cpu": self.cpu, "emulated": True}
        return out

    def predict(self, model: Path, x) -> tuple:
        from edgeopt.arm.emulator import predict

        return predict(model, x, self.cpu, self.timeout)
