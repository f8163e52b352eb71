"""AMX (Intel Xeon since Sapphire Rapids) and int8 latency: why an int8 TFLite file timed on such a CPU can lose
to float where it would not on an edge CPU.

XNNPACK selects its AMX kernels for every int8 convolution and fully connected layer once the kernel grants the
process AMX (google/XNNPACK src/configs/gemm-config.c: 16x64 tiles, whatever the layer's size), and loads the tile
configuration on every call: layers of few channels fill a sliver of each tile. benchmarks/v3_digits.py
--image-size 64 (MobileNetV3-Small digits, 1 thread): int8 TFLite 0.990 ms with AMX, 0.820 ms refused it, float32
0.79 ms either way; the ONNX files barely moved (1.343 / 1.359 ms), so only TFLite explanations name AMX.
`bench.amx: false` (runtime/measure.py deny_amx) measures as a CPU without AMX would.
"""

from __future__ import annotations

REASON = (
    "the measuring process had AMX: XNNPACK runs int8 convolutions and fully connected layers on AMX tiles "
    "(16 rows x 64 columns), which cost more than they save on layers of few channels; --no-amx "
    "(bench.amx: false) measures as a CPU without AMX (ARM boards and phones, client x86)"
)


def with_amx_reason(explanation: dict, amx: str | None, fmt: str) -> dict:
    """The backend's explanation, plus the AMX reason when a TFLite int8 file was timed with AMX granted."""
    if amx == "granted" and fmt == "tflite":
        explanation.setdefault("reasons", []).append(REASON)
    return explanation
