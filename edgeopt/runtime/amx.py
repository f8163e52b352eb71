"""AMX (Intel Xeon since Sapphire Rapids) and int8 latency: why an int8 file timed on such a CPU can lose to float
where it would not on an edge CPU.

XNNPACK selects its AMX kernels for every int8 convolution and fully connected layer once the kernel grants the
process AMX (src/configs/gemm-config.c: 16x64 tiles, whatever the layer's size), and loads the tile configuration
on every call: layers of few channels fill a sliver of each tile. Measured here (MobileNetV3-Small digits recipe,
int8 TFLite, 1 thread): 0.27 ms with AMX, 0.20 ms refused it, float32 0.24 ms either way. `bench.amx: false`
(runtime/measure.py deny_amx) measures as a CPU without AMX would.
"""

from __future__ import annotations

REASON = (
    "the measuring process had AMX: XNNPACK and onnxruntime run int8 convolutions and matrix products on AMX "
    "tiles (16 rows x 64 columns), which cost more than they save on layers of few channels; --no-amx "
    "(bench.amx: false) measures as a CPU without AMX (ARM boards and phones, client x86)"
)


def with_amx_reason(explanation: dict, amx: str | None) -> dict:
    """The backend's explanation, plus the AMX reason when the int8 file was timed with AMX granted."""
    if amx == "granted":
        explanation.setdefault("reasons", []).append(REASON)
    return explanation
