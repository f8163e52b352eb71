"""`edgeopt inspect`: what a model file contains, read from the file without running it. The export stage's
artifact descriptions come from the same readers (each format backend's read and inspect, edgeopt.formats)."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

from edgeopt.errors import InputRejected


def inspect_file(path: Path) -> dict:
    """An exported model file through its format's backend (edgeopt.formats), or a .keras file's config."""
    from edgeopt import formats

    kind = path.suffix.lower()
    if kind != ".keras" and kind not in formats.suffixes():
        known = ", ".join([*formats.suffixes(), ".keras"])
        raise InputRejected(f"{path}: cannot inspect {kind or 'a file without suffix'}; expected {known}")
    try:
        out = _keras(path) if kind == ".keras" else formats.for_path(path).inspect(path)
    except InputRejected:
        raise
    except Exception as exc:  # a corrupt or foreign file: say which and why
        raise InputRejected(f"{path}: not a readable {kind} model ({type(exc).__name__}: {exc})") from exc
    return {"file": str(path), "format": kind[1:], "bytes": path.stat().st_size, **out}


def _keras(path: Path) -> dict:
    """The config only, as JSON: a .keras file is never deserialized here (it could carry code), and its sizes
    are checked before anything is inflated (edgeopt.models.user_model.read_keras_file)."""
    from edgeopt.models.user_model import read_keras_file, unsafe_entries

    info = read_keras_file(path)
    config = info.config
    with zipfile.ZipFile(path) as zf:
        weights = {i.filename: i.file_size for i in zf.infolist() if i.filename.endswith(".h5")}
    inner = config.get("config") if isinstance(config.get("config"), dict) else {}
    layers = [layer for layer in inner.get("layers", []) if isinstance(layer, dict)]
    code = unsafe_entries(config)
    return {
        "model_class": config.get("class_name"),
        "name": inner.get("name"),
        "layer_counts": dict(Counter(layer.get("class_name") for layer in layers).most_common()),
        "inputs": [
            {
                "name": layer["config"].get("name"),
                "shape": layer["config"].get("batch_input_shape") or layer["config"].get("batch_shape"),
            }
            for layer in layers
            if layer.get("class_name") == "InputLayer" and isinstance(layer.get("config"), dict)
        ],
        "constant_bytes": weights,
        "code_on_load": code,  # what would run code if the file were loaded: Lambda layers, custom classes
    }


def _keras_input(config: dict) -> dict:
    return {"name": config.get("name"), "shape": config.get("batch_input_shape") or config.get("batch_shape")}


def render_text(info: dict) -> str:
    lines = [f"{info['file']} ({info['format']}, {info['bytes']:,} bytes)"]
    for key in ("inputs", "outputs"):
        for t in info.get(key, []):
            q = f", scale {t['scale']:.6g} zero point {t['zero_point']}" if "scale" in t else ""
            layout = f" {t['layout']}" if t.get("layout") else ""
            lines.append(f"  {key[:-1]:6} {t['name']}: {t.get('dtype')} {t.get('shape')}{layout}{q}")
    counts = info.get("op_counts") or info.get("layer_counts") or {}
    lines.append("  operators: " + ", ".join(f"{k} x{v}" for k, v in counts.items()))
    if "int8_compute_share" in info:
        lines.append(f"  int8 compute share: {info['int8_compute_share']:.0%}")
    if info.get("float_compute_ops") is not None:
        lines.append(f"  float islands: {', '.join(info['float_compute_ops']) or 'none'}")
    if info.get("tensor_dtypes"):
        lines.append("  tensor dtypes: " + ", ".join(f"{k} {v}" for k, v in sorted(info["tensor_dtypes"].items())))
    if info.get("constant_bytes"):
        lines.append("  stored weights: " + ", ".join(f"{k} {v:,} B" for k, v in info["constant_bytes"].items()))
    md = info.get("metadata")
    if md and "metadata" in md:
        m = md["metadata"]
        lines.append(
            f"  metadata: {m.get('name')} {m.get('version', '')}, associated files "
            f"{', '.join(md['associated_files']) or 'none'}"
        )
    elif md:
        lines.append(f"  metadata: {md}")
    else:
        lines.append("  metadata: none")
    return "\n".join(lines)
