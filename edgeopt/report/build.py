"""Assemble report.json from the stage records: one row per exported artifact, plus gates and environment."""

from __future__ import annotations

import datetime as dt

from edgeopt.errors import EXIT_TOOLCHAIN
from edgeopt.report import REPORT_SCHEMA_VERSION
from edgeopt.version import __version__


def build_report(recipe, records: dict, failed_parts: list[dict] | tuple = ()) -> dict:
    """report.json. `failed_parts`: optional parts (bundle, MLflow, a device target) that failed; the files and
    figures of the parts that worked are all there, and the run exits 4."""
    export = records["export"].result["artifacts"]
    verify = records["verify"].result if "verify" in records else None
    bench = records["bench"].result if "bench" in records else None
    by_name = {a["name"]: dict(a) for a in export}
    for a in by_name.values():
        a["file"] = f"{records['export'].dir.name}/{a['file']}"
    if verify:
        for v in verify["artifacts"]:
            by_name[v["name"]]["accuracy"] = {k: v[k] for k in v if k != "name"}
    if bench:
        lat = {b["name"]: b for b in bench["artifacts"]}
        for name, a in by_name.items():
            a["latency"] = {k: v for k, v in lat[name].items() if k != "name"}
            base = lat.get(f"{a['format']}_float32")
            if base and a["precision"] != "float32":
                # Same-format ratio from interleaved runs in one session: comparable across machines.
                a["latency"]["speedup_vs_float32"] = base["p50_ms"] / lat[name]["p50_ms"]
    gates = records["export"].result.get("budget_gates", []) + (verify["gates"] if verify else [])
    model_rec = records.get("train") or records["build"]
    failed = list(failed_parts)
    remote = (bench or {}).get("remote") or {}
    if "error" in remote:
        failed.append(
            {"part": "bench.target", "target": remote["target"], "error": remote["error"], "exit_code": EXIT_TOOLCHAIN}
        )
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "edgeopt_version": __version__,
        "recipe": recipe.name,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data": records["data"].result,
        "model": {**records["build"].result, "trained": "train" in records, **_train_summary(model_rec)},
        "verify": None
        if not verify
        else {
            k: verify[k]
            for k in ("split", "samples", "drop_type", "start", "float_top1", "float_top5", "error_by_cause", "arm")
            if k in verify
        },
        "bench": None
        if not bench
        else {
            k: bench[k]
            for k in ("threads", "warmup", "runs", "rounds", "batch", "interleaved", "machine", "versions", "remote")
            if k in bench
        },
        "compression": {name: records[name].result for name in ("prune", "cluster", "quantize") if name in records},
        "artifacts": list(by_name.values()),
        "bundles": [
            {**b, "dir": f"{records['bundle'].dir.name}/{b['dir']}"} for b in records["bundle"].result["bundles"]
        ]
        if "bundle" in records
        else [],
        "gates": gates,
        "passed": all(g["passed"] for g in gates),
        "failed_parts": failed,
    }


def _train_summary(record) -> dict:
    r = record.result
    return {k: r[k] for k in ("epochs", "val_accuracy") if k in r}
