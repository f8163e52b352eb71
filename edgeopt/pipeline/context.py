"""What a stage sees: its config (the slice of the recipe its key is made from), its own output folder, and the
committed records of the stages it needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from edgeopt.models.routes import Route


@dataclass(frozen=True)
class StageRecord:
    """A finished stage as committed in its stage.json."""

    name: str
    key: str
    dir: Path
    outputs: dict[str, dict[str, Any]]  # name -> {"file", "sha256", "bytes"}
    result: dict[str, Any]
    reused: bool = False

    def path(self, output: str) -> Path:
        try:
            return self.dir / self.outputs[output]["file"]
        except KeyError:
            raise KeyError(f"stage '{self.name}' has no output '{output}'; it has {sorted(self.outputs)}") from None


@dataclass
class StageContext:
    config: Any  # edgeopt.recipe.stage_configs: exactly what the stage's cache key hashes (the report: the recipe)
    recipe_dir: Path
    run_dir: Path
    stage_dir: Path
    upstream: dict[str, StageRecord] = field(default_factory=dict)
    trust_model: bool = False  # --trust-model: load model files that may carry code
    failed_parts: list[dict[str, Any]] = field(default_factory=list)  # optional stages that failed in this run

    def out(self, filename: str) -> Path:
        return self.stage_dir / filename

    def need(self, stage: str) -> StageRecord:
        try:
            return self.upstream[stage]
        except KeyError:
            raise KeyError(
                f"this stage needs '{stage}', which is not among its inputs {sorted(self.upstream)}"
            ) from None

    def has(self, stage: str) -> bool:
        return stage in self.upstream

    @cached_property
    def dataset(self):
        from edgeopt.data.dataset import Dataset

        return Dataset.load(self.need("data").path("dataset"))

    @property
    def model_route(self) -> Route:
        """How the float model is held: builder / tf_keras / keras3_rebuilt (all tf_keras), or
        keras3_savedmodel_ptq (a Keras 3 model, exported through a SavedModel). Only build records a route; the
        post-training route never has train/prune/cluster after it (build refuses them), so a model produced by
        one of those stages is always tf_keras."""
        return self._route("model")

    def _route(self, need: str) -> Route:
        model = self.need(need)
        return Route(model.result.get("route", Route.BUILDER)) if model.name == "build" else Route.BUILDER

    def load_model(self, need: str = "model"):
        """A float Keras model: by default the one to export (the newest: clustered, pruned, trained or built);
        need="start" is the model before any compression, "prune" / "cluster" that stage's."""
        path = self.need(need).path("model")
        if self._route(need) == Route.PTQ_ONLY:
            from edgeopt.models.keras3_convert import load_keras3

            return load_keras3(path, safe_mode=not self.trust_model)
        from edgeopt.models.io import load_keras_model

        return load_keras_model(path, safe_mode=not self.trust_model)


@dataclass(frozen=True)
class StageOutput:
    """What a stage's run() returns: files it wrote in its folder (name -> filename) and a JSON-able result."""

    files: dict[str, str]
    result: dict[str, Any] = field(default_factory=dict)
    cacheable: bool = True  # False: record it, but run the stage again next time (e.g. an unreachable device)
