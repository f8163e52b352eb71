"""Rebuild a Keras 3 `.keras` model in tf_keras (Keras 2), the only Keras tensorflow-model-optimization supports.

The Keras 3 config is translated to the tf_keras layout (dtype policies to names, InputLayer's batch_shape,
inbound-node format), the tf_keras model is built from it, the weights are copied layer by layer from the Keras 3
model, and both models must agree on a random batch before the result is used.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from edgeopt.errors import InputRejected
from edgeopt.native_stderr import captured_native_stderr

log = logging.getLogger(__name__)

MODEL_CLASSES = {"Functional", "Model", "Sequential"}


class RebuildUnavailable(InputRejected):
    """The Keras 3 model cannot be rebuilt in tf_keras; it can still be post-training quantized."""


def _plain(value: Any) -> Any:
    """Keras 3 serialized objects -> the tf_keras forms: policies become names, built-in modules are dropped."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy"):
        return value.get("config", {}).get("name", "float32")
    if value.get("class_name") in MODEL_CLASSES and "config" in value:
        return convert_model_config(value)
    out = {k: _plain(v) for k, v in value.items() if k not in ("shared_object_id", "build_config")}
    if str(out.get("module", "")).startswith("keras") and "class_name" in out:
        out.pop("module", None)
        if out.get("registered_name") in (None, out["class_name"]):
            out.pop("registered_name", None)
    return out


_LAYER_BASE_KWARGS = {
    "name",
    "trainable",
    "dtype",
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "weights",
    "activity_regularizer",
    "autocast",
    "input_dim",
    "dynamic",
}


