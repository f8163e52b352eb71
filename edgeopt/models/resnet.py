"""ResNets (He et al., 2016, arXiv:1512.03385; v2 pre-activation, arXiv:1603.05027), built with tf_keras.

- resnet18/34: basic blocks; resnet50/101: bottleneck blocks with the stride on the first 1x1 (as in the paper
  and keras.applications ResNet50); projection shortcuts (option B) where the shape changes.
- resnet50_v2/101_v2: pre-activation bottlenecks laid out as keras.applications ResNet50V2.
- resnet20/32/56: the CIFAR networks of section 4.2 (3 stages of n basic blocks, 16/32/64 filters), with 1x1
  projection shortcuts where the paper uses zero-padding (option A): a padding op that neither int8 exporter
  quantizes, at the cost of about 1% more parameters.
`small_input` (default under 96 px) replaces the 7x7/2 stem and max-pool of the ImageNet ResNets with a 3x3/1
stem. `width` scales every stage's filters.
"""

from __future__ import annotations

from edgeopt.models._layers import check_bn_momentum, check_common, classifier_head, make_divisible
from edgeopt.models._registry import register_model


def _bn(layers, momentum, name):
    return layers.BatchNormalization(momentum=momentum, epsilon=1.001e-5, name=name)


def _basic(layers, x, filters, stride, m, name):
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=name + "_proj")(x)
        shortcut = _bn(layers, m, name + "_proj_bn")(shortcut)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=name + "_conv1")(x)
    y = layers.ReLU(name=name + "_relu1")(_bn(layers, m, name + "_bn1")(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name + "_conv2")(y)
    y = _bn(layers, m, name + "_bn2")(y)
    return layers.ReLU(name=name + "_out")(layers.Add(name=name + "_add")([shortcut, y]))


def _bottleneck(layers, x, filters, stride, m, name):
    shortcut = x
    if stride != 1 or x.shape[-1] != 4 * filters:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, use_bias=False, name=name + "_proj")(x)
        shortcut = _bn(layers, m, name + "_proj_bn")(shortcut)
    y = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=name + "_conv1")(x)
    y = layers.ReLU(name=name + "_relu1")(_bn(layers, m, name + "_bn1")(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name + "_conv2")(y)
    y = layers.ReLU(name=name + "_relu2")(_bn(layers, m, name + "_bn2")(y))
    y = layers.Conv2D(4 * filters, 1, use_bias=False, name=name + "_conv3")(y)
    y = _bn(layers, m, name + "_bn3")(y)
    return layers.ReLU(name=name + "_out")(layers.Add(name=name + "_add")([shortcut, y]))


def _preact_bottleneck(layers, x, filters, stride, m, name, conv_shortcut):
    pre = layers.ReLU(name=name + "_preact_relu")(_bn(layers, m, name + "_preact_bn")(x))
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_proj")(pre)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride, name=name + "_skip")(x) if stride > 1 else x
    y = layers.Conv2D(filters, 1, use_bias=False, name=name + "_conv1")(pre)
    y = layers.ReLU(name=name + "_relu1")(_bn(layers, m, name + "_bn1")(y))
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, name=name + "_conv2")(y)
    y = layers.ReLU(name=name + "_relu2")(_bn(layers, m, name + "_bn2")(y))
    y = layers.Conv2D(4 * filters, 1, name=name + "_conv3")(y)
    return layers.Add(name=name + "_add")([shortcut, y])


def _stem(layers, inputs, filters, small, m, preact=False):
    if small:
        x = layers.Conv2D(filters, 3, padding="same", use_bias=preact, name="stem_conv")(inputs)
    else:
        x = layers.Conv2D(filters, 7, strides=2, padding="same", use_bias=preact, name="stem_conv")(inputs)
    if not preact:
        x = layers.ReLU(name="stem_relu")(_bn(layers, m, "stem_bn")(x))
    if not small:
        x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)
    return x


