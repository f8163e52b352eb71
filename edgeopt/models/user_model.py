"""Users' own saved models: refuse what could run code, then load into tf_keras.

A `.keras` file is a zip holding config.json, metadata.json and the weights. Its config is read as plain JSON
and scanned before any Keras code sees the file: a Lambda layer (at any depth: a Lambda's Python bytecode runs
when it is deserialized) or a class outside the allowlist is refused with exit 3. `.h5` files and SavedModel
folders cannot be scanned that way and are refused unless the user passes --trust-model.

Keras 3 files (what `keras.Model.save` writes today) are rebuilt in tf_keras, so pruning and QAT work on them:
see keras3_convert.py.
"""

from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgeopt.errors import InputRejected
from edgeopt.models.routes import Route

log = logging.getLogger(__name__)

CODE_LAYERS = {"Lambda"}  # layers whose config carries Python code
# Layers that call a TensorFlow API function named in the file (tf_keras resolves any public tf.* symbol, such as
# tf.io.write_file): not Python code, but not a fixed computation either, so they need --trust-model too.
SYMBOL_LAYERS = {
    "TFOpLambda",
    "SlicingOpLambda",
    "ClassMethod",
    "InstanceMethod",
    "InstanceProperty",
    "TFClassMethodDispatcher",
}
ALLOWED_REGISTERED = {"edgeopt>HardSwish", "edgeopt>HardSigmoid"}
BUILTIN_MODULE_PREFIXES = ("keras", "tf_keras")
# Bounds checked before anything is inflated or built. ResNet-152's config.json is under 1 MB and it has about 500
# layers; these leave an order of magnitude for users' models and stop inflation bombs and layer floods fast.
MAX_CONFIG_BYTES = 32 * 1024 * 1024
MAX_LAYERS = 10_000
MAX_WEIGHT_BYTES = 4 * 1024**3  # 1G float32 parameters: far beyond an edge model, and beyond what fits here
MAX_CONFIG_DEPTH = 200  # nested submodels included; the safety scan and Keras walk configs recursively


@dataclass(frozen=True)
class KerasFileInfo:
    path: Path
    keras_version: str
    config: dict
    input_shape: tuple | None  # (H, W, C) of the first input
    output_units: int | None

    @property
    def is_keras3(self) -> bool:
        return self.keras_version.startswith("3.")


