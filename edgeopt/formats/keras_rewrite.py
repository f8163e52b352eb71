"""The one way edgeopt's exporters swap Keras layers for equivalents a runtime quantizes better: on a copy of the
model (the float model the other stages use is never changed), with the weights carried over."""

from __future__ import annotations


def replace_layers(model, rewritable, make, weights=None):
    """(model, 0) when no layer is `rewritable`; else (a copy in which `make(layer)` stands in for each such
    layer, how many). `weights(old, new)` gives the stand-in's weights (default: the old layer's)."""
    from edgeopt._keras import keras

    count = sum(bool(rewritable(layer)) for layer in model.layers)
    if not count:
        return model, 0

    def clone(layer):
        return make(layer) if rewritable(layer) else layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(model, clone_function=clone)
    for old, new in zip(model.layers, copy.layers, strict=True):
        swapped = rewritable(old)
        new.set_weights(weights(old, new) if swapped and weights else old.get_weights())
    return copy, count


def conv_stand_in():
    """The base class of a layer that computes a convolution layer another way: it takes that layer's settings
    (`of(layer)`); subclasses define build() and call(). A function, so Keras is imported only when needed."""
    from edgeopt._keras import keras

    class ConvStandIn(keras.layers.Layer):
        def __init__(self, filters, kernel_size, strides, padding, use_bias, activation, **kwargs):
            super().__init__(**kwargs)
            self.filters, self.kernel_size, self.strides = filters, tuple(kernel_size), tuple(strides)
            self.padding, self.use_bias = padding, use_bias
            self.activation = keras.activations.get(activation)

        @classmethod
        def of(cls, layer):
            activation = keras.activations.serialize(layer.activation)
            return cls(
                layer.filters,
                layer.kernel_size,
                layer.strides,
                layer.padding,
                layer.use_bias,
                activation,
                name=layer.name,
            )

    return ConvStandIn
