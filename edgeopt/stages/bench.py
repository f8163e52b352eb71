"""Batch-1 latency of every exported file: each file measured in its own subprocess (runtime/measure.py), in
interleaved rounds so a shared machine's drift hits all files alike; optionally also on a board or phone."""

from __future__ import annotations

import logging
from pathlib import Path

from edgeopt.errors import ToolchainError
from edgeopt.pipeline.context import StageContext, StageOutput
from edgeopt.records import Measurement

log = logging.getLogger(__name__)

# The figures kept per file: every key of records.Measurement after its name, in that order.
KEEP = tuple(k for k in Measurement.__annotations__ if k not in ("name", "slower_than_float32"))


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.environment import library_versions, machine
    from edgeopt.runtime.targets import MeasureSettings

    cfg, export = ctx.config.bench, ctx.need("export")
    names = [a["name"] for a in export.result["artifacts"]]
    files = [export.path(n) for n in names]
    settings = MeasureSettings.of(cfg)
    from edgeopt.runtime.device_lock import device_lock

    with device_lock("local"):  # this machine is a device too: parallel trials never time side by side
        local = run_bench(files, [cfg.threads], cfg.rounds, settings)
    results = _rows(local, names, files)
    _explain_slower_int8(results, export, cfg.threads, local["results"][0].get("settings", {}).get("amx"))
    for r in results:
        log.info("bench: %-13s p50 %s ms p90 %s ms (%d runs)", r["name"], _ms(r["p50_ms"]), _ms(r["p90_ms"]), r["runs"])
    out = {
        "threads": cfg.threads,
        "warmup": cfg.warmup,
        "runs": cfg.runs,
        "rounds": cfg.rounds,
        "batch": 1,
        "interleaved": True,
        "subprocess_per_file": True,
        "artifacts": results,
        "machine": machine(),
        "versions": library_versions(),
    }
    if cfg.target != "local":
        with device_lock(cfg.target):
            out["remote"] = _remote(ctx, cfg, files, names, settings)
    # A device that failed this time is measured again next run instead of caching the failure.
    return StageOutput({}, out, cacheable="error" not in out.get("remote", {}))


def _ms(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _rows(bench: dict, names: list[str], files: list[Path]) -> list[Measurement]:
    by_file = {Path(r["model"]).name: r for r in bench["results"]}
    return [{"name": n, **{k: by_file[f.name].get(k) for k in KEEP}} for n, f in zip(names, files, strict=True)]


def _remote(ctx: StageContext, cfg, files: list[Path], names: list[str], settings) -> dict:
    """Measure on the device; a failure is recorded (and logged), never allowed to lose the local results."""
    from edgeopt.formats import for_path
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import TargetOptions, parse_target

    def rel(path: str | None) -> Path | None:  # recipe paths are relative to the recipe
        return ctx.recipe_dir / path if path else None

    try:
        options = TargetOptions(
            ssh_key=rel(cfg.ssh_key),
            known_hosts=rel(cfg.known_hosts),
            accept_new_host_key=cfg.accept_new_host_key,
            remote_python=cfg.remote_python,
            benchmark_model=rel(cfg.benchmark_model),
            taskset=cfg.taskset,
        )
        target = parse_target(cfg.target, options)
        picked = [(n, f) for n, f in zip(names, files, strict=True) if for_path(f).name in target.formats]
        remote = run_bench([f for _, f in picked], [cfg.threads], cfg.rounds, settings, target)
        return {
            "target": target.label,
            # Emulated timings only show the ARM kernels ran; they never enter speed-ups, gates or baselines.
            # An SSH "board" may itself be the emulated Python (`edgeopt arm launcher`): its fingerprint says so.
            "emulated": getattr(target, "emulated", False) or bool(remote["machine"].get("emulated")),
            "machine": remote["machine"],
            "artifacts": _rows(remote, [n for n, _ in picked], [f for _, f in picked]),
        }
    except ToolchainError as exc:
        log.warning("bench: %s failed; local results are kept: %s", cfg.target, exc)
        return {"target": cfg.target, "error": str(exc)}


def _explain_slower_int8(results: list[dict], export, threads: int, amx: str | None = None) -> None:
    """An int8 file slower than the float32 file of the same format gets an explanation from the runtimes."""
    from edgeopt.formats import FORMATS
    from edgeopt.runtime.amx import with_amx_reason

    by_name = {r["name"]: r for r in results}
    artifacts = {a["name"]: a for a in export.result["artifacts"]}
    for fmt, backend in FORMATS.items():
        q, f = by_name.get(f"{fmt}_int8"), by_name.get(f"{fmt}_float32")
        if q and f and q["p50_ms"] > f["p50_ms"]:
            why = backend.explain_slower(
                export.path(q["name"]), export.path(f["name"]), artifacts[q["name"]]["contents"], threads
            )
            q["slower_than_float32"] = with_amx_reason(why, amx, fmt)
            log.warning(
                "bench: %s is slower than %s (%.3f vs %.3f ms): %s",
                q["name"],
                f["name"],
                q["p50_ms"],
                f["p50_ms"],
                "; ".join(q["slower_than_float32"]["reasons"]),
            )
