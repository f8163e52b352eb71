"""ONNX -> ORT format for ONNX Runtime Mobile, with the required-operators config for a reduced build, using
onnxruntime's own converter (onnxruntime.tools.convert_onnx_models_to_ort)."""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from edgeopt.errors import ToolchainError
from edgeopt.native_stderr import captured_native_stderr


def to_ort(onnx_path: Path, out_dir: Path, name: str, target_platform: str | None = "arm") -> tuple[Path, Path]:
    """Write `name`.ort and required_operators.config into `out_dir`.

    The "Fixed" optimization style bakes onnxruntime's graph optimizations into the file (what a mobile app
    wants: no optimization at load time); target_platform "arm" picks the optimizations meant for ARM CPUs.
    """
    from onnxruntime.tools.convert_onnx_models_to_ort import OptimizationStyle, convert_onnx_models_to_ort

    with tempfile.TemporaryDirectory(prefix="edgeopt-ort-") as work:
        src, dst = Path(work) / "in", Path(work) / "out"
        src.mkdir()
        shutil.copy(onnx_path, src / f"{name}.onnx")
        try:
            with captured_native_stderr("ORT format converter"), contextlib.redirect_stdout(io.StringIO()):
                convert_onnx_models_to_ort(
                    src, output_dir=dst, optimization_styles=[OptimizationStyle.Fixed], target_platform=target_platform
                )
        except Exception as exc:
            raise ToolchainError(f"ORT format conversion failed: {type(exc).__name__}: {exc}") from exc
        ort_file, config = dst / f"{name}.ort", dst / "required_operators.config"
        if not ort_file.is_file() or not config.is_file():
            raise ToolchainError(f"ORT format conversion wrote {sorted(p.name for p in dst.iterdir())}")
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(ort_file, out_dir / ort_file.name)
        # Drop the converter's comment lines: they name this machine's temporary paths.
        lines = [ln for ln in config.read_text().splitlines() if not ln.startswith("#")]
        (out_dir / config.name).write_text("\n".join(lines) + "\n")
    return out_dir / f"{name}.ort", out_dir / "required_operators.config"


def required_operators(config: Path) -> dict[str, list[str]]:
    """{"domain;opset": [ops]} from a required-operators config."""
    out = {}
    for line in config.read_text().splitlines():
        if line and not line.startswith("#"):
            domain, opset, ops = line.split(";", 2)
            out[f"{domain};{opset}"] = ops.split(",")
    return out
