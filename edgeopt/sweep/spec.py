"""sweep.yaml: the base recipe, the grid and explicit points, and what each trial may use."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from edgeopt.errors import RecipeError


class TrialResources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cpus: int = Field(1, ge=1, le=256, description="CPUs per trial (Ray num_cpus; local: workers = cores // cpus).")
    memory_mb: int = Field(4096, ge=256, description="Memory per trial (Ray memory request; local: bounds workers).")


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$", description="Names the sweep directory.")
    base: str = Field(..., description="Base recipe file, relative to the sweep file.")
    grid: dict[str, list[Any]] = Field({}, description="Dotted recipe field -> values; every combination runs.")
    points: list[dict[str, Any]] = Field([], description="Extra explicit points: dotted field -> value.")
    trial: TrialResources = Field(default_factory=TrialResources)


def load_sweep(path: Path) -> SweepSpec:
    from pydantic import ValidationError
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="safe", pure=True).load(Path(path).read_text())
        return SweepSpec.model_validate(doc)
    except FileNotFoundError:
        raise RecipeError(f"{path}: sweep file not found") from None
    except (YAMLError, ValidationError) as exc:
        raise RecipeError(f"{path}: invalid sweep: {exc}") from None


def expand(spec: SweepSpec) -> list[dict[str, Any]]:
    """Every grid combination, then the explicit points, without duplicates, in a stable order."""
    keys = list(spec.grid)
    out: list[dict[str, Any]] = (
        [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(spec.grid[k] for k in keys))]
        if keys
        else []
    )
    for point in spec.points:
        if point not in out:
            out.append(dict(point))
    if not out:
        raise RecipeError(f"sweep '{spec.name}' has no points: give a grid or points")
    return out


def trial_id(index: int, overrides: dict[str, Any]) -> str:
    """A folder name that says what the trial changes: t03-model.width=0.5-quantize.method=qat."""
    parts = [f"{k}={v}" for k, v in overrides.items()]
    slug = re.sub(r"[^A-Za-z0-9_.=-]+", "_", "-".join(parts))[:80]
    return f"t{index:02d}-{slug}" if slug else f"t{index:02d}"


def apply(base: dict, overrides: dict[str, Any]) -> dict:
    """A copy of the base recipe with dotted overrides set; missing sections are created."""
    import copy

    recipe = copy.deepcopy(base)
    for dotted, value in overrides.items():
        node = recipe
        *parents, leaf = dotted.split(".")
        for key in parents:
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
            if not isinstance(node, dict):
                raise RecipeError(f"sweep field '{dotted}': '{key}' is not a section")
        node[leaf] = value
    return recipe
