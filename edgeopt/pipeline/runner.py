"""Runs the planned stages in order, reusing any stage whose committed stage.json matches its cache key."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from edgeopt import progress
from edgeopt.atomic import write_json
from edgeopt.errors import EXIT_TOOLCHAIN, EdgeoptError
from edgeopt.hashing import sha256_file, sha256_json
from edgeopt.pipeline.context import StageContext, StageOutput, StageRecord
from edgeopt.pipeline.plan import StageSpec, plan, resolve_needs
from edgeopt.pipeline.run_dir import STAGE_FILE, RunDir, load_stage
from edgeopt.version import __version__

log = logging.getLogger(__name__)


def run_pipeline(
    recipe,
    recipe_dir: Path,
    run_dir: Path,
    force: bool = False,
    trust_model: bool = False,
    share: tuple[Path, ...] = (),
) -> dict[str, StageRecord]:
    """Run every stage of `recipe` into `run_dir`; returns the records by stage name (report last). `share`:
    other run directories whose finished stages with the same key are hard-linked in instead of run again
    (`edgeopt tune`'s trials share their training, quantization and exports this way)."""
    from edgeopt.runtime.environment import library_versions

    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(RunDir(run_dir).recipe_json, recipe.model_dump(mode="json"))
    versions = library_versions()
    done: dict[str, StageRecord] = {}
    failed: list[dict] = []
    stages = plan(recipe)
    with RunDir(run_dir).scratch(), progress.task(f"{recipe.name}: stages", total=len(stages)) as bar:
        for index, spec in enumerate(stages, start=1):
            try:
                done[spec.name] = _stage(
                    index, spec, recipe, recipe_dir, run_dir, done, versions, force, trust_model, failed, share
                )
            except Exception as exc:
                if not spec.optional:
                    raise
                failed.append(_failure(spec.name, exc))
                log.error(
                    "%-8s failed; the stages after it still run, the run will exit %d: %s",
                    spec.name,
                    failed[-1]["exit_code"],
                    failed[-1]["error"],
                )
            bar.advance()
    write_json(
        RunDir(run_dir).manifest_json,
        {
            "edgeopt": __version__,
            "recipe": recipe.name,
            "stages": [
                {"name": r.name, "dir": r.dir.name, "key": r.key, "reused": r.reused, "outputs": r.outputs}
                for r in done.values()
            ],
            # The report stage adds what failed inside it (MLflow) and a failed device target to the list.
            "failed_parts": done["report"].result.get("failed_parts", failed) if "report" in done else failed,
        },
    )
    return done


def _failure(part: str, exc: Exception) -> dict:
    """How a failed optional part is recorded (report.json failed_parts): what, why, and the exit code it sets."""
    log.debug("traceback", exc_info=exc)
    error = str(exc) if isinstance(exc, EdgeoptError) else f"unexpected {type(exc).__name__}: {exc}"
    return {"part": part, "error": error, "exit_code": EXIT_TOOLCHAIN}


def _stage(index, spec, recipe, recipe_dir, run_dir, done, versions, force, trust_model, failed, share) -> StageRecord:
    upstream = resolve_needs(spec, done)
    config = spec.config(recipe, recipe_dir)
    key = sha256_json(
        {
            "stage": spec.name,
            "config": _dump(config),
            # Upstream keys and output checksums: a stage that re-ran (its folder was lost) and wrote other
            # bytes invalidates everything after it, even with the same key.
            "upstream": {k: [v.key, {n: o["sha256"] for n, o in v.outputs.items()}] for k, v in upstream.items()},
            "edgeopt": __version__,
            "code": _code_hash(),
            "versions": versions,
        }
    )
    stage_dir = RunDir(run_dir).stage_dir(index, spec.name, key)
    record = None if (force or not spec.cached) else load_stage(stage_dir, spec.name, key)
    if record is None and not force and spec.cached:
        record = _borrow(share, spec.name, key, stage_dir)
    if record is None:
        record = _run_stage(spec, key, stage_dir, config, recipe_dir, run_dir, upstream, versions, trust_model, failed)
    else:
        log.info("%-8s reused %s", spec.name, stage_dir.name)
    return record


def _borrow(share: tuple[Path, ...], name: str, key: str, stage_dir: Path) -> StageRecord | None:
    """The same stage, finished with the same key in another run directory, hard-linked into this one (no copy:
    stages never change a file once written, and a re-run removes its folder before writing)."""
    for other in share:
        for candidate in sorted(Path(other).glob(f"[0-9][0-9]-{name}-{key[:8]}")):
            if load_stage(candidate, name, key) is None:
                continue
            if stage_dir.exists():
                shutil.rmtree(stage_dir)
            partial = stage_dir.with_name(stage_dir.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            try:
                shutil.copytree(candidate, partial, copy_function=os.link)
            except OSError:  # another file system: copy
                shutil.rmtree(partial, ignore_errors=True)
                shutil.copytree(candidate, partial)
            partial.rename(stage_dir)  # whole or not at all: a kill mid-copy leaves no half stage behind
            record = load_stage(stage_dir, name, key)
            if record is not None:
                log.info("%-8s reused from %s", name, candidate.relative_to(candidate.parent.parent))
                return record
    return None


def _dump(config) -> dict:
    """The JSON form of what a stage is handed: the cache key is made from exactly this."""
    return config.model_dump(mode="json")


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    """sha256 of edgeopt's own source: a stage's output depends on the helpers it imports too (compress/, runtime/,
    data/...), so any edit to the package invalidates finished stages; an installed release never changes."""
    root = Path(importlib.util.find_spec("edgeopt").origin).parent
    return sha256_json({str(f.relative_to(root)): sha256_file(f) for f in sorted(root.rglob("*.py"))})


def _run_stage(
    spec: StageSpec,
    key: str,
    stage_dir: Path,
    config,
    recipe_dir: Path,
    run_dir: Path,
    upstream: dict[str, StageRecord],
    versions: dict[str, str],
    trust_model: bool,
    failed: list[dict],
) -> StageRecord:
    if stage_dir.exists():  # an unfinished attempt (no stage.json) or a forced re-run
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    module = importlib.import_module(f"edgeopt.stages.{spec.module}")
    ctx = StageContext(config, recipe_dir, run_dir, stage_dir, upstream, trust_model=trust_model, failed_parts=failed)
    started = time.perf_counter()
    try:
        output: StageOutput = module.run(ctx)
    except Exception:
        if spec.optional:  # no half-written bundle left beside the good files
            shutil.rmtree(stage_dir, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    outputs: dict[str, dict[str, Any]] = {}
    for name, filename in output.files.items():
        f = stage_dir / filename
        outputs[name] = {"file": filename, "sha256": sha256_file(f), "bytes": f.stat().st_size}
    meta = {
        "stage": spec.name,
        "key": key,
        "config": _dump(config),
        "inputs": {k: {"stage": v.name, "key": v.key, "dir": v.dir.name} for k, v in upstream.items()},
        "versions": versions,
        "outputs": outputs,
        "result": output.result,
        "cacheable": output.cacheable,
        "seconds": round(seconds, 3),
    }
    write_json(stage_dir / STAGE_FILE, meta)  # committed last: the stage counts as done only from here
    log.info("%-8s done in %.1f s -> %s", spec.name, seconds, stage_dir.name)
    return StageRecord(spec.name, key, stage_dir, outputs, output.result)
