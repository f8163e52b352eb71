"""TFLite: the TensorFlow Lite converter writes the files, ai_edge_litert runs them."""

from __future__ import annotations

from pathlib import Path

from edgeopt.formats.base import Format, check_flatbuffer


class TFLiteFormat(Format):
    name = "tflite"
    suffixes = (".tflite",)
    runtime = "ai_edge_litert"
    color = "#1f77b4"
    diagnosis_column = ("op", "op")
    bench_settings = ("xnnpack",)

    device_module = Path(__file__).with_name("device.py")
    runner_source = (Path(__file__).with_name("runner.py"), "TFLiteRunner")

    def export(self, job, precisions: list[str]) -> None:
        from edgeopt.formats.tflite.export import export

        export(job, precisions)

    def read(self, path: Path) -> dict:
        from edgeopt.formats.tflite.read import read_tflite

        return read_tflite(path).to_dict()

    def float_compute_ops(self, contents: dict) -> list[str]:
        return contents.get("float_compute_ops", [])

    def is_integer(self, contents: dict) -> bool:
        return contents.get("int8_compute_share", 0) > 0

    def runner(self, path: Path, threads: int = 1):
        from edgeopt.formats.tflite.runner import TFLiteRunner

        return TFLiteRunner(path, threads)

    def precheck(self, path: Path) -> None:
        check_flatbuffer(path, "TFL3", "TFLite")

    def inspect(self, path: Path) -> dict:
        from edgeopt.formats.tflite.read import inspect_tflite

        return inspect_tflite(path)

    def explain_slower(self, int8_path: Path, float_path: Path, int8_contents: dict, threads: int) -> dict:
        from edgeopt.formats.tflite.explain import explain

        return explain(int8_contents)

    def int8_summary(self, artifact: dict) -> str:
        c = artifact.get("contents", {})
        return (
            f"- `{artifact['name']}`: {c.get('int8_compute_share', 0):.0%} of compute operators run in int8; "
            f"float compute operators: {', '.join(c.get('float_compute_ops', [])) or 'none'}."
        )


TFLITE = TFLiteFormat()
