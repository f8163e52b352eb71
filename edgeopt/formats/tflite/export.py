"""The TFLite files of one export stage run: one per precision, the int8 one checked for float operators and,
post-training, followed by its per-layer diagnosis and the accuracy budget (formats/tflite/int8.py)."""

from __future__ import annotations

from edgeopt.atomic import write_bytes
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
        calibrated = None
        if precision == "int8" and job.qat_model is not None:
            export_tflite(job.qat_model, path, "int8", io=q.tflite_io, from_qat=True)
        elif precision == "int8" and job.follow is not None:
            # Diagnosis, budget and speed variant quantize this one calibration again (formats/tflite/calibrated.py).
            from edgeopt.formats.tflite.calibrated import Calibrated
            from edgeopt.formats.tflite.convert import configured_converter

            converter = configured_converter(job.model, "int8", job.calibration, job.saved_model, io=q.tflite_io)
            calibrated = Calibrated(converter)
            write_bytes(path, calibrated.deployable())
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

            kept, budget, diagnosis = follow(job.follow, path, calibrated)
            if kept.name != job.files[name]:  # a fallback was kept: describe that file (its float ops are on purpose)
                job.files[name] = kept.name
                contents = read_tflite(kept).to_dict()
            elif q.speed_fallback and calibrated is not None:  # post-training: a QAT file's ranges are learned
                from edgeopt.formats.tflite.speed import speed_variant

                _, speed = speed_variant(job.follow, path, calibrated, contents, threads=1, xnnpack=True)
                if speed and speed["kept"]:
                    contents = read_tflite(path).to_dict()
            after = (budget, diagnosis)
        job.record(name, "tflite", precision, contents, after)
        if after is not None and speed:
            job.artifacts[-1]["speed"] = speed
