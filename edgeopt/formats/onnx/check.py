"""Pre-load safety check of a user's ONNX file (edgeopt.inspect.safety runs it before any runtime loads the file)."""

from __future__ import annotations

from pathlib import Path

from edgeopt.errors import InputRejected


def precheck_onnx(path: Path) -> None:
    """onnx.checker, and every external-data location a relative, non-symlink path inside the model's folder."""
    import onnx
    from onnx.external_data_helper import uses_external_data

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf DecodeError and friends
        raise InputRejected(f"{path}: not a readable ONNX file ({type(exc).__name__}: {exc})") from exc
    folder = path.parent.resolve()
    for tensor in _all_tensors(model.graph):
        if not uses_external_data(tensor):
            continue
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = folder / location
        if not location or Path(location).is_absolute():
            raise InputRejected(
                f"{path}: tensor '{tensor.name}' stores its data at an absolute or empty path "
                f"'{location}'; external data must sit next to the model"
            )
        if target.is_symlink():
            raise InputRejected(f"{path}: tensor '{tensor.name}' external data '{location}' is a symlink")
        if not target.resolve().is_relative_to(folder):
            raise InputRejected(f"{path}: tensor '{tensor.name}' external data '{location}' leaves the model's folder")
        if not target.is_file():
            raise InputRejected(f"{path}: tensor '{tensor.name}' external data '{location}' is missing")
    try:
        onnx.checker.check_model(str(path))
    except Exception as exc:
        raise InputRejected(f"{path}: onnx.checker refused it: {str(exc).splitlines()[0]}") from exc


def _all_tensors(graph):
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.t is not None and attr.HasField("t"):
                yield attr.t
            for sub in [attr.g] if attr.HasField("g") else []:
                yield from _all_tensors(sub)
            for sub in attr.graphs:
                yield from _all_tensors(sub)
