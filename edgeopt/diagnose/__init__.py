"""Per-layer quantization sensitivity of int8 files: which tensors lose the most signal, and why.

Both formats report the same figure, SQNR in dB of a tensor's own quantization noise against the float model's
activation at that tensor (higher is better). "Own" matters: an accumulated error blames every layer downstream
of the one that broke, and the runtimes' local comparisons measure noise against an already degraded signal.

Each format's diagnosis is in edgeopt/formats/<format>/diagnose.py; this package holds what they share (names.py:
layer names, SQNR, ranking).
"""
