"""`edgeopt inspect`: what a model file contains, read from the file without running it. The export stage's
artifact descriptions come from the same readers (inspect.tflite, inspect.onnx)."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

from edgeopt.errors import InputRejected


def inspect_file(path: Path) -> dict:
    kind = path.suffix.lower()
    readers = {".tflite": _tflite, ".onnx": _onnx, ".ort": _ort, ".keras": _keras}
    if kind not in readers:
        raise InputRejected(f"{path}: cannot inspect {kind or 'a file without suffix'}; expected {', '.join(readers)}")
    try:
        out = readers[kind](path)
    except InputRejected:
        raise
    except Exception as exc:  # a corrupt or foreign file: say which and why
        raise InputRejected(f"{path}: not a readable {kind} model ({type(exc).__name__}: {exc})") from exc
    return {"file": str(path), "format": kind[1:], "bytes": path.stat().st_size, **out}


def _tflite(path: Path) -> dict:
    from edgeopt.inspect.tflite import read_tflite

    s = read_tflite(path).to_dict()
    for t in s["inputs"] + s["outputs"]:
        t["layout"] = "NHWC" if len(t["shape"]) == 4 else None
    try:
        from edgeopt.bundle.tflite_metadata import read

        s["metadata"] = read(path)
    except Exception as exc:  # metadata tooling missing or broken: the rest is still useful
        s["metadata"] = {"error": str(exc)}
    s.pop("weights")
    return s


def _onnx(path: Path) -> dict:
    import onnx

    from edgeopt.inspect.onnx import read_onnx

    s = read_onnx(path, executed=True)
    model = onnx.load(str(path), load_external_data=False)
    dtype = {v: k for k, v in onnx.TensorProto.DataType.items()}
    sizes: Counter = Counter()
    for init in model.graph.initializer:
        sizes[dtype.get(init.data_type, "UNKNOWN")] += len(init.raw_data) or init.ByteSize()
    s["constant_bytes"] = dict(sizes)
    ops = sum(s["executed_op_counts"].values()) or 1
    s["float_compute_ops"] = s.pop("executed_float_compute_ops")
    s["executed_float_share"] = round(len(s["float_compute_ops"]) / ops, 4)
    s["metadata"] = {p.key: p.value for p in model.metadata_props} or None
    for t in s["inputs"] + s["outputs"]:
        t["layout"] = "NHWC" if len(t["shape"]) == 4 else None
    s.pop("weights")
    return s


def _ort(path: Path) -> dict:
    import onnxruntime as ort
    from onnxruntime.tools.ort_format_model.ort_flatbuffers_py.fbs import InferenceSession

    buf = path.read_bytes()
    if not InferenceSession.InferenceSession.InferenceSessionBufferHasIdentifier(buf, 0):
        raise InputRejected(f"{path}: not an ORT format file (identifier 'ORTM' missing)")
    graph = InferenceSession.InferenceSession.GetRootAs(buf, 0).Model().Graph()
    ops = Counter(
        (graph.Nodes(i).Domain() or b"ai.onnx").decode() + ":" + graph.Nodes(i).OpType().decode()
        for i in range(graph.NodesLength())
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])  # loaded, not run
    io = [{"name": v.name, "dtype": v.type, "shape": v.shape} for v in session.get_inputs()]
    out = [{"name": v.name, "dtype": v.type, "shape": v.shape} for v in session.get_outputs()]
    return {"op_counts": dict(ops.most_common()), "inputs": io, "outputs": out}


def _keras(path: Path) -> dict:
    """The config only, as JSON: a .keras file is never deserialized here (it could carry code)."""
    try:
        with zipfile.ZipFile(path) as zf:
            config = json.loads(zf.read("config.json"))
            weights = {i.filename: i.file_size for i in zf.infolist() if i.filename.endswith(".h5")}
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputRejected(f"{path}: not a .keras archive with a config.json ({exc})") from exc
    layers = config.get("config", {}).get("layers", [])
    return {
        "model_class": config.get("class_name"),
        "name": config.get("config", {}).get("name"),
        "layer_counts": dict(Counter(layer.get("class_name") for layer in layers).most_common()),
        "inputs": [
            {
                "name": layer["config"].get("name"),
                "shape": layer["config"].get("batch_input_shape") or layer["config"].get("batch_shape"),
            }
            for layer in layers
            if layer.get("class_name") == "InputLayer"
        ],
        "constant_bytes": weights,
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
