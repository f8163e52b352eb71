"""edgeopt's pruning against tfmot's own training loop, on the same trained model and the same data split
(issue 15). Writes benchmarks/results/prune_vs_tfmot.json.

    .venv/bin/python benchmarks/prune_vs_tfmot.py

The model is a small CNN (about 81k parameters) trained on the bundled digits by edgeopt's train stage. Both sides
then prune it to 50% with the raw-tools reference schedule: polynomial 0 -> 0.5 from step 0 to the end of epoch 3,
mask updates every 22 steps, 4 epochs of Adam at 5e-4, batch 32. edgeopt's side is `edgeopt optimize` with a
`prune:` section (the pipeline's prune stage, exported to TFLite and measured there); tfmot's side is the
documented loop (prune_low_magnitude on the whole model, UpdatePruningStep) on the train stage's model, measured
in Keras. Each seed is one pair; the drops are against the same starting top-1.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import numpy as np

import edgeopt

OUT = Path(__file__).resolve().parent / "results" / "prune_vs_tfmot.json"
SEEDS = (0, 1, 2)
RECIPE = """\
name: prune-vs-tfmot
seed: {seed}
data: {{image_size: 16, channels: 1}}
model: {{path: cnn.keras}}
train: {{epochs: 15, batch_size: 32, learning_rate: 0.002}}
{prune}
export: {{tflite: [float32], onnx: []}}
verify: {{max_drop: 1.0}}
"""
PRUNE = (
    "prune: {target_sparsity: 0.5, schedule: polynomial, initial_sparsity: 0.0, begin_epoch: 0, end_epoch: 3, "
    "frequency: 22, epochs: 4, learning_rate: 0.0005, batch_size: 32}"
)


def reference_cnn():
    """The raw-tools reference model: three conv blocks and a dense head, 16x16x1 digits in, 10 classes out."""
    from edgeopt._keras import keras

    layers = keras.layers
    inp = keras.Input((16, 16, 1))
    x = inp
    for filters in (32, 64, 64):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    return keras.Model(inp, layers.Dense(10, activation="softmax")(x), name="reference_cnn")


def tfmot_loop(model_path: Path, dataset_path: Path, seed: int) -> float:
    """tfmot's documented pruning loop; top-1 of the stripped model on the test split."""
    from edgeopt._keras import keras
    from edgeopt._tfmot import tfmot
    from edgeopt.data.dataset import Dataset

    ds = Dataset.load(dataset_path)
    keras.utils.set_random_seed(seed)
    model = keras.models.load_model(model_path)
    per_epoch = -(-len(ds.y_train) // 32)
    sparsity = tfmot.sparsity.keras
    schedule = sparsity.PolynomialDecay(0.0, 0.5, 0, 3 * per_epoch, frequency=22)
    pruned = sparsity.prune_low_magnitude(model, pruning_schedule=schedule)
    pruned.compile(keras.optimizers.Adam(5e-4), "sparse_categorical_crossentropy", metrics=["accuracy"])
    pruned.fit(
        ds.x_train,
        ds.y_train,
        validation_data=(ds.x_val, ds.y_val),
        epochs=4,
        batch_size=32,
        callbacks=[sparsity.UpdatePruningStep()],
        verbose=0,
    )
    stripped = sparsity.strip_pruning(pruned)
    return float(np.mean(np.argmax(stripped.predict(ds.x_test, verbose=0), axis=1) == ds.y_test))


def main() -> None:
    from edgeopt._keras import keras

    logging.basicConfig(level=logging.INFO, format="%(levelname).1s %(message)s")
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgeopt-prune-bench-") as work:
        root = Path(work)
        keras.utils.set_random_seed(0)
        model = reference_cnn()
        params = model.count_params()
        model.save(root / "cnn.keras")
        for seed in SEEDS:
            (root / f"r{seed}.yaml").write_text(RECIPE.format(seed=seed, prune=PRUNE))
            report = edgeopt.optimize(root / f"r{seed}.yaml", run_dir=root / f"run{seed}")
            run = root / f"run{seed}"
            start = report["verify"]["start"]["top1"]
            ours = next(a for a in report["artifacts"] if a["name"] == "tflite_float32")["accuracy"]["top1"]
            trained = next(run.glob("*-train-*")) / "model.keras"
            theirs = tfmot_loop(trained, next(run.glob("*-data-*")) / "dataset.npz", seed)
            rows.append(
                {
                    "seed": seed,
                    "start_top1": start,
                    "edgeopt_pruned_top1": ours,
                    "edgeopt_drop": start - ours,
                    "edgeopt_mean_sparsity": report["compression"]["prune"]["mean_sparsity"],
                    "tfmot_pruned_top1": theirs,
                    "tfmot_drop": start - theirs,
                    "test_samples": report["verify"]["samples"],
                }
            )
            logging.info("seed %d: start %.4f, edgeopt %.4f, tfmot %.4f", seed, start, ours, theirs)
    summary = {
        "parameters": params,
        "mean_edgeopt_drop": float(np.mean([r["edgeopt_drop"] for r in rows])),
        "mean_tfmot_drop": float(np.mean([r["tfmot_drop"] for r in rows])),
    }
    summary["edgeopt_no_worse"] = summary["mean_edgeopt_drop"] <= summary["mean_tfmot_drop"] + 1e-9
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")
    logging.info("%s; wrote %s", summary, OUT)


if __name__ == "__main__":
    main()
