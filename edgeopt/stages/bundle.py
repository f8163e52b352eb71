"""Bundle stage: app-ready folders (export.bundle) built from the exported files and checked against the
verified accuracy (edgeopt.bundle)."""

from __future__ import annotations

from edgeopt.pipeline.context import StageContext, StageOutput


def run(ctx: StageContext) -> StageOutput:
    from edgeopt.bundle.build import build_bundles

    src = source_from_records(
        ctx.config,
        ctx.dataset,
        ctx.need("export"),
        ctx.need("verify").result,
        ctx.upstream["bench"].result if ctx.has("bench") else None,
    )
    bundles = build_bundles(src, ctx.config.targets, ctx.stage_dir)
    files = {f"{b['target']}/{name}": f"{b['target']}/{name}" for b in bundles for name in b["files"]}
    for b in bundles:
        b["dir"] = b["target"]  # relative to the stage folder
    return StageOutput(files, {"bundles": bundles})


def source_from_records(info, dataset, export, verify: dict, bench: dict | None):
    """A BundleSource from stage records (the pipeline) or from a finished run's folders (`edgeopt export`);
    `info` is the bundle stage's config (stage_configs.BundleStage)."""
    from edgeopt.bundle.build import BundleSource

    accuracy = {v["name"]: v for v in verify["artifacts"]}
    latency = {b["name"]: b for b in (bench or {}).get("artifacts", [])}
    artifacts = [
        {**a, "accuracy": accuracy.get(a["name"]), "latency": latency.get(a["name"])}
        for a in export.result["artifacts"]
    ]
    x, y = dataset.split(verify["split"])
    return BundleSource(
        info.name,
        export.dir,
        artifacts,
        list(dataset.class_names),
        x,
        y,
        verify["split"],
        dataset.input_shape[-1],
        info,
    )
