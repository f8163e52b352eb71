"""Measure on an Android phone over adb with TFLite's own benchmark_model binary, and parse what it prints.

The binary (`--benchmark-model PATH`, or `benchmark_model` on PATH) and the model are pushed to a fresh folder in
/data/local/tmp, optionally pinned to big cores with taskset, run, parsed, and the folder is removed afterwards,
also after a failure. Device problems (no device, unauthorized, several devices, a hang) are ToolchainErrors
(exit 4) that name the serial and say what to do.
"""

from __future__ import annotations

import logging
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from edgeopt.errors import ToolchainError

log = logging.getLogger(__name__)

_KV = re.compile(r"(\w+)=([-+0-9.eE]+)")


def parse_benchmark_model(text: str) -> dict:
    """benchmark_model's output -> numbers (times in ms). Handles the variants seen across TFLite versions:
    lines with or without an "INFO: " prefix; "count=" lines with or without p5/median/p95; "Inference timings in
    us: Init: .., First inference: .., Warmup (avg): .., Inference (avg): .."; and the memory lines "Memory
    footprint delta from the start of the tool (MB): init=.. overall=..", "Peak memory footprint (MB): ..", and
    "Overall peak memory footprint (MB) via periodic monitoring: ..".
    """
    runs = [dict(_KV.findall(line[line.index("count=") :])) for line in text.splitlines() if "count=" in line]
    if not runs:
        raise ValueError("no 'count=' timing line in benchmark_model output")
    steady = runs[-1]  # the last "Running benchmark for at least ..." block is the measured one
    out: dict = {
        "runs": int(float(steady["count"])),
        "mean_ms": float(steady["avg"]) / 1e3,
        "min_ms": float(steady["min"]) / 1e3,
        "max_ms": float(steady["max"]) / 1e3,
        "std_ms": float(steady.get("std", 0)) / 1e3,
    }
    for key, name in (("median", "p50_ms"), ("p5", "p5_ms"), ("p95", "p95_ms")):
        if key in steady:
            out[name] = float(steady[key]) / 1e3
    if len(runs) > 1:
        out["warmup_runs"] = int(float(runs[0]["count"]))
    m = re.search(r"Inference timings in us: (.*)", text)
    if m:
        fields = dict(re.findall(r"([A-Za-z ()]+?):\s*([-+0-9.eE]+)", m.group(1)))
        fields = {k.strip(): float(v) for k, v in fields.items()}
        if "Init" in fields:
            out["load_ms"] = fields["Init"] / 1e3
        if "First inference" in fields:
            out["first_inference_ms"] = fields["First inference"] / 1e3
        warm = fields.get("Warmup (avg)", fields.get("Warmup"))
        if warm is not None:
            out["warmup_mean_ms"] = warm / 1e3
    mem = re.search(r"(?:Memory footprint delta from the start of the tool|Peak memory footprint) \(MB\): (.*)", text)
    if mem:
        values = dict(_KV.findall(mem.group(1)))
        if "overall" in values:
            out["peak_memory_mb"] = float(values["overall"])
        if "init" in values:
            out["init_memory_mb"] = float(values["init"])
    periodic = re.search(r"Overall peak memory footprint \(MB\) via periodic monitoring: ([-+0-9.eE]+)", text)
    if periodic:
        out["peak_memory_mb"] = float(periodic.group(1))
    out["cv"] = out["std_ms"] / out["mean_ms"] if out["mean_ms"] else 0.0
    return out


