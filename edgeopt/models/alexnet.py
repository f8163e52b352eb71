"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012, "ImageNet classification with deep convolutional neural
networks", Figure 2 and Section 3.5), built with tf_keras.

The paper's network split over two GPUs is built as one model with the same connectivity (`towers=2`): conv1
96 11x11/4 as two towers of 48 that both see the image, conv2 (2 x 128 5x5) and conv4, conv5 (2 x 192, 2 x 128
3x3) see only their own tower, conv3 (2 x 192 3x3) and the fully connected layers see both. That is the count the
paper's "60 million parameters" and Sze et al. 2017 ("Efficient Processing of Deep Neural Networks", Table: 61M
weights, 724M MACs) refer to. `towers=1` is the single-tower form (one conv per layer, 62.4M parameters).
Local response normalization is left out: it has no parameters, no int8 kernel in either runtime, and later
reimplementations (torchvision) drop it too. Dropout 0.5 before fc6 and fc7, as the paper.

`small_input` (default under 96 px): conv1 becomes 5x5 stride 1 'same' and the pools 'same', so a 32x32 image
keeps 4x4 features before the classifier.
"""

from __future__ import annotations

from edgeopt.models._layers import check_common
from edgeopt.models._registry import register_model


@register_model
def alexnet(
    input_shape=(227, 227, 3),
    num_classes: int = 1000,
    width: float = 1.0,
    dropout: float = 0.5,
    small_input: bool | None = None,
    bn_momentum: float = 0.9,
    towers: int = 2,
    include_top: bool = True,
):
    """AlexNet (Krizhevsky et al. 2012): the paper's two towers in one model (`towers=1`: a single tower).

    227 px canonical, a small-input stem under 96 px. No BatchNorm (`bn_momentum` is unused)."""
    from edgeopt._keras import keras

    layers = keras.layers
    h, w, _ = check_common("alexnet", input_shape, num_classes, width, dropout)
    if towers not in (1, 2):
        raise ValueError(f"alexnet: `towers` must be 1 or 2. Received: towers={towers!r}")
    small = h < 96 if small_input is None else bool(small_input)
    if not small and min(h, w) < 67:
        raise ValueError(f"alexnet: the full stem needs at least 67x67 (or small_input). Received: {input_shape}")

    def ch(n: int) -> int:
        return max(1, round(n * width / towers))

    def conv(filters, kernel, name, stride=1, padding="same"):
        return layers.Conv2D(ch(filters), kernel, strides=stride, padding=padding, activation="relu", name=name)

    def pool(name):
        return layers.MaxPooling2D(3, strides=2, padding="same" if small else "valid", name=name)

    def both(x, name):  # a layer that sees both towers
        return layers.Concatenate(name=name)(x) if towers == 2 else x[0]

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    tag = ["a", "b"][:towers]
    if small:
        x = [conv(96, 5, f"conv1{t}")(inputs) for t in tag]
    else:
        x = [conv(96, 11, f"conv1{t}", stride=4, padding="valid")(inputs) for t in tag]
    x = [pool(f"pool1{t}")(v) for t, v in zip(tag, x, strict=True)]
    x = [pool(f"pool2{t}")(conv(256, 5, f"conv2{t}")(v)) for t, v in zip(tag, x, strict=True)]
    merged = both(x, "conv3_in")
    x = [conv(384, 3, f"conv3{t}")(merged) for t in tag]
    x = [conv(384, 3, f"conv4{t}")(v) for t, v in zip(tag, x, strict=True)]
    x = [pool(f"pool5{t}")(conv(256, 3, f"conv5{t}")(v)) for t, v in zip(tag, x, strict=True)]
    x = layers.Flatten(name="flatten")(both(x, "conv5_out"))
    if include_top:
        for i in (6, 7):
            if dropout:
                x = layers.Dropout(dropout, name=f"dropout{i}")(x)
            x = layers.Dense(max(1, round(4096 * width)), activation="relu", name=f"fc{i}")(x)
        x = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, x, name=f"alexnet_{width:g}" + ("" if towers == 2 else "_single"))
