"""Model compression with tensorflow-model-optimization: pruning and quantization-aware training."""
