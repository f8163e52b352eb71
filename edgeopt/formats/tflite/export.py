"""The TFLite files of one export stage run: one per precision, the int8 one checked for float operators and,
post-training, followed by its per-layer diagnosis and the accuracy budget (formats/tflite/int8.py)."""

from __future__ import annotations

from edgeopt.errors import ToolchainError
from edgeopt.formats.base import ExportJob


def export(job: ExportJob, precisions: list[str]) -> None:
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.formats.tflite.read import read_tflite

    q = job.quantize
    for precision in precisions:
        name = f"tflite_{precision}"
        job.files[name] = f"model_{precision}.tflite"
        path = job.out(job.files[name])
        if precision == "int8" and job.qat_model is not None:
            export_tflite(job.qat_model, path, "int8", io=q.tflite_io, from_qat=True)
        else:
            io = q.tflite_io if q is not None else "int8"
            export_tflite(job.model, path, precision, job.calibration, job.saved_model, io=io)
        contents = read_tflite(path).to_dict()
        if precision == "int8" and contents["float_compute_ops"]:
            raise ToolchainError(
                f"{job.files[name]}: int8 export still has float compute operators {contents['float_compute_ops']}"
            )
        after, speed = None, None
        if precision == "int8" and job.follow is not None:
            from edgeopt.formats.tflite.int8 import follow

            kept, budget, diagnosis = follow(job.follow, path, _float_twin(job))
            if kept.name != job.files[name]:  # a fallback was kept: describe that file (its float ops are on purpose)
                job.files[name] = kept.name
                contents = read_tflite(kept).to_dict()
            elif q.speed_fallback:
                from edgeopt.formats.tflite.speed import speed_variant

                _, speed = speed_variant(job.follow, path, contents, threads=1, xnnpack=True, io=q.tflite_io)
                if speed and speed["kept"]:
                    contents = read_tflite(path).to_dict()
            after = (budget, diagnosis)
        job.record(name, "tflite", precision, contents, after)
        if after is not None and speed:
            job.artifacts[-1]["speed"] = speed


def _float_twin(job: ExportJob):
    """The float32 file this stage wrote, when it is what the diagnosis would convert again (the same float
    converter on the same model: no 3D pooling rewritten), so the diagnosis reads it instead (18 s for
    MobileNetV2 at 224 px)."""
    from edgeopt.formats.tflite.rewrite import pool3d_as_pool2d

    if "tflite_float32" not in job.files or pool3d_as_pool2d(job.model)[1]:
        return None
    return job.out(job.files["tflite_float32"]).read_bytes()
