"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998, "Gradient-based learning applied to document recognition",
Section II-B), built with tf_keras.

As the paper lays it out for a 32x32 grey image: C1 six 5x5 maps, S2 2x2 subsampling (the sum of four inputs
times a trainable coefficient plus a trainable bias: average pooling then a per-map scale and bias), C3 sixteen
5x5 maps over the subsets of S2's maps in the paper's Table I, S4 like S2, C5 120 5x5 maps, F6 84 units, scaled
tanh activations. Per-layer trainable parameters are the paper's: 156, 12, 1,516, 32, 48,120, 10,164. The
output layer is a softmax Dense (850 parameters) rather than the paper's Euclidean RBF units (840).
`connection_table=False` gives the common modern form (C3 over all six maps, plain average pooling).
"""

from __future__ import annotations

from edgeopt.models._layers import check_common
from edgeopt.models._registry import register_model

# Table I of the paper: which S2 maps each C3 map sees (six contiguous triples, six contiguous quadruples, three
# non-contiguous quadruples, and one map over all six).
C3_TABLE = (
    [[i % 6, (i + 1) % 6, (i + 2) % 6] for i in range(6)]
    + [[i % 6, (i + 1) % 6, (i + 2) % 6, (i + 3) % 6] for i in range(6)]
    + [[0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5]]
    + [list(range(6))]
)


@register_model
def lenet5(
    input_shape=(32, 32, 1),
    num_classes: int = 10,
    width: float = 1.0,
    dropout: float = 0.0,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    connection_table: bool = True,
    include_top: bool = True,
):
    """LeNet-5 (LeCun et al. 1998): the paper's C3 connection table and trainable subsampling; 32 px and up.
    `width` scales the map counts (the connection table needs 6 and 16 maps, so it applies at width 1 only).
    There is no BatchNorm (`bn_momentum` is accepted for the common builder interface and unused), and no
    small-input variant: 32x32 is the paper's input."""
    from edgeopt._keras import keras

    layers = keras.layers
    h, w, _ = check_common("lenet5", input_shape, num_classes, width, dropout)
    if h < 32 or w < 32:
        raise ValueError(f"lenet5: input must be at least 32x32, the paper's size. Received: {tuple(input_shape)}")
    table = connection_table and width == 1.0
    c1, c3, c5, f6 = (max(1, round(n * width)) for n in (6, 16, 120, 84))
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    if table:
        # One layer per map. A C3 map is the sum of one 5x5 convolution per S2 map it sees (one bias per C3 map):
        # the same arithmetic and parameters as a convolution over the concatenated subset, but TFLite's int8
        # quantizer cannot give one S2 map the shared scale that several overlapping CONCATENATIONs demand.
        s2 = [_subsample(layers.Conv2D(1, 5, activation="tanh", name=f"c1_{i}")(inputs), f"s2_{i}") for i in range(6)]
        maps = []
        for j, subset in enumerate(C3_TABLE):
            parts = [layers.Conv2D(1, 5, use_bias=k == 0, name=f"c3_{j}_from_{i}")(s2[i]) for k, i in enumerate(subset)]
            x = layers.Add(name=f"c3_{j}_sum")(parts)
            maps.append(layers.Activation("tanh", name=f"c3_{j}")(x))
        x = layers.Concatenate(name="c3")(maps)
        x = _subsample(x, "s4")
    else:
        x = layers.Conv2D(c1, 5, activation="tanh", name="c1")(inputs)
        x = layers.AveragePooling2D(2, name="s2")(x)
        x = layers.Conv2D(c3, 5, activation="tanh", name="c3")(x)
        x = layers.AveragePooling2D(2, name="s4")(x)
    x = layers.Conv2D(c5, 5, activation="tanh", name="c5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(f6, activation="tanh", name="f6")(x)
    if include_top:
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, x, name="lenet5" if table else f"lenet5_{width:g}")


def _subsample(x, name: str):
    """The paper's subsampling: 2x2 average (its sum, up to the trainable coefficient), then per map a trainable
    coefficient and bias (a 1x1 depthwise convolution: 2 parameters per map) and the squashing function."""
    from edgeopt._keras import keras

    layers = keras.layers
    x = layers.AveragePooling2D(2, name=f"{name}_pool")(x)
    return layers.DepthwiseConv2D(1, activation="tanh", name=name)(x)
