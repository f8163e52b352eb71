"""After a post-training int8 ONNX file is written: its per-layer diagnosis (onnxruntime's qdq_loss_debug), and
the fallback attempts the accuracy budget may search (cheapest first; edgeopt.autoquant runs the search)."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from edgeopt.autoquant import chains
from edgeopt.errors import EdgeoptError

log = logging.getLogger(__name__)


def follow(f, float_path: Path, path: Path) -> tuple[Path, dict | None, dict | None]:
    from edgeopt.formats.onnx import diagnose as donnx
    from edgeopt.formats.onnx.convert import quantize_onnx_int8

    diagnosis, ranking, keep_float = None, [], None
    c = f.cfg
    if f.diagnose:
        start = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="edgeopt-diag-") as work:
                qdq = path
                if c.onnx_format != "qdq":  # qdq_loss_debug reads Q/DQ pairs: diagnose a QDQ twin
                    qdq = Path(work) / "twin.onnx"
                    quantize_onnx_int8(
                        float_path,
                        qdq,
                        f.calibration,
                        c.per_channel,
                        c.onnx_activations,
                        c.onnx_weights,
                        "qdq",
                        c.onnx_calibration,
                    )
                ranking = donnx.sensitivity(float_path, qdq, f.x_diag, f.layers)
            graph = donnx.graph(float_path)
            keep_float = lambda row: graph.keep_float(row["tensor"])  # noqa: E731
            diagnosis = f.describe("onnxruntime qdq_loss_debug", ranking, time.perf_counter() - start)
            if c.onnx_format != "qdq":
                diagnosis["note"] = "measured on a QDQ twin with the same settings"
        except EdgeoptError as exc:
            diagnosis = {"error": str(exc)}
            log.warning("export: ONNX per-layer diagnosis failed: %s", exc)
    attempts = onnx_attempts(f.inputs(ranking, keep_float), float_path, f.opset)
    return (*f.settle(path, attempts), diagnosis)  # type: ignore[return-value]


def onnx_attempts(inp: chains.Inputs, float_path: Path, opset: int) -> list[chains.Attempt]:
    from edgeopt.formats.onnx.convert import export_onnx_qat, quantize_onnx_int8

    c = inp.cfg

    def quantize(cal=None, per_channel=None, method=None, exclude=None, activations=None):
        def build(path):
            quantize_onnx_int8(
                float_path,
                path,
                inp.calibration if cal is None else cal,
                c.per_channel if per_channel is None else per_channel,
                activations or c.onnx_activations,
                c.onnx_weights,
                c.onnx_format,
                method or c.onnx_calibration,
                exclude,
            )
            return {"nodes_to_exclude": exclude} if exclude else {}

        return build

    per_channel = (
        chains.Attempt("per-channel weights", "per_channel", quantize(per_channel=True), suffix="_perchannel")
        if not c.per_channel
        else chains.Attempt("per-channel weights", "per_channel", skipped="already per-channel")
    )
    return chains.enabled(
        inp,
        [
            per_channel,
            *[
                chains.Attempt(f"calibration: {m}", "calibration", quantize(method=m), suffix=f"_{m}")
                for m in chains.CALIBRATIONS
                if m != c.onnx_calibration
            ],
            chains.more_samples(inp, quantize(cal=inp.more_calibration)),
            *chains.float_steps(inp, lambda nodes: quantize(exclude=nodes)),
            chains.Attempt("16x8", "int16x8", quantize(activations="int16"), precision="int16x8", suffix="_int16x8"),
            chains.qat_attempt(inp, lambda qat, path: export_onnx_qat(qat, path, opset, inp.calibration, c)),
        ],
    )