def _accepted(cls) -> set[str] | None:
    """Keyword arguments cls.__init__ accepts (None: anything, it takes **kwargs without checking)."""
    import inspect

    params = inspect.signature(cls.__init__).parameters
    return {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"}


def _fit(cls, config: dict, extra: set[str] = frozenset()) -> dict:
    """Drop the keys Keras 3 added that the tf_keras class does not take (input_axes, optional, ...)."""
    accepted = _accepted(cls) | extra
    dropped = sorted(set(config) - accepted)
    if dropped:
        log.debug("keras 3 -> tf_keras: %s: dropping %s", cls.__name__, dropped)
    return {k: v for k, v in config.items() if k in accepted}


def _fit_nested(value: Any) -> Any:
    """Initializers, regularizers and constraints inside a layer config, fitted to their tf_keras classes."""
    from edgeopt._keras import keras as tfk

    if isinstance(value, dict) and "class_name" in value and isinstance(value.get("config"), dict):
        for module in (tfk.initializers, tfk.regularizers, tfk.constraints):
            cls = getattr(module, value["class_name"], None)
            if isinstance(cls, type):
                return {"class_name": value["class_name"], "config": _fit(cls, value["config"])}
    return value


def _layer_config(class_name: str, config: dict) -> dict:
    from edgeopt._keras import keras as tfk

    config = _plain(config)
    if class_name == "InputLayer" and "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    fn = config.get("function")
    if class_name == "Lambda" and isinstance(fn, dict) and fn.get("class_name") == "__lambda__":
        # Only reached with --trust-model. Both Keras versions store marshalled bytecode (func_dump).
        code = fn["config"]
        config.update(function=[code["code"], code.get("defaults"), code.get("closure")], function_type="lambda")
        config.update(module=None, output_shape=config.get("output_shape"), output_shape_type="raw")
        config.update(output_shape_module=None, arguments=config.get("arguments") or {})
        return config  # Lambda.from_config reads these keys itself; its __init__ does not take them
    config = {k: _fit_nested(v) for k, v in config.items()}
    cls = getattr(tfk.layers, class_name, None)
    return _fit(cls, config, _LAYER_BASE_KWARGS) if isinstance(cls, type) else config


def _tensor_refs(args: Any) -> list[list]:
    if isinstance(args, dict) and args.get("class_name") == "__keras_tensor__":
        name, node, index = args["config"]["keras_history"]
        return [[name, node, index, {}]]
    if isinstance(args, (list, tuple)):
        return [ref for a in args for ref in _tensor_refs(a)]
    return []


def _io_layers(value: list) -> list:
    return [value] if value and isinstance(value[0], str) else value


def convert_model_config(entry: dict) -> dict:
    """A Keras 3 model entry {"class_name", "config"} -> the tf_keras equivalent."""
    cls, cfg = entry["class_name"], entry["config"]
    layers = []
    for layer in cfg.get("layers", []):
        lcls = layer["class_name"]
        if lcls in MODEL_CLASSES:
            converted = convert_model_config(layer)
        else:
            converted = {"class_name": lcls, "config": _layer_config(lcls, layer.get("config", {}))}
            if layer.get("registered_name") and not str(layer.get("module", "")).startswith("keras"):
                converted["registered_name"] = layer["registered_name"]
        if cls != "Sequential":
            converted["name"] = layer.get("name", layer.get("config", {}).get("name"))
            converted["inbound_nodes"] = [_tensor_refs(node.get("args", [])) for node in layer.get("inbound_nodes", [])]
        layers.append(converted)
    out = {"name": cfg.get("name"), "layers": layers}
    if cls == "Sequential":
        return {"class_name": "Sequential", "config": out}
    out["input_layers"] = _io_layers(cfg["input_layers"])
    out["output_layers"] = _io_layers(cfg["output_layers"])
    return {"class_name": "Functional", "config": out}


def load_keras3(path: Path, safe_mode: bool = True):
    """The Keras 3 model itself (for the post-training-only route)."""
    from edgeopt._keras import keras3

    try:
        return keras3().saving.load_model(path, compile=False, safe_mode=safe_mode)
    except Exception as exc:
        raise InputRejected(f"{path}: Keras 3 cannot load the model ({type(exc).__name__}: {exc})") from exc


def export_savedmodel(model, folder: Path) -> None:
    """Keras 3's own SavedModel export (its variables are not tf.Variables a tf.Module could freeze)."""
    with captured_native_stderr("keras 3 export"):
        model.export(str(folder), format="tf_saved_model", verbose=False)


def convert_keras3_file(path: Path, safe_mode: bool = True):
    """Load a Keras 3 .keras file and return an equivalent tf_keras model with the same weights."""
    from edgeopt._keras import SafeModeScope
    from edgeopt._keras import keras as tfk
    from edgeopt.models import custom_layers  # noqa: F401

    source = load_keras3(path, safe_mode)
    entry = {"class_name": source.__class__.__name__, "config": source.get_config()}
    if entry["class_name"] not in MODEL_CLASSES:
        raise RebuildUnavailable(
            f"{path}: a subclassed Keras 3 model ({entry['class_name']}) has no layer graph to rebuild in tf_keras; "
            "save a Functional or Sequential model"
        )
    try:
        converted = convert_model_config(entry)
        with SafeModeScope(safe_mode):
            model = tfk.models.model_from_config(converted)
        for layer in model.layers:
            layer.set_weights(source.get_layer(layer.name).get_weights())
    except Exception as exc:
        raise RebuildUnavailable(
            f"{path}: cannot rebuild this Keras 3 model in tf_keras ({type(exc).__name__}: {str(exc)[:300]})"
        ) from exc
    shape = (2, *source.input_shape[1:])
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    diff = float(np.max(np.abs(np.asarray(source(x, training=False)) - model(x, training=False).numpy())))
    if diff > 1e-4:
        raise RebuildUnavailable(f"{path}: the tf_keras rebuild differs from the Keras 3 model (max |diff| {diff:.2e})")
    log.info("model: rebuilt %d layers in tf_keras; outputs agree (max |diff| %.1e)", len(model.layers), diff)
    return model
