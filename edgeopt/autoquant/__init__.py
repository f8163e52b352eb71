"""quantize.strategy auto: when an int8 file misses the accuracy budget, try cheaper fixes before costlier ones
and keep the first that meets it (else the most accurate), reporting every attempt."""