@dataclass(frozen=True)
class AdbTarget:
    formats: ClassVar[tuple[str, ...]] = ("tflite",)  # TFLite's benchmark_model runs TFLite files only
    serial: str | None
    benchmark_model: Path | None = None
    adb: str = "adb"
    taskset: str | None = None  # CPU mask, e.g. "f0" for the big cores of a 4+4 phone
    timeout: float = 600

    @classmethod
    def parse(cls, url: str, **options) -> AdbTarget:
        if not url.startswith("adb://"):
            raise ValueError(f"target {url!r}: expected adb://SERIAL")
        return cls(url[len("adb://") :] or None, **options)

    @property
    def label(self) -> str:
        return f"adb://{self.serial or ''}"

    def _adb(self, args: list[str], what: str, timeout: float | None = None) -> str:
        serial = ["-s", self.serial] if self.serial else []
        try:
            proc = subprocess.run(
                [self.adb, *serial, *args], capture_output=True, text=True, timeout=timeout or self.timeout, check=False
            )
        except FileNotFoundError:
            raise ToolchainError(f"{self.label}: adb not found ({self.adb}); install Android platform-tools") from None
        except subprocess.TimeoutExpired:
            raise ToolchainError(
                f"{self.label}: adb did not answer within {timeout or self.timeout:g} s while {what}; check the "
                "cable and `adb devices`, then retry"
            ) from None
        err = (proc.stderr + proc.stdout).strip()
        if proc.returncode != 0 or err.startswith("error:"):
            low = err.lower()
            if "unauthorized" in low:
                raise ToolchainError(
                    f"{self.label}: the device is unauthorized; unlock the phone and accept the USB debugging prompt"
                )
            if "not found" in low or "no devices" in low or "offline" in low:
                raise ToolchainError(f"{self.label}: device not found; connect it and check `adb devices`")
            if "more than one device" in low:
                raise ToolchainError(f"{self.label}: several devices are connected; name one: adb://SERIAL")
            raise ToolchainError(f"{self.label}: adb failed while {what}: {err.splitlines()[-1] if err else ''}")
        return proc.stdout

    def _resolve_serial(self) -> AdbTarget:
        if self.serial:
            state = self._adb(["get-state"], "checking the device", timeout=min(30, self.timeout)).strip()
            if state != "device":
                raise ToolchainError(f"{self.label}: device is '{state}', not ready; check `adb devices`")
            return self
        lines = self._adb(["devices"], "listing devices", timeout=min(30, self.timeout)).splitlines()[1:]
        devices = [line.split()[0] for line in lines if line.strip() and line.split()[-1] == "device"]
        if not devices:
            raise ToolchainError("adb://: no device is connected; connect one and check `adb devices`")
        if len(devices) > 1:
            raise ToolchainError(
                f"adb://: several devices are connected ({', '.join(devices)}); name one: adb://SERIAL"
            )
        return AdbTarget(devices[0], self.benchmark_model, self.adb, self.taskset, self.timeout)

    def _binary(self) -> Path:
        binary = self.benchmark_model or (
            Path(shutil.which("benchmark_model")) if shutil.which("benchmark_model") else None
        )
        if binary is None or not Path(binary).is_file():
            raise ToolchainError(
                f"{self.label}: TFLite's benchmark_model binary for the phone's ABI is needed; pass "
                "--benchmark-model PATH (from the TensorFlow Lite release page) or put it on PATH"
            )
        return Path(binary)

    def _folder(self) -> str:
        folder = self._adb(["shell", "mktemp", "-d", "/data/local/tmp/edgeopt-XXXXXX"], "creating a folder").strip()
        if not folder.startswith("/data/local/tmp/edgeopt-"):
            raise ToolchainError(f"{self.label}: unexpected work folder {folder!r}")
        return folder

    def _clean(self, folder: str) -> None:
        try:
            self._adb(["shell", "rm", "-rf", folder], "cleaning up", timeout=min(30, self.timeout))
        except ToolchainError as exc:
            log.warning("%s: could not remove %s: %s", self.label, folder, exc)

    def predict(self, model: Path, x) -> tuple:
        """(outputs, device) of a TFLite file on the phone for the float inputs `x`, with benchmark_model itself
        (a phone has no Python): one run per input, its raw tensor bytes fed with --input_layer_value_files and
        the first output's bytes read back from --output_filepath (a flag of recent benchmark_model builds; an
        older binary writes no file and this stops with exit 4). Inputs are quantized and outputs dequantized
        with the file's own parameters, read here, as the runners do."""
        import tempfile

        import numpy as np

        from edgeopt.formats import for_path

        if for_path(model).name not in self.formats:
            raise ToolchainError(f"{self.label}: benchmark_model runs .tflite files; received {model.name}")
        io = _tflite_io(model)
        binary, target = self._binary(), self._resolve_serial()
        folder = target._folder()
        outputs = []
        try:
            target._adb(["push", str(binary), f"{folder}/benchmark_model"], "pushing benchmark_model")
            target._adb(["push", str(model), f"{folder}/{model.name}"], "pushing the model")
            with tempfile.TemporaryDirectory(prefix="edgeopt-adb-") as work:
                for i, sample in enumerate(np.asarray(x, np.float32)):
                    local_in, local_out = Path(work) / f"in{i}.bin", Path(work) / f"out{i}.bin"
                    local_in.write_bytes(io.to_input(sample[None]).tobytes())
                    target._adb(["push", str(local_in), f"{folder}/in{i}.bin"], "pushing a golden input")
                    name = io.input_name.replace(":", "::")  # benchmark_model's escape for ':' in names
                    cmd = [
                        f"{folder}/benchmark_model",
                        f"--graph={folder}/{model.name}",
                        "--num_threads=1",
                        "--warmup_runs=0",
                        "--num_runs=1",
                        "--min_secs=0",
                        f"--input_layer={name}",
                        f"--input_layer_shape={','.join(map(str, [1, *io.input_shape[1:]]))}",
                        f"--input_layer_value_files={name}:{folder}/in{i}.bin",
                        f"--output_filepath={folder}/out{i}.bin",
                    ]
                    shell = f"chmod 755 {folder}/benchmark_model && " + " ".join(shlex.quote(c) for c in cmd)
                    target._adb(["shell", shell], f"running benchmark_model on golden input {i}")
                    try:
                        target._adb(["pull", f"{folder}/out{i}.bin", str(local_out)], "fetching the outputs")
                    except ToolchainError:
                        raise ToolchainError(
                            f"{target.label}: benchmark_model wrote no outputs; golden checks need a build with "
                            "--output_filepath (recent TensorFlow Lite releases)"
                        ) from None
                    outputs.append(io.from_output(local_out.read_bytes()))
        finally:
            target._clean(folder)
        abi = target._adb(["shell", "getprop", "ro.product.cpu.abi"], "reading the ABI", timeout=30).strip()
        device = target._adb(["shell", "getprop", "ro.product.model"], "reading the model name", timeout=30).strip()
        return np.concatenate(outputs), {"cpu": device, "arch": abi, "runtime": "benchmark_model"}

    def measure(self, model: Path, threads: int, settings) -> dict:
        warmup, min_runs, min_seconds, xnnpack = (
            settings.warmup,
            settings.min_runs,
            settings.min_seconds,
            settings.xnnpack,
        )
        from edgeopt.formats import for_path

        if for_path(model).name not in self.formats:
            raise ToolchainError(f"{self.label}: benchmark_model runs .tflite files; received {model.name}")
        binary = self._binary()
        target = self._resolve_serial()
        folder = target._folder()
        try:
            target._adb(["push", str(binary), f"{folder}/benchmark_model"], "pushing benchmark_model")
            target._adb(["push", str(model), f"{folder}/{model.name}"], "pushing the model")
            cmd = [
                f"{folder}/benchmark_model",
                f"--graph={folder}/{model.name}",
                f"--num_threads={threads}",
                f"--warmup_runs={warmup}",
                f"--num_runs={min_runs}",
                f"--min_secs={min_seconds}",
                f"--use_xnnpack={'true' if xnnpack else 'false'}",
            ]
            if self.taskset:
                cmd = ["taskset", self.taskset, *cmd]
            shell = f"chmod 755 {folder}/benchmark_model && " + " ".join(shlex.quote(c) for c in cmd)
            text = target._adb(["shell", shell], f"running benchmark_model on {model.name}")
            try:
                parsed = parse_benchmark_model(text)
            except ValueError as exc:
                raise ToolchainError(f"{target.label}: {exc}; its output ended with: {text[-300:]}") from None
        finally:
            target._clean(folder)
        props = target._adb(
            ["shell", "getprop", "ro.product.model"], "reading the model name", timeout=min(30, self.timeout)
        ).strip()
        abi = target._adb(
            ["shell", "getprop", "ro.product.cpu.abi"], "reading the ABI", timeout=min(30, self.timeout)
        ).strip()
        return _as_measurement(model, parsed, threads, xnnpack, self.taskset, {"model": props, "abi": abi}, target)


