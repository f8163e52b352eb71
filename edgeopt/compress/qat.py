"""Quantization-aware training wrappers that also cover layers tfmot's default 8-bit scheme does not know.

tfmot refuses weightless layers outside its registry (Multiply in squeeze-excite, edgeopt's HardSwish and
HardSigmoid). Those only need their output quantized, as TFLite's int8 kernels do, so they get
OutputQuantizeConfig. A layer with weights that tfmot does not support is an error naming the layer.
"""

from __future__ import annotations

from edgeopt._keras import keras
from edgeopt._tfmot import default_8bit_quantize_registry, tfmot
from edgeopt.errors import ToolchainError
from edgeopt.models.custom_layers import CUSTOM_OBJECTS

qk = tfmot.quantization.keras


class OutputQuantizeConfig(qk.QuantizeConfig):
    """Quantize a weightless layer's output with an 8-bit asymmetric moving-average range, like activations."""

    def get_weights_and_quantizers(self, layer):
        return []

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_weights(self, layer, quantize_weights):
        pass

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        return [qk.quantizers.MovingAverageQuantizer(num_bits=8, per_axis=False, symmetric=False, narrow_range=False)]

    def get_config(self):
        return {}


def _scope() -> dict:
    return {
        "OutputQuantizeConfig": OutputQuantizeConfig,
        **CUSTOM_OBJECTS,
        **{c.__name__: c for c in CUSTOM_OBJECTS.values()},
    }


def _follows_conv(layer) -> bool:
    inbound = [p for node in layer.inbound_nodes for p in tf_nest_flatten(node.inbound_layers)]
    return len(inbound) == 1 and isinstance(inbound[0], (keras.layers.Conv2D, keras.layers.Dense))


def tf_nest_flatten(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def scheme_for(preserve_sparsity: bool, preserve_clusters: bool):
    """tfmot's collaborative-optimization schemes keep zeros (PQAT), shared values (CQAT) or both (PCQAT)."""
    combine = tfmot.experimental.combine
    if preserve_clusters:
        return combine.Default8BitClusterPreserveQuantizeScheme(preserve_sparsity=preserve_sparsity)
    if preserve_sparsity:
        return combine.Default8BitPrunePreserveQuantizeScheme()
    return None


def fold_depthwise_batchnorm(model):
    """A copy of `model` with every BatchNormalization that directly follows a DepthwiseConv2D folded into it.

    tfmot 0.8.1 folds Conv2D+BN during QAT but leaves DepthwiseConv2D+BN as a float MUL/ADD pair in the
    converted int8 file. Folding first (kernel * gamma / sqrt(var + eps), bias = beta - mean * that scale) gives
    the same function with a plain biased depthwise conv that tfmot quantizes fully. BN statistics are frozen
    from then on, which is what fine-tuning a trained model wants anyway.
    """
    import copy

    import numpy as np

    config = copy.deepcopy(model.get_config())
    by_name = {layer["name"]: layer for layer in config["layers"]}
    consumers: dict[str, list[str]] = {}
    for layer in config["layers"]:
        for node in layer["inbound_nodes"]:
            for ref in node:
                consumers.setdefault(ref[0], []).append(layer["name"])
    folds = {}  # bn name -> depthwise name
    for layer in config["layers"]:
        if layer["class_name"] != "BatchNormalization" or len(layer["inbound_nodes"]) != 1:
            continue
        (src,) = [ref[0] for ref in layer["inbound_nodes"][0]] or [None]
        if src and by_name[src]["class_name"] == "DepthwiseConv2D" and consumers.get(src) == [layer["name"]]:
            folds[layer["name"]] = src
    if not folds:
        return model
    for dw in folds.values():
        by_name[dw]["config"]["use_bias"] = True
    config["layers"] = [layer for layer in config["layers"] if layer["name"] not in folds]
    for layer in config["layers"]:
        for node in layer["inbound_nodes"]:
            for ref in node:
                ref[0] = folds.get(ref[0], ref[0])
    config["output_layers"] = [[folds.get(o[0], o[0]), *o[1:]] for o in config["output_layers"]]
    folded = keras.Model.from_config(config, custom_objects=_scope())
    for layer in folded.layers:
        if layer.name in folds.values():
            bn = model.get_layer(next(b for b, d in folds.items() if d == layer.name))
            gamma, beta, mean, var = bn.get_weights()
            scale = gamma / np.sqrt(var + bn.epsilon)
            (kernel,) = model.get_layer(layer.name).get_weights()[:1]
            layer.set_weights([kernel * scale.reshape(1, 1, -1, 1), beta - mean * scale])
        elif layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return folded


def qat_wrap(model, scheme=None):
    """Return a QAT copy of `model` (fake-quant nodes inserted); `model` itself is not modified."""
    model = fold_depthwise_batchnorm(model)
    registry = default_8bit_quantize_registry.Default8BitQuantizeRegistry()

    def annotate(layer):
        clone = layer.__class__.from_config(layer.get_config())
        if isinstance(layer, keras.layers.BatchNormalization):
            # tfmot folds a BatchNormalization into the conv before it; a pre-activation BN (ResNet v2) has no
            # conv to fold into and runs as a per-channel affine op, so only its output is quantized.
            return clone if _follows_conv(layer) else qk.quantize_annotate_layer(clone, OutputQuantizeConfig())
        if layer.weights or isinstance(layer, keras.layers.InputLayer) or registry.supports(layer):
            return clone
        return qk.quantize_annotate_layer(clone, quantize_config=OutputQuantizeConfig())

    annotated = keras.models.clone_model(model, clone_function=annotate)
    annotated.set_weights(model.get_weights())
    annotated = qk.quantize_annotate_model(annotated)
    try:
        with qk.quantize_scope(_scope()):
            return qk.quantize_apply(annotated, scheme) if scheme is not None else qk.quantize_apply(annotated)
    except RuntimeError as exc:  # tfmot's message names the unsupported layer
        raise ToolchainError(f"QAT cannot wrap this model: {exc} (post-training quantization may still work)") from exc


def rebuild_qat_model(float_model, scheme: str, weights_path):
    """The QAT model of `float_model` with the weights the quantize stage trained (see stages/quantize.py)."""
    from edgeopt.recipe.stage_configs import QatScheme

    scheme = QatScheme(scheme)
    model = qat_wrap(float_model, scheme_for(scheme.preserves_sparsity, scheme.preserves_clusters))
    model.load_weights(weights_path)
    return model


def train_qat(float_model, ds, qat, seed: int):
    """(QAT model, scheme name, final val accuracy): wrap with the scheme that preserves what earlier stages did
    (zeros, shared values) and fine-tune with `qat` (stage_configs.QatSettings, from the recipe's quantize.qat_*)."""
    from edgeopt.compress.finetune import fine_tune

    scheme = qat.scheme
    model = qat_wrap(float_model, scheme_for(preserve_sparsity=qat.pruned, preserve_clusters=qat.clustered))
    val = fine_tune(model, ds, qat.epochs, qat.learning_rate, qat.batch_size, seed, what=f"quantize ({scheme.upper()})")
    return model, scheme, val