def read_keras_file(path: Path) -> KerasFileInfo:
    """Read a .keras archive's config and metadata without Keras. Raises InputRejected if it is not one, or if
    it is bigger than any model edgeopt can handle: the inflated sizes in the zip directory, the number of
    layers and the size of the weights are checked before anything is built."""
    import stat

    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError:
        raise InputRejected(f"{path}: model file not found") from None
    if stat.S_ISDIR(mode):
        raise InputRejected(f"{path}: is a directory; a .keras model is a single file")
    if not stat.S_ISREG(mode):
        raise InputRejected(f"{path}: is not a regular file (a FIFO or device); a .keras model is a zip file")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = {i.filename: i for i in archive.infolist()}
            if "config.json" not in entries:
                raise InputRejected(f"{path}: not a .keras archive (no config.json inside)")
            _check_sizes(path, entries)
            config = _read_json(archive, "config.json")
            meta = _read_json(archive, "metadata.json") if "metadata.json" in entries else {}
    except zipfile.BadZipFile:
        raise InputRejected(f"{path}: not a .keras archive (not a zip file)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputRejected(f"{path}: corrupt config.json inside the archive ({exc})") from None
    except RecursionError:
        raise InputRejected(f"{path}: config.json is nested too deeply to be a model config") from None
    if not isinstance(config, dict):
        raise InputRejected(f"{path}: config.json is not a JSON object")
    layers, depth = config_shape(config)
    if depth > MAX_CONFIG_DEPTH:
        raise InputRejected(f"{path}: config.json nests {depth} levels deep; edgeopt's limit is {MAX_CONFIG_DEPTH}")
    if layers > MAX_LAYERS:
        raise InputRejected(f"{path}: the model has {layers:,} layers; edgeopt's limit is {MAX_LAYERS:,}")
    try:
        signature = _signature(config)
    except (AttributeError, TypeError, ValueError):  # a malformed config: the scan still runs, the shape is unknown
        signature = (None, None)
    if not isinstance(meta, dict):
        meta = {}
    return KerasFileInfo(path, str(meta.get("keras_version", "unknown")), config, *signature)


def _check_sizes(path: Path, entries: dict) -> None:
    """From the zip directory, before inflating anything. _read_json caps the bytes read as well, so a lying
    directory cannot get past it."""
    for name in ("config.json", "metadata.json"):
        info = entries.get(name)
        if info is not None and info.file_size > MAX_CONFIG_BYTES:
            raise InputRejected(
                f"{path}: {name} inflates to {info.file_size / 2**20:,.0f} MiB "
                f"({info.compress_size / 2**20:,.1f} MiB stored); edgeopt's limit is {MAX_CONFIG_BYTES // 2**20} MiB"
            )
    weights = sum(i.file_size for n, i in entries.items() if n.endswith((".h5", ".weights.h5", ".npz")))
    if weights > MAX_WEIGHT_BYTES:
        raise InputRejected(
            f"{path}: the weights inflate to {weights / 2**30:,.1f} GiB; edgeopt's limit is "
            f"{MAX_WEIGHT_BYTES // 2**30} GiB (about {MAX_WEIGHT_BYTES // 4 // 10**6:,}M float32 parameters)"
        )


def _read_json(archive: zipfile.ZipFile, name: str):
    with archive.open(name) as fh:
        raw = fh.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputRejected(f"{archive.filename}: {name} inflates past edgeopt's {MAX_CONFIG_BYTES // 2**20} MiB limit")
    return json.loads(raw)


def config_shape(config: Any) -> tuple[int, int]:
    """(layers, nesting depth) of a Keras model config, nested models included; an iterative walk, so a config
    nested deeper than Python's recursion limit is measured, not crashed on."""
    count, depth, stack = 0, 0, [(config, 1)]
    while stack:
        node, level = stack.pop()
        depth = max(depth, level)
        if isinstance(node, dict):
            if isinstance(node.get("layers"), list):
                count += len(node["layers"])
            children = node.values()
        else:
            children = node
        stack.extend((v, level + 1) for v in children if isinstance(v, (dict, list)))
    return count, depth


def unsafe_entries(config: Any, where: str = "model") -> list[str]:
    """Every entry of a Keras config that could execute code on load, described with its location."""
    problems: list[str] = []
    if isinstance(config, list):
        for i, item in enumerate(config):
            problems += unsafe_entries(item, f"{where}[{i}]")
        return problems
    if not isinstance(config, dict):
        return problems
    cls = config.get("class_name")
    if isinstance(cls, str) and cls != "__keras_tensor__":
        name = config.get("config", {}).get("name") if isinstance(config.get("config"), dict) else None
        label = f"{cls} '{name}'" if name else cls
        module = config.get("module")
        registered = config.get("registered_name")
        if cls in CODE_LAYERS or cls == "__lambda__":
            problems.append(f"{where}: {label} holds Python code that would run on load")
        elif cls in SYMBOL_LAYERS:
            problems.append(f"{where}: {label} calls a TensorFlow function named in the file")
        elif registered and registered not in ALLOWED_REGISTERED and registered != cls and registered != "function":
            problems.append(f"{where}: {label} is a custom class ('{registered}') outside the allowlist")
        elif module and not _builtin_module(str(module)) and registered not in ALLOWED_REGISTERED:
            problems.append(f"{where}: {label} comes from module '{module}', outside the allowlist")
        if name:
            where = f"{where}/{name}"
    for value in config.values():
        if isinstance(value, (dict, list)):
            problems += unsafe_entries(value, where)
    return problems


def _builtin_module(module: str) -> bool:
    """keras / tf_keras and their submodules only (not keras_hub, keras_cv or any other keras* package)."""
    return any(module == p or module.startswith(p + ".") for p in BUILTIN_MODULE_PREFIXES)


def _signature(config: dict) -> tuple[tuple | None, int | None]:
    inner = config.get("config", {})
    layers = inner.get("layers", []) if isinstance(inner, dict) else []
    shape = None
    for layer in layers:
        if layer.get("class_name") == "InputLayer":
            c = layer.get("config", {})
            shape = c.get("batch_shape") or c.get("batch_input_shape")
            break
    if shape is None and isinstance(inner, dict):
        shape = inner.get("build_input_shape")
    units = None
    for layer in reversed(layers):
        c = layer.get("config", {})
        if isinstance(c, dict) and isinstance(c.get("units") or c.get("filters"), int):
            units = c.get("units") or c.get("filters")
            break
    return (tuple(shape[1:]) if shape and len(shape) == 4 else None), units


def check_model_file(path: Path, trust: bool) -> KerasFileInfo | None:
    """Refuse what cannot be loaded safely; returns the scanned info for .keras files."""
    path = Path(path)
    if path.is_dir() or path.suffix in (".h5", ".hdf5"):
        kind = "a SavedModel folder" if path.is_dir() else "an HDF5 (.h5) model"
        if not trust:
            raise InputRejected(
                f"{path}: {kind} cannot be checked for embedded code before loading; refused. Save it as a "
                ".keras file, or pass --trust-model if you trust its author"
            )
        return None
    if path.suffix != ".keras":
        raise InputRejected(f"{path}: expected a .keras file, an .h5 file or a SavedModel folder")
    info = read_keras_file(path)
    problems = unsafe_entries(info.config)
    if problems and not trust:
        listed = "\n  ".join(problems)
        raise InputRejected(
            f"{path}: refused to load; it contains code or classes edgeopt does not trust:\n  {listed}\n"
            "Nothing from the file was executed. Pass --trust-model to load it anyway."
        )
    return info


@dataclass(frozen=True)
class LoadedModel:
    model: Any
    route: Route
    note: str = ""


def load_user_model(path: Path, trust: bool = False, allow_ptq_only: bool = True) -> LoadedModel:
    """Load a user's model: tf_keras as is, Keras 3 rebuilt in tf_keras, or (when that is impossible and
    allowed) the Keras 3 model itself for the post-training-only SavedModel route."""
    from edgeopt._keras import keras
    from edgeopt.models import custom_layers  # noqa: F401  (registers edgeopt's layers for deserialization)

    info = check_model_file(path, trust)
    if info is not None and info.is_keras3:
        from edgeopt.models.keras3_convert import RebuildUnavailable, convert_keras3_file, load_keras3

        log.info("model: %s was saved by Keras %s; rebuilding it in tf_keras", path, info.keras_version)
        try:
            return LoadedModel(convert_keras3_file(path, safe_mode=not trust), Route.REBUILT)
        except RebuildUnavailable as exc:
            if not allow_ptq_only:
                raise
            note = (
                f"{exc}. Route taken: post-training quantization of the Keras 3 model through a SavedModel; "
                "training, pruning and QAT are unavailable on this route"
            )
            log.warning("model: %s", note)
            return LoadedModel(load_keras3(path, safe_mode=not trust), Route.PTQ_ONLY, note)
    try:
        return LoadedModel(keras.models.load_model(path, compile=False, safe_mode=not trust), Route.TF_KERAS)
    except Exception as exc:
        raise InputRejected(f"{path}: cannot load the model ({type(exc).__name__}: {exc})") from exc
