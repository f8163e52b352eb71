"""Quantization-aware training wrappers that also cover layers tfmot's default 8-bit scheme does not know.

tfmot refuses weightless layers outside its registry (Multiply in squeeze-excite, edgeopt's HardSwish and
HardSigmoid). Those only need their output quantized, as TFLite's int8 kernels do, so they get
OutputQuantizeConfig. A layer with weights that tfmot does not support is an error naming the layer.
"""

from __future__ import annotations

from edgeopt._keras import keras
from edgeopt._tfmot import tfmot
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


def qat_wrap(model, scheme=None):
    """Return a QAT copy of `model` (fake-quant nodes inserted); `model` itself is not modified."""
    from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (
        default_8bit_quantize_registry as registry_module,
    )

    registry = registry_module.Default8BitQuantizeRegistry()

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


def load_qat_model(path):
    """Load a QAT model saved by edgeopt (tfmot's wrappers and quantizers need its scope)."""
    with qk.quantize_scope(_scope()):
        return keras.models.load_model(path, compile=False)
