"""Weight clustering with tfmot, applied to a clone so the float model is untouched."""

from __future__ import annotations

from edgeopt._keras import keras
from edgeopt._tfmot import tfmot

INIT = {
    "kmeans_plus_plus": "KMEANS_PLUS_PLUS",
    "linear": "LINEAR",
    "density": "DENSITY_BASED",
    "random": "RANDOM",
}
CLUSTERABLE = (keras.layers.Conv2D, keras.layers.Dense, keras.layers.Conv1D)


def cluster_wrap(model, clusters: int, init: str, select=lambda layer: True):
    """A clustering-wrapped copy of `model`: selected layers with kernels share `clusters` centroid values."""
    ck = tfmot.clustering.keras
    method = getattr(ck.CentroidInitialization, INIT[init])
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())

    def wrap(layer):
        if isinstance(layer, CLUSTERABLE) and select(layer):
            return ck.cluster_weights(layer, number_of_clusters=clusters, cluster_centroids_init=method)
        return layer

    return keras.models.clone_model(copy, clone_function=wrap)


def strip(model):
    return tfmot.clustering.keras.strip_clustering(model)
