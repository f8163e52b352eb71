"""One calibration of a model's int8 TFLite conversion, quantized as often as the export stage needs.

TFLiteConverter.convert() makes a full-integer file in three steps: convert the graph to a float TFLite model,
calibrate it on the representative dataset, quantize the calibrated model (TFLiteConverterBase._quantize and
_optimize_tflite_model in tensorflow/lite/python/lite.py). The QuantizationDebugger, the speed variant and each
mixed-precision fallback used to repeat the first two, the costly ones: 20 s each for MobileNetV3-Large at 224 px.
Here they run once. The deployable file replays convert()'s last step on the calibrated model and is byte for
byte the file convert() writes (tests/formats/test_tflite_calibrated.py); the debugger and the variants quantize
the same calibrated model with their own denylists, as the debugger itself does. The calibrated model is a float
model with the same tensor names, so it is also the diagnosis's float reference.
"""

from __future__ import annotations

import logging
import warnings

from edgeopt.errors import ToolchainError
from edgeopt.native_stderr import captured_native_stderr

log = logging.getLogger(__name__)


class Calibrated:
    """A configured full-integer converter (formats/tflite/convert.configured_converter), calibrated once."""

    def __init__(self, converter) -> None:
        from edgeopt.formats.tflite.convert import run_converter

        converter._experimental_calibrate_only = True  # convert() returns the calibrated float model
        converter.exclude_conversion_metadata = True  # added to the quantized file, as convert() does
        self._converter = converter
        self.model: bytes = run_converter(converter, "TFLite int8 calibration")

    def deployable(self, nodes: list[str] | None = None, ops: list[str] | None = None) -> bytes:
        """The file converter.convert() would have written: quantized with its I/O types, read-only buffers
        deduplicated, conversion metadata (whose model hash is of the quantized graph) appended. `nodes` (op
        output names) and `ops` (operator types) stay float between a DEQUANTIZE and a QUANTIZE; the input and
        output types are still the converter's."""
        from edgeopt._keras import tf, tflite_quantizer

        q, c = tflite_quantizer(), self._converter
        io_in, io_out = c.inference_input_type or tf.float32, c.inference_output_type or tf.float32
        model = self._quantize(
            lambda: q.mlir_quantize(
                self.model,
                c._experimental_disable_per_channel,
                input_data_type=io_in,
                output_data_type=io_out,
                enable_variable_quantization=c._experimental_variable_quantization,
                disable_per_channel_for_dense_layers=c._experimental_disable_per_channel_quantization_for_dense_layers,
                denylisted_ops=ops or None,
                denylisted_nodes=nodes or None,
            ),
            "TFLite int8 quantization",
        )
        obj = q.to_object(q.deduplicate(model))
        c._metadata.environment.modelHash = q.model_hash(obj)
        return bytes(q.to_bytes(q.add_metadata(obj, c._metadata)))

    def instrumented(self) -> bytes:
        """The debugger's model: fully quantized with NumericVerify ops next to each quantized op."""
        from edgeopt._keras import tflite_quantizer

        q = tflite_quantizer()
        disable_per_channel = self._converter._experimental_disable_per_channel
        return self._quantize(
            lambda: q.mlir_quantize(self.model, disable_per_channel, fully_quantize=True, enable_numeric_verify=True),
            "TFLite debug quantization",
        )

    def debugger(self, samples):
        """A QuantizationDebugger over the instrumented model; `samples()` yields its input lists."""
        from edgeopt._keras import tf

        options = tf.lite.experimental.QuantizationDebugOptions(fully_quantize=True)
        instrumented = self.instrumented()
        try:
            with captured_native_stderr("TFLite quantization debugger"), warnings.catch_warnings():
                # The debugger runs its model on tf.lite.Interpreter; edgeopt's own runs use ai_edge_litert.
                warnings.filterwarnings("ignore", message=r"\s*Warning: tf.lite.Interpreter is deprecated")
                return tf.lite.experimental.QuantizationDebugger(
                    quant_debug_model_content=instrumented, debug_dataset=samples, debug_options=options
                )
        except Exception as exc:
            raise ToolchainError(f"TFLite quantization debugger failed: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _quantize(step, what: str) -> bytes:
        try:
            with captured_native_stderr(what):
                return step()
        except Exception as exc:
            raise ToolchainError(f"{what} failed: {type(exc).__name__}: {exc}") from exc
