"""ONNX: tf2onnx writes the float file, onnxruntime quantizes and runs it (and ORT format files)."""

from __future__ import annotations

from pathlib import Path

from edgeopt.formats.base import Format, check_flatbuffer


class OnnxFormat(Format):
    name = "onnx"
    suffixes = (".onnx", ".ort")  # onnxruntime loads ORT format files (the bundles' .ort) the same way
    runtime = "onnxruntime"
    color = "#d62728"
    diagnosis_column = ("ort_xmodel_err_db", "ORT xmodel SQNR dB")
    bench_settings = ("ort_opt",)

    device_module = Path(__file__).with_name("device.py")
    runner_source = (Path(__file__).with_name("runner.py"), "OnnxRunner")

    def export(self, job, precisions: list[str]) -> None:
        from edgeopt.formats.onnx.export import export

        export(job, precisions)

    def read(self, path: Path) -> dict:
        from edgeopt.formats.onnx.read import read_onnx

        return read_onnx(path, executed=True)

    def float_compute_ops(self, contents: dict) -> list[str]:
        # What onnxruntime runs in float after fusing Q/DQ pairs, not what the file asks for.
        return contents.get("executed_float_compute_ops", [])

    def is_integer(self, contents: dict) -> bool:
        # Q/DQ pairs (static QDQ), or the QOperator / dynamic-quantization integer kernels
        ops = contents.get("op_counts", {})
        return contents.get("qdq_nodes", 0) > 0 or any(o.startswith("QLinear") or o.endswith("Integer") for o in ops)

    def runner(self, path: Path, threads: int = 1):
        from edgeopt.formats.onnx.runner import OnnxRunner

        return OnnxRunner(path, threads)

    def precheck(self, path: Path) -> None:
        if Path(path).suffix.lower() == ".ort":
            check_flatbuffer(path, "ORTM", "ORT format")
        else:
            from edgeopt.formats.onnx.check import precheck_onnx

            precheck_onnx(path)

    def inspect(self, path: Path) -> dict:
        from edgeopt.formats.onnx.read import inspect_onnx, inspect_ort

        return inspect_ort(path) if Path(path).suffix.lower() == ".ort" else inspect_onnx(path)

    def explain_slower(self, int8_path: Path, float_path: Path, int8_contents: dict, threads: int) -> dict:
        from edgeopt.formats.onnx.explain import explain

        return explain(int8_path, float_path, int8_contents, threads)

    def int8_summary(self, artifact: dict) -> str:
        c = artifact.get("contents", {})
        islands = c.get("executed_float_compute_ops", [])
        return (
            f"- `{artifact['name']}`: QDQ format ({c.get('qdq_nodes', 0)} Q/DQ nodes); compute operators onnxruntime "
            f"still runs in float after fusion: {', '.join(islands) or 'none'}."
        )


ONNX = OnnxFormat()