def _imagenet_resnet(
    name, blocks, kind, input_shape, num_classes, width, dropout, small_input, bn_momentum, include_top
):
    from edgeopt._keras import keras

    layers = keras.layers
    h, _, _ = check_common(name, input_shape, num_classes, width, dropout)
    check_bn_momentum(name, bn_momentum)
    small = h < 96 if small_input is None else bool(small_input)
    m = bn_momentum
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    preact = kind == "preact"
    x = _stem(layers, inputs, make_divisible(64 * width), small, m, preact=preact)
    for stage, n in enumerate(blocks):
        filters = make_divisible(64 * 2**stage * width)
        for i in range(n):
            bname = f"stage{stage + 1}_block{i + 1}"
            if kind == "basic":
                x = _basic(layers, x, filters, 2 if (i == 0 and stage > 0) else 1, m, bname)
            elif kind == "bottleneck":
                x = _bottleneck(layers, x, filters, 2 if (i == 0 and stage > 0) else 1, m, bname)
            else:  # v2: the stride sits on the last block of stages 1-3, as in keras.applications
                stride = 2 if (i == n - 1 and stage < len(blocks) - 1) else 1
                x = _preact_bottleneck(layers, x, filters, stride, m, bname, conv_shortcut=i == 0)
    if preact:
        x = layers.ReLU(name="post_relu")(_bn(layers, m, "post_bn")(x))
    x = classifier_head(x, num_classes, dropout, include_top)
    return keras.Model(inputs, x, name=f"{name}_{width:g}")


def _cifar_resnet(name, n, input_shape, num_classes, width, dropout, bn_momentum, include_top):
    from edgeopt._keras import keras

    layers = keras.layers
    check_common(name, input_shape, num_classes, width, dropout)
    check_bn_momentum(name, bn_momentum)
    m = bn_momentum
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = layers.Conv2D(make_divisible(16 * width), 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.ReLU(name="stem_relu")(_bn(layers, m, "stem_bn")(x))
    for stage in range(3):
        filters = make_divisible(16 * 2**stage * width)
        for i in range(n):
            x = _basic(layers, x, filters, 2 if (i == 0 and stage > 0) else 1, m, f"stage{stage + 1}_block{i + 1}")
    x = classifier_head(x, num_classes, dropout, include_top)
    return keras.Model(inputs, x, name=f"{name}_{width:g}")


_COMMON_DOC = "Arguments: input_shape, num_classes, width, dropout, small_input, bn_momentum, include_top."


def _imagenet(name, blocks, kind, doc):
    def builder(
        input_shape=(224, 224, 3),
        num_classes: int = 1000,
        width: float = 1.0,
        dropout: float = 0.0,
        small_input: bool | None = None,
        bn_momentum: float = 0.9,
        include_top: bool = True,
    ):
        return _imagenet_resnet(
            name, blocks, kind, input_shape, num_classes, width, dropout, small_input, bn_momentum, include_top
        )

    builder.__name__ = builder.__qualname__ = name
    builder.__doc__ = f"{doc}\n\n{_COMMON_DOC}"
    builder.__module__ = __name__
    return register_model(builder)


def _cifar(name, n):
    def builder(
        input_shape=(32, 32, 3),
        num_classes: int = 10,
        width: float = 1.0,
        dropout: float = 0.0,
        small_input: bool | None = None,
        bn_momentum: float = 0.9,
        include_top: bool = True,
    ):
        return _cifar_resnet(name, n, input_shape, num_classes, width, dropout, bn_momentum, include_top)

    builder.__name__ = builder.__qualname__ = name
    builder.__doc__ = f"CIFAR ResNet-{6 * n + 2} ({n} basic blocks per stage, 16/32/64 filters).\n\n{_COMMON_DOC}"
    builder.__module__ = __name__
    return register_model(builder)


resnet18 = _imagenet("resnet18", (2, 2, 2, 2), "basic", "ResNet-18 (basic blocks).")
resnet34 = _imagenet("resnet34", (3, 4, 6, 3), "basic", "ResNet-34 (basic blocks).")
resnet50 = _imagenet("resnet50", (3, 4, 6, 3), "bottleneck", "ResNet-50 v1 (bottleneck blocks).")
resnet101 = _imagenet("resnet101", (3, 4, 23, 3), "bottleneck", "ResNet-101 v1 (bottleneck blocks).")
resnet50_v2 = _imagenet("resnet50_v2", (3, 4, 6, 3), "preact", "ResNet-50 v2 (pre-activation bottlenecks).")
resnet101_v2 = _imagenet("resnet101_v2", (3, 4, 23, 3), "preact", "ResNet-101 v2 (pre-activation bottlenecks).")
resnet20 = _cifar("resnet20", 3)
resnet32 = _cifar("resnet32", 5)
resnet56 = _cifar("resnet56", 9)