def _as_measurement(model: Path, parsed: dict, threads, xnnpack, taskset, device: dict, target) -> dict:
    """benchmark_model's figures in measure.py's layout; what the tool does not print stays None (never guessed)."""
    import gzip

    steady = {k: parsed.get(k) for k in ("runs", "mean_ms", "std_ms", "min_ms", "p50_ms", "p90_ms", "p99_ms", "cv")}
    steady["noisy"] = parsed["cv"] > 0.10
    return {
        "model": str(model),
        "bytes": model.stat().st_size,
        "gzip_bytes": len(gzip.compress(model.read_bytes(), compresslevel=9, mtime=0)),
        "runtime": "benchmark_model",
        "threads": threads,
        "xnnpack": xnnpack,
        "taskset": taskset,
        "load_ms": parsed.get("load_ms"),
        "first_inference_ms": parsed.get("first_inference_ms"),
        "steady": steady,
        "peak_rss_mb": parsed.get("peak_memory_mb"),
        "fidelity_ratio": None,  # benchmark_model is the bare loop itself
        "machine": {"cpu": device["model"], "arch": device["abi"], "cores": None, "isa": [], "target": target.label},
        "raw": parsed,
    }


@dataclass(frozen=True)
class _TFLiteIO:
    """A TFLite file's first input and output as benchmark_model sees them: raw tensor bytes."""

    input_name: str
    input_shape: tuple[int, ...]
    input_dtype: object
    input_quant: tuple[float, int]
    output_shape: tuple[int, ...]
    output_dtype: object
    output_quant: tuple[float, int]

    def to_input(self, x):
        import numpy as np

        if np.issubdtype(self.input_dtype, np.integer):
            scale, zp = self.input_quant
            info = np.iinfo(self.input_dtype)
            return np.clip(np.round(x / scale) + zp, info.min, info.max).astype(self.input_dtype)
        return x.astype(self.input_dtype)

    def from_output(self, raw: bytes):
        import numpy as np

        count = int(np.prod(self.output_shape[1:]))
        itemsize = np.dtype(self.output_dtype).itemsize
        if len(raw) < count * itemsize:
            raise ToolchainError(f"benchmark_model wrote {len(raw)} output bytes; expected {count * itemsize}")
        y = np.frombuffer(raw[: count * itemsize], self.output_dtype).reshape(1, *self.output_shape[1:])
        if np.issubdtype(self.output_dtype, np.integer):
            scale, zp = self.output_quant
            return (y.astype(np.float32) - zp) * scale
        return y.astype(np.float32)


def _tflite_io(model: Path) -> _TFLiteIO:
    from edgeopt.formats.tflite.runner import TFLiteRunner

    runner = TFLiteRunner(model)
    i, o = runner._in, runner._out
    return _TFLiteIO(
        i["name"],
        tuple(int(d) for d in i["shape"]),
        i["dtype"],
        tuple(i["quantization"]),
        tuple(int(d) for d in o["shape"]),
        o["dtype"],
        tuple(o["quantization"]),
    )
