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
        binary = self.benchmark_model or (
            Path(shutil.which("benchmark_model")) if shutil.which("benchmark_model") else None
        )
        if binary is None or not Path(binary).is_file():
            raise ToolchainError(
                f"{self.label}: TFLite's benchmark_model binary for the phone's ABI is needed; pass "
                "--benchmark-model PATH (from the TensorFlow Lite release page) or put it on PATH"
            )
        target = self._resolve_serial()
        folder = target._adb(["shell", "mktemp", "-d", "/data/local/tmp/edgeopt-XXXXXX"], "creating a folder").strip()
        if not folder.startswith("/data/local/tmp/edgeopt-"):
            raise ToolchainError(f"{target.label}: unexpected work folder {folder!r}")
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
            try:
                target._adb(["shell", "rm", "-rf", folder], "cleaning up", timeout=min(30, self.timeout))
            except ToolchainError as exc:
                log.warning("%s: could not remove %s: %s", target.label, folder, exc)
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
