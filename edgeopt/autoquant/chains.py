"""The pieces every format's fallback chain is built from (the chains are in edgeopt/formats/<format>/int8.py),
cheapest first. Each changes one thing from the recipe's settings, except the float-tensor attempts, which keep one
more of the most sensitive tensors in float each time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Attempt:
    label: str
    kind: str  # the quantize.fallbacks entry that enables it
    build: Callable[[Path], dict] | None = None  # writes the candidate file; returns details for the report
    skipped: str | None = None  # why this fix does not apply
    precision: str = "int8"
    suffix: str = ""  # file name suffix when this attempt is the one kept


CALIBRATIONS = ("entropy", "percentile", "minmax")


@dataclass
class Inputs:
    """What every chain needs: the quantize settings, calibration sets and the diagnosis of the plain file."""

    cfg: object  # QuantizeConfig
    calibration: np.ndarray
    more_calibration: np.ndarray | None  # None when the training split has no more samples
    ranking: list[dict]  # diagnose rows, most sensitive first
    keep_float: Callable[[dict], list[str]] | None  # ranking row -> nodes to keep float (None: no diagnosis)
    qat_model: Callable[[], object] | None  # trains QAT once, on first use; None on the post-training route


def float_steps(inp: Inputs, build: Callable[[list[str]], Callable[[Path], dict]]) -> list[Attempt]:
    if inp.keep_float is None:
        return [Attempt("keep sensitive tensors in float", "float_layers", skipped="no per-layer diagnosis")]
    steps, nodes, names = [], [], []
    for row in inp.ranking[: inp.cfg.max_float_layers]:
        nodes = list(dict.fromkeys(nodes + inp.keep_float(row)))
        names.append(row["layer"] or row["tensor"])
        label = f"float: {', '.join(names)} ({len(nodes)} ops)"
        steps.append(Attempt(label, "float_layers", build(nodes), precision="int8+float", suffix="_mixed"))
    return steps


def more_samples(inp: Inputs, build: Callable[[Path], dict]) -> Attempt:
    label = "more calibration samples"
    if inp.more_calibration is None:
        return Attempt(label, "more_samples", skipped=f"all {len(inp.calibration)} training samples already calibrate")
    return Attempt(f"{label} ({len(inp.more_calibration)})", "more_samples", build, suffix="_morecal")


def qat_attempt(inp: Inputs, export: Callable[[object, Path], None]) -> Attempt:
    if inp.qat_model is None:
        return Attempt("QAT", "qat", skipped="QAT needs a tf_keras model; this one is on the post-training route")
    return Attempt("QAT", "qat", lambda path: export(inp.qat_model(), path) or {}, suffix="_qat")


def enabled(inp: Inputs, attempts: list[Attempt]) -> list[Attempt]:
    return [a for a in attempts if a.kind in inp.cfg.fallbacks]
