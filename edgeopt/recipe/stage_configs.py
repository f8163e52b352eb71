"""What each stage is handed: a frozen view of the recipe holding exactly what the stage reads.

The runner hashes this object into the stage's cache key and passes the same object to the stage as `ctx.config`;
a stage never sees the whole recipe (only the uncached report does). So a field that changes a stage's output
cannot be read without being keyed, and a field a stage does not read cannot re-run it: with `method: qat`, editing
`quantize.onnx_activations` or `quantize.max_drop` re-exports but reuses the trained and QAT-tuned models.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from edgeopt.recipe.schema import (
    BenchConfig,
    ClusterConfig,
    DataConfig,
    ExportFiles,
    ModelConfig,
    PruneConfig,
    QuantizeConfig,
    Recipe,
    TrainConfig,
    VerifyConfig,
)


class _StageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataStage(_StageConfig):
    data: DataConfig
    seed: int
    source: dict[str, Any]  # the source's fingerprint (file size and mtime, folder listing, package version)


class BuildStage(_StageConfig):
    model: ModelConfig
    seed: int
    files: dict[str, Any]  # sha256 of the user's model / weights files: a re-saved file must rebuild
    # With model.path: the recipe sections that need a tf_keras model (refused when the file loads as Keras 3).
    tf_keras_only: list[str] = []


class TrainStage(_StageConfig):
    train: TrainConfig
    seed: int


class PruneStage(_StageConfig):
    prune: PruneConfig
    seed: int


class ClusterStage(_StageConfig):
    cluster: ClusterConfig
    seed: int


class QatScheme(StrEnum):
    """tfmot's QAT schemes: plain, and prune- (P), cluster- (C) or prune-and-cluster-preserving (PC)."""

    QAT = "qat"
    PQAT = "pqat"
    CQAT = "cqat"
    PCQAT = "pcqat"

    @property
    def preserves_sparsity(self) -> bool:
        return self in (QatScheme.PQAT, QatScheme.PCQAT)

    @property
    def preserves_clusters(self) -> bool:
        return self in (QatScheme.CQAT, QatScheme.PCQAT)


class QatSettings(_StageConfig):
    """QAT fine-tuning: the quantize stage's (method qat) and the auto strategy's last fallback."""

    epochs: int
    learning_rate: float
    batch_size: int
    pruned: bool  # prune-preserving QAT
    clustered: bool  # cluster-preserving QAT

    @classmethod
    def of(cls, recipe: Recipe) -> QatSettings:
        q = recipe.quantize
        return cls(
            epochs=q.qat_epochs,
            learning_rate=q.qat_learning_rate,
            batch_size=q.qat_batch_size,
            pruned=recipe.prune is not None,
            clustered=recipe.cluster is not None,
        )

    @property
    def scheme(self) -> QatScheme:
        """The collaborative-optimization scheme that keeps what pruning and clustering did."""
        return next(
            s for s in QatScheme if (s.preserves_sparsity, s.preserves_clusters) == (self.pruned, self.clustered)
        )


class QuantizeStage(_StageConfig):
    calibration_samples: int
    seed: int
    qat: QatSettings | None  # set for method qat: fine-tune a fake-quant copy here


class ExportStage(_StageConfig):
    files: ExportFiles
    quantize: QuantizeConfig | None  # every integer export setting, the budget and the fallbacks
    qat: QatSettings | None  # the auto strategy's QAT fallback
    seed: int


class VerifyStage(_StageConfig):
    verify: VerifyConfig


class BenchStage(_StageConfig):
    bench: BenchConfig
    machine: dict[str, Any]  # a latency belongs to a machine: measured again elsewhere


class BundleStage(_StageConfig):
    """App bundles: the targets and what goes into their metadata and model card."""

    name: str
    targets: list[str]
    model_version: str
    author: str
    license: str
    description: str | None
    input_mean: list[float]
    input_std: list[float]


def data_config(recipe: Recipe, recipe_dir: Path) -> DataStage:
    from edgeopt.data.fingerprint import source_fingerprint

    return DataStage(data=recipe.data, seed=recipe.seed, source=source_fingerprint(recipe.data, recipe_dir))


def build_config(recipe: Recipe, recipe_dir: Path) -> BuildStage:
    from edgeopt.hashing import sha256_file

    files: dict[str, Any] = {}
    for ref in (recipe.model.path, recipe.model.weights):
        target = recipe_dir / ref if ref else None
        if target is not None and target.is_file():
            files[ref] = sha256_file(target)
        elif target is not None and target.is_dir():  # a SavedModel folder: every file's content
            files[ref] = {str(f.relative_to(target)): sha256_file(f) for f in sorted(target.rglob("*")) if f.is_file()}
    tf_keras_only = []
    if recipe.model.path is not None:
        r = recipe
        tf_keras_only = [
            name
            for name, on in (
                ("train", r.train),
                ("prune", r.prune),
                ("cluster", r.cluster),
                ("quantize.method: qat", r.quantize and r.quantize.method == "qat"),
            )
            if on
        ]
    return BuildStage(model=recipe.model, seed=recipe.seed, files=files, tf_keras_only=tf_keras_only)


def train_config(recipe: Recipe, recipe_dir: Path) -> TrainStage:
    return TrainStage(train=recipe.train, seed=recipe.seed)


def prune_config(recipe: Recipe, recipe_dir: Path) -> PruneStage:
    return PruneStage(prune=recipe.prune, seed=recipe.seed)


def cluster_config(recipe: Recipe, recipe_dir: Path) -> ClusterStage:
    return ClusterStage(cluster=recipe.cluster, seed=recipe.seed)


def quantize_config(recipe: Recipe, recipe_dir: Path) -> QuantizeStage:
    q = recipe.quantize
    qat = QatSettings.of(recipe) if q.method == "qat" else None
    return QuantizeStage(calibration_samples=q.calibration_samples, seed=recipe.seed, qat=qat)


def export_config(recipe: Recipe, recipe_dir: Path) -> ExportStage:
    e, q = recipe.export, recipe.quantize
    auto_qat = q is not None and q.strategy == "auto" and "qat" in q.fallbacks
    return ExportStage(
        files=ExportFiles(**{name: getattr(e, name) for name in ExportFiles.model_fields}),
        quantize=q,
        qat=QatSettings.of(recipe) if auto_qat else None,
        seed=recipe.seed,
    )


def verify_config(recipe: Recipe, recipe_dir: Path) -> VerifyStage:
    return VerifyStage(verify=recipe.verify)


def bench_config(recipe: Recipe, recipe_dir: Path) -> BenchStage:
    from edgeopt.runtime.environment import machine_key

    return BenchStage(bench=recipe.bench, machine=machine_key())


def bundle_config(recipe: Recipe, recipe_dir: Path | None = None) -> BundleStage:
    e = recipe.export
    return BundleStage(
        name=recipe.name,
        targets=e.bundle,
        model_version=e.model_version,
        author=e.author,
        license=e.license,
        description=e.description,
        input_mean=e.input_mean,
        input_std=e.input_std,
    )


def report_config(recipe: Recipe, recipe_dir: Path) -> Recipe:
    return recipe  # the report describes the whole run; it is never cached
