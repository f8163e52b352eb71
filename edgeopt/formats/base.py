"""What a format backend provides, and the export job the export stage hands to each backend in turn.

A backend is one object in edgeopt.formats.FORMATS. Everything edgeopt knows about a format lives behind it:
how to write each precision, how to read a file's contents (one dict shape for every format), the runner that
measures accuracy, the pre-load safety check, `edgeopt inspect`'s description, why an int8 file is slow, and the
line the report prints for an int8 file. Backends import their toolchains lazily, so listing formats is light.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from edgeopt.errors import InputRejected
from edgeopt.records import Artifact, Gate

log = logging.getLogger(__name__)


class Format:
    """Base class of a format backend; subclasses set the class attributes and implement the methods."""

    name: ClassVar[str]  # also the export section's field listing its precisions (export.<name>)
    suffixes: ClassVar[tuple[str, ...]]  # file suffixes the backend opens (the first is what it writes)
    runtime: ClassVar[str]  # the Python distribution that runs the files (baselines are keyed by it)
    color: ClassVar[str]  # report plots
    device_module: ClassVar[Path]  # standalone timing loop run by runtime/measure.py (also copied to boards)
    # (file, class) of the runner, which imports nothing of edgeopt it cannot do without, so the same file runs
    # on aarch64 builds of the runtime (runtime/device_predict.py under emulation)
    runner_source: ClassVar[tuple[Path, str]]
    diagnosis_column: ClassVar[tuple[str, str]]  # per-layer diagnosis: (row key, report column) beside SQNR
    bench_settings: ClassVar[tuple[str, ...]]  # the bench section's settings only this runtime reads

    def export(self, job: ExportJob, precisions: list[str]) -> None:
        """Write one file per precision into the stage folder and job.record() each."""
        raise NotImplementedError

    def read(self, path: Path) -> dict:
        """What the file contains, read from the file without trusting how it was made: a dict with at least
        "inputs", "outputs" and "op_counts" (the artifact's "contents" in report.json)."""
        raise NotImplementedError

    def float_compute_ops(self, contents: dict) -> list[str]:
        """The compute operators of read()'s `contents` that run in float (an int8 file's float islands)."""
        raise NotImplementedError

    def is_integer(self, contents: dict) -> bool:
        """Whether read()'s `contents` describe a quantized file (integer compute), not a float one."""
        raise NotImplementedError

    def runner(self, path: Path, threads: int = 1):
        """A runtime.runners.Runner on the official runtime."""
        raise NotImplementedError

    def precheck(self, path: Path) -> None:
        """Refuse (InputRejected) a user's file that is not what its suffix says, before any runtime loads it."""
        raise NotImplementedError

    def inspect(self, path: Path) -> dict:
        """`edgeopt inspect`: read() plus what a person deploying the file wants to see."""
        raise NotImplementedError

    def explain_slower(self, int8_path: Path, float_path: Path, int8_contents: dict, threads: int) -> dict:
        """Why the int8 file measured slower than the float32 one: {"reasons": [...], ...}."""
        raise NotImplementedError

    def int8_summary(self, artifact: dict) -> str:
        """The report's one-line description of an int8 artifact's contents."""
        raise NotImplementedError


@dataclass
class ExportJob:
    """Shared inputs of one export stage run, and what the backends wrote (files, artifacts, budget gates)."""

    out: Callable[[str], Path]  # filename -> path in the stage folder
    model: Any  # the float Keras model
    calibration: Any  # calibration samples (None without a quantize section)
    saved_model: Path | None  # Keras 3 models: the SavedModel the converters read
    quantize: Any  # QuantizeConfig or None
    qat_model: Any  # the rebuilt QAT model (method qat) or None
    follow: Any  # stages.export.auto.Int8Follow: diagnosis, budget and fallbacks of post-training int8 files
    opset: int  # ONNX opset (the export section's onnx_opset)
    files: dict[str, str] = field(default_factory=dict)
    artifacts: list[Artifact] = field(default_factory=list)
    budgets: list[Gate] = field(default_factory=list)

    def record(self, name: str, fmt: str, precision: str, contents: dict, follow: tuple | None = None) -> None:
        """Describe files[name]: size, contents, and for a followed int8 file its diagnosis and budget."""
        from edgeopt.hashing import gzip_size

        path = self.out(self.files[name])
        entry: Artifact = {
            "name": name,
            "format": fmt,
            "precision": precision,
            "file": self.files[name],
            "bytes": path.stat().st_size,
            "gzip_bytes": gzip_size(path),
            "contents": contents,
        }
        if follow is not None:
            budget, diagnosis = follow
            entry.update({"diagnosis": diagnosis, "budget": budget})
            if budget is not None:
                entry["precision"] = budget["precision"]
                self.budgets.append(_budget_gate(name, self.quantize, budget))
        self.artifacts.append(entry)
        log.info("export: %s (%s bytes)", self.files[name], f"{path.stat().st_size:,}")


def check_flatbuffer(path: Path, identifier: str, what: str) -> None:
    buf = path.read_bytes()
    if len(buf) < 8 or buf[4:8] != identifier.encode():
        article = "an" if what[0] in "AEIOU" else "a"  # an ORT format file, a TFLite file
        raise InputRejected(f"{path}: not {article} {what} file (flatbuffer identifier '{identifier}' missing)")
    root = int.from_bytes(buf[0:4], "little")
    if root < 8 or root + 4 > len(buf):
        raise InputRejected(f"{path}: corrupt {what} file (root table offset {root} outside the file)")


def _budget_gate(name: str, q, budget: dict) -> Gate:
    chosen = next(a for a in budget["attempts"] if a["label"] == budget["chosen"])
    return {
        "gate": f"quantize.max_drop ({q.budget_split})",
        "artifact": name,
        "limit": q.max_drop,
        "value": chosen["drop"],
        "passed": budget["met"],
        "reason": budget["reason"],
    }
