"""After a post-training int8 TFLite file is written: its per-layer diagnosis (QuantizationDebugger), and the
fallback attempts the accuracy budget may search (cheapest first; edgeopt.autoquant runs the search)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from edgeopt.atomic import write_bytes
from edgeopt.autoquant import chains
from edgeopt.errors import EdgeoptError
from edgeopt.formats.tflite.calibrated import Calibrated

log = logging.getLogger(__name__)


def follow(f, path: Path, calibrated: Calibrated | None) -> tuple[Path, dict | None, dict | None]:
    """(kept file, diagnosis, budget summary) for the int8 .tflite file `path`: post-training, quantized from
    `calibrated`; from QAT (None), only the budget check and the fallbacks that need no diagnosis."""
    from edgeopt.formats.tflite.diagnose import sensitivity

    diagnosis, ranking, keep_float = None, [], None
    if f.diagnose:
        start = time.perf_counter()
        try:
            ranking, graph = sensitivity(calibrated, f.x_diag, f.layers)
            keep_float = lambda row: graph.keep_float(row["node"])  # noqa: E731
            diagnosis = f.describe("TFLite QuantizationDebugger", ranking, time.perf_counter() - start)
        except EdgeoptError as exc:
            diagnosis = {"error": str(exc)}
            log.warning("export: TFLite per-layer diagnosis failed: %s", exc)
    attempts = tflite_attempts(f.inputs(ranking, keep_float), f.model, f.saved_model, calibrated)
    return (*f.settle(path, attempts), diagnosis)  # type: ignore[return-value]


def tflite_attempts(
    inp: chains.Inputs, model, saved_model: Path | None, calibrated: Calibrated | None
) -> list[chains.Attempt]:
    from edgeopt.formats.tflite.convert import export_tflite

    io = inp.cfg.tflite_io

    def plain(cal):
        return lambda path: export_tflite(model, path, "int8", cal, saved_model, io=io) or {}

    def mixed(nodes):
        def build(path):
            write_bytes(path, calibrated.deployable(nodes=nodes))
            return {"float_nodes": nodes, "io": io}

        return build

    def sixteen(path):
        return export_tflite(model, path, "int16x8", inp.calibration, saved_model) or {}

    return chains.enabled(
        inp,
        [
            chains.Attempt(
                "per-channel weights", "per_channel", skipped="TFLite quantizes conv and dense weights per channel"
            ),
            chains.Attempt(
                "another calibration method", "calibration", skipped="the TFLite converter calibrates with min/max"
            ),
            chains.more_samples(inp, plain(inp.more_calibration)),
            *chains.float_steps(inp, mixed),
            chains.Attempt("16x8", "int16x8", sixteen, precision="int16x8", suffix="_int16x8"),
            chains.qat_attempt(inp, lambda qat, path: export_tflite(qat, path, "int8", io=io, from_qat=True)),
        ],
    )
