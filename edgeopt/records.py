"""The typed shape of what stages record (stage.json "result") and report.json repeats: one place that says which
keys an artifact, a verify entry and a measurement carry. Stored as JSON, so these are TypedDicts."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class Artifact(TypedDict):
    """One exported file (export stage "artifacts"); report.json adds "accuracy" and "latency"."""

    name: str  # <format>_<precision>, e.g. tflite_int8
    format: str  # an edgeopt.formats name
    precision: str  # as asked, or the fallback's (int8+float, int16x8) when the budget kept one
    file: str  # in the export stage folder (report.json: relative to the run directory)
    bytes: int
    gzip_bytes: int
    contents: dict[str, Any]  # the format backend's read(): inputs, outputs, op_counts, float compute ops...
    diagnosis: NotRequired[dict[str, Any] | None]  # post-training int8: per-layer SQNR ranking
    budget: NotRequired[dict[str, Any] | None]  # quantize.max_drop: the attempts and the one kept
    speed: NotRequired[dict[str, Any]]  # quantize.speed_fallback: operators kept float for speed, and the measurement


class VerifyEntry(TypedDict):
    """One file measured with its official runtime against the starting float model, the one before any compression
    (verify stage "artifacts")."""

    name: str
    top1: float
    top5: float
    drop: float  # versus the starting model, in the recipe's drop_type: every step's cost
    drop_absolute: float
    drop_relative: float
    export_drop: float  # versus the float model the file was exported from (conversion + quantization only)
    agreement: float  # share of samples with the same top-1 as the starting model
    arm: NotRequired[dict[str, float]]  # verify.arm: top1, top1_x86, agreement and max_abs_diff on emulated aarch64
    sqnr_db: float
    kl: float
    flipped_classes: dict[str, Any]


class Gate(TypedDict):
    gate: str
    artifact: str
    limit: float
    value: float
    passed: bool
    reason: NotRequired[str]


class Measurement(TypedDict):
    """Batch-1 latency of one file on one target (bench stage "artifacts"): medians over interleaved rounds."""

    name: str
    threads: int
    runs: int
    rounds: int
    mean_ms: float | None
    min_ms: float | None
    p50_ms: float | None
    p90_ms: float | None  # None when the target does not report it (benchmark_model)
    p99_ms: float | None
    cv: float | None
    noisy: bool
    round_p50_ms: list[float]
    load_ms: float | None
    first_inference_ms: float | None
    peak_rss_mb: float | None
    fidelity_ratio: float | None  # harness p50 / bare invoke() p50
    slower_than_float32: NotRequired[dict[str, Any]]  # the format backend's explanation
