"""The ONNX files of one export stage run: tf2onnx's float32 file, then onnxruntime's dynamic and static int8
quantization of it (or, from a QAT model, its learned ranges in onnxruntime's layout); a post-training int8 file
is followed by its per-layer diagnosis and the accuracy budget (formats/onnx/int8.py)."""

from __future__ import annotations

import logging

from edgeopt.formats.base import ExportJob

log = logging.getLogger(__name__)


def export(job: ExportJob, precisions: list[str]) -> None:
    from edgeopt.formats.onnx.convert import (
        export_onnx_float,
        export_onnx_qat,
        quantize_onnx_dynamic,
        quantize_onnx_int8,
    )
    from edgeopt.formats.onnx.read import read_onnx

    q, out, files = job.quantize, job.out, job.files
    float_file = "model_float32.onnx"
    export_onnx_float(job.model, out(float_file), job.opset, job.saved_model)
    if "float32" in precisions:
        files["onnx_float32"] = float_file
        job.record("onnx_float32", "onnx", "float32", read_onnx(out(float_file)))
    if "dynamic" in precisions:
        files["onnx_dynamic"] = "model_dynamic.onnx"
        quantize_onnx_dynamic(out(float_file), out(files["onnx_dynamic"]), q.onnx_weights if q else "int8")
        job.record("onnx_dynamic", "onnx", "dynamic", read_onnx(out(files["onnx_dynamic"])))
    if "int8" in precisions:
        files["onnx_int8"] = "model_int8.onnx"
        if job.qat_model is not None:
            export_onnx_qat(job.qat_model, out(files["onnx_int8"]), job.opset, job.calibration, q)
        else:
            quantize_onnx_int8(
                out(float_file),
                out(files["onnx_int8"]),
                job.calibration,
                q.per_channel,
                q.onnx_activations,
                q.onnx_weights,
                q.onnx_format,
                q.onnx_calibration,
            )
        after = None
        if job.follow is not None:
            from edgeopt.formats.onnx.int8 import follow

            kept, budget, diagnosis = follow(job.follow, out(float_file), out(files["onnx_int8"]))
            files["onnx_int8"] = kept.name
            after = (budget, diagnosis)
        contents = read_onnx(out(files["onnx_int8"]), executed=True)
        if contents["executed_float_compute_ops"]:
            log.warning(
                "export: onnxruntime runs %d compute operators of model_int8.onnx in float: %s",
                len(contents["executed_float_compute_ops"]),
                contents["executed_float_compute_ops"],
            )
        job.record("onnx_int8", "onnx", "int8", contents, after)
    if "float32" not in precisions:
        out(float_file).unlink()
