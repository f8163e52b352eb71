"""The stage order, written once. Stages never import each other; this table is the only wiring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StageSpec:
    name: str
    module: str  # edgeopt.stages.<module>, imported only when the stage runs
    config: Callable[[Any, Path], dict]  # the recipe slice that determines the stage's outputs (its cache key)
    needs: tuple[str, ...]  # upstream stages; "model" is the newest float model (cluster > prune > train > build)
    cached: bool = True
    # An optional part (app bundles): its failure is recorded in the report and makes the run exit 4, but never
    # stops the stages after it or costs the verified, benchmarked files before it.
    optional: bool = False


BUNDLE_FIELDS = ("bundle", "model_version", "author", "license", "description", "input_mean", "input_std")


def _dump(section: Any) -> Any:
    return None if section is None else section.model_dump(mode="json")


def _files_config(export: Any) -> dict:
    """The export section minus the bundle settings: editing a bundle's author must not re-export."""
    return {k: v for k, v in _dump(export).items() if k not in BUNDLE_FIELDS}


def _data_config(recipe, recipe_dir: Path) -> dict:
    from edgeopt.data.fingerprint import source_fingerprint

    return {
        "data": _dump(recipe.data),
        "seed": recipe.seed,
        "source": source_fingerprint(recipe.data, recipe_dir),
    }


def _build_config(recipe, recipe_dir: Path) -> dict:
    from edgeopt.hashing import sha256_file

    files = {}
    for ref in (recipe.model.path, recipe.model.weights):
        target = recipe_dir / ref if ref else None
        if target is not None and target.is_file():
            files[ref] = sha256_file(target)  # a re-saved model or weights file must rebuild
        elif target is not None and target.is_dir():  # a SavedModel folder: every file's content
            files[ref] = {str(f.relative_to(target)): sha256_file(f) for f in sorted(target.rglob("*")) if f.is_file()}
    return {"model": _dump(recipe.model), "seed": recipe.seed, "files": files}


def _bench_config(recipe, recipe_dir: Path) -> dict:
    from edgeopt.runtime.environment import machine_key

    # A latency belongs to a machine: re-running elsewhere must measure again.
    return {"bench": _dump(recipe.bench), "machine": machine_key()}


STAGES: tuple[StageSpec, ...] = (
    StageSpec("data", "data", _data_config, ()),
    StageSpec("build", "build", _build_config, ("data",)),
    StageSpec("train", "train", lambda r, d: {"train": _dump(r.train), "seed": r.seed}, ("data", "build")),
    StageSpec("prune", "prune", lambda r, d: {"prune": _dump(r.prune), "seed": r.seed}, ("data", "model")),
    StageSpec("cluster", "cluster", lambda r, d: {"cluster": _dump(r.cluster), "seed": r.seed}, ("data", "model")),
    StageSpec("quantize", "quantize", lambda r, d: {"quantize": _dump(r.quantize), "seed": r.seed}, ("data", "model")),
    StageSpec(
        "export",
        "export",
        lambda r, d: {"export": _files_config(r.export), "quantize": _dump(r.quantize), "seed": r.seed},
        ("data", "model", "quantize"),
    ),
    StageSpec("verify", "verify", lambda r, d: {"verify": _dump(r.verify)}, ("data", "model", "export")),
    StageSpec("bench", "bench", _bench_config, ("data", "export")),
    StageSpec(
        "bundle",
        "bundle",
        lambda r, d: {"name": r.name, **{k: v for k, v in _dump(r.export).items() if k in BUNDLE_FIELDS}},
        ("data", "export", "verify", "bench"),
        optional=True,
    ),
    StageSpec(
        "report",
        "report",
        lambda r, d: {},
        ("data", "build", "train", "prune", "cluster", "quantize", "export", "verify", "bench", "bundle"),
        cached=False,
    ),
)


def plan(recipe) -> list[StageSpec]:
    """The stages this recipe runs, in order. A missing optional section skips its stage."""
    skip = {
        "train": recipe.train is None,
        "prune": recipe.prune is None,
        "cluster": recipe.cluster is None,
        "quantize": recipe.quantize is None,
        "verify": recipe.verify is None,
        "bench": recipe.bench is None,
        "bundle": not recipe.export.bundle,
    }
    return [s for s in STAGES if not skip.get(s.name, False)]


def resolve_needs(spec: StageSpec, done: dict) -> dict:
    """Map a stage's declared needs to finished records; optional upstreams that were skipped are left out."""
    out = {}
    for need in spec.needs:
        # "model" is the newest float model: cluster, else prune, else train, else build
        name = next(n for n in ("cluster", "prune", "train", "build") if n in done) if need == "model" else need
        if name in done:
            out[need] = done[name]
    return out
