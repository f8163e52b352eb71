"""report.md: the tables a reviewer reads in a pull request, rendered from report.json."""

from __future__ import annotations

from edgeopt import formats


def fmt_bytes(n: int) -> str:
    return f"{n / 1024:,.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.2f} MiB"


STEP_LABEL = {"prune": "pruning", "cluster": "clustering"}


def starting_top1(verify: dict) -> float:
    """Top-1 of the float model the run started from (reports written before edgeopt recorded it: the float
    model the files came from, which was the same model unless the run pruned or clustered)."""
    return (verify.get("start") or {}).get("top1", verify["float_top1"])


def accuracy_lead(verify: dict) -> str:
    """The sentence report.md and the CLI summary lead with: the starting accuracy, then what each compression
    step left of it."""
    start = verify.get("start") or {}
    text = (
        f"Starting float model ({start.get('stage', 'float Keras')}) top-1 **{starting_top1(verify):.4f}** on "
        f"{verify['samples']} {verify['split']} samples"
    )
    top1 = starting_top1(verify)
    for step, c in (verify.get("error_by_cause") or {}).items():
        if step in STEP_LABEL:
            top1 -= c["top1_delta"]
            text += f"; after {STEP_LABEL[step]} {top1:.4f} ({-c['top1_delta'] * 100:+.2f} pts)"
    return text + ". Every drop below is against the starting model: it counts every step."


def artifact_rows(report: dict) -> list[list[str]]:
    """Rows shared by report.md and the CLI summary table."""
    rows = []
    for a in report["artifacts"]:
        acc, lat = a.get("accuracy"), a.get("latency")
        rows.append(
            [
                a["name"],
                fmt_bytes(a["bytes"]),
                f"{acc['top1']:.4f}" if acc else "-",
                f"{acc['drop'] * 100:+.2f}" if acc else "-",
                f"{acc['agreement']:.4f}" if acc else "-",
                f"{lat['p50_ms']:.3f}" if lat else "-",
                f"{lat['p90_ms']:.3f}" if lat else "-",
                f"{lat['speedup_vs_float32']:.2f}x" if lat and "speedup_vs_float32" in lat else "-",
            ]
        )
    return rows


HEADERS = ["artifact", "size", "top-1", "drop (pts)", "agreement", "p50 ms", "p90 ms", "vs float32"]


def headers(report: dict) -> list[str]:
    """The drop column is in points of top-1, or in percent of float top-1 when the recipe says relative."""
    relative = (report.get("verify") or {}).get("drop_type") == "relative"
    return [("drop (%)" if relative else h) if h == "drop (pts)" else h for h in HEADERS]


def contents_table(report: dict) -> list[str]:
    """What each exported file really holds, read back from the file: kernel dtypes, zeros, distinct values."""
    comp = report.get("compression") or {}
    lines = ["", "## What the files contain", ""]
    if comp.get("prune"):
        p = comp["prune"]
        lines.append(
            f"Pruning ({p['structure']}): {len(p['layers'])} kernels at mean sparsity "
            f"{p['mean_sparsity']:.3f} in the Keras model (target {p['target']})."
        )
    if comp.get("cluster"):
        c = comp["cluster"]
        lines.append(
            f"Clustering: {len(c['layers'])} kernels, at most {max(c['layers'].values())} distinct values "
            f"each in the Keras model ({c['clusters']} clusters)."
        )
    if comp.get("quantize", {}).get("scheme"):
        lines.append(f"Quantization-aware training: {comp['quantize']['scheme'].upper()}.")
    lines += [
        "",
        "| artifact | raw | gzip | kernel dtypes | kernels with zeros | their mean sparsity | max distinct values "
        "per output channel | tensor dtypes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in report["artifacts"]:
        weights = a.get("contents", {}).get("weights", [])
        dtypes = sorted({w["dtype"] for w in weights})
        sparse = [w["sparsity"] for w in weights if w.get("sparsity", 0) >= 0.05]
        unique = max((w.get("unique_per_channel", w.get("unique", 0)) for w in weights), default=0)
        tensors = a.get("contents", {}).get("tensor_dtypes") or {}
        lines.append(
            f"| {a['name']} | {fmt_bytes(a['bytes'])} | {fmt_bytes(a['gzip_bytes'])} | {', '.join(dtypes) or '-'} | "
            f"{len(sparse)}/{len(weights)} | {(sum(sparse) / len(sparse)) if sparse else 0:.3f} | {unique} | "
            f"{', '.join(f'{k} {v}' for k, v in sorted(tensors.items())) or '-'} |"
        )
    return lines


def _arm_section(report: dict) -> list[str]:
    """verify.arm: every file on the aarch64 build of its runtime, under emulation, against the same file on x86."""
    arm = (report.get("verify") or {}).get("arm")
    if not arm:
        return []
    m = arm.get("machine") or {}
    versions = ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items())
    lines = [
        "",
        f"## On aarch64 ({arm['cpu']}, emulated)",
        "",
        f"Each file on the aarch64 build of its runtime under qemu ({m.get('arch')}, ISA seen by the runtimes: "
        f"{', '.join(m.get('isa') or []) or 'none listed'}; {versions}), on the same {arm['samples']} samples. "
        "This checks the ARM kernels' numerics, not latency.",
        "",
        "| artifact | top-1 x86 | top-1 aarch64 | agreement | max abs diff |",
        "|---|---|---|---|---|",
    ]
    for a in report["artifacts"]:
        r = (a.get("accuracy") or {}).get("arm")
        if r:
            figures = f"{r['top1_x86']:.4f} | {r['top1']:.4f} | {r['agreement']:.4f} | {r['max_abs_diff']:.3g}"
            lines.append(f"| {a['name']} | {figures} |")
    return lines


def render_markdown(report: dict) -> str:
    from edgeopt.report.quantization import budget_section, sensitivity_section

    lines = [f"# edgeopt report: {report['recipe']}", ""]
    verify, bench, model = report.get("verify"), report.get("bench"), report["model"]
    if verify:
        lines.append(
            accuracy_lead(verify)
            + " "
            + (
                "Drop is relative: percent of the starting top-1."
                if verify["drop_type"] == "relative"
                else "Drop is absolute, in points of top-1 (1 pt = 0.01)."
            )
        )
    lines.append(
        f"Model `{model['name']}` ({model['parameters']:,} parameters), data {report['data']['input_shape']} "
        f"x {report['data']['num_classes']} classes, samples {report['data']['samples']}."
    )
    if model.get("route_note"):
        lines.append(f"Route: `{model.get('route', 'builder')}`: {model['route_note']}.")
    if bench:
        m = bench["machine"]
        isa = ", ".join(m["isa"]) or "no listed ISA extensions"
        lines.append(
            f"Latency: batch {bench['batch']}, {bench['threads']} thread(s), each file in its own process, "
            f"{bench.get('rounds', 1)} interleaved round(s) of {bench['warmup']} warm-up + at least {bench['runs']} "
            f"runs, on {m['cpu']} ({isa}). "
            "'vs float32' is the float32 p50 of the same format divided by this file's p50."
        )
    lines += ["", "| " + " | ".join(headers(report)) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(r) + " |" for r in artifact_rows(report)]
    if report.get("failed_parts"):
        lines += [
            "",
            "## Failed parts",
            "",
            "These parts failed; everything above was measured and is kept. The run exits 4.",
            "",
            "| part | error |",
            "|---|---|",
        ]
        for f in report["failed_parts"]:
            lines.append(f"| {f['part']} | {f['error'].replace('|', '/')} |")
    if report["gates"]:
        lines += ["", "## Gates", "", "| gate | artifact | limit | value | result |", "|---|---|---|---|---|"]
        for g in report["gates"]:
            lines.append(
                f"| {g['gate']} | {g['artifact']} | {g['limit']:.4f} | {g['value']:.4f} | "
                f"{'pass' if g['passed'] else '**FAIL**'} |"
            )
    for a in report["artifacts"]:
        speed = a.get("speed")
        if speed and speed.get("reason"):
            head = "kept float for speed" if speed.get("kept") else "speed variant not kept"
            lines += ["", f"**{a['name']}: {head}.** {speed['reason']}."]
        why = (a.get("latency") or {}).get("slower_than_float32")
        if why:
            lines += ["", f"**{a['name']} is slower than its float32 file.** " + "; ".join(why["reasons"]) + "."]
            if why.get("int8_profile_us"):
                top = list(why["int8_profile_us"].items())[:5]
                lines.append("onnxruntime profile, us per run: " + ", ".join(f"{k} {v}" for k, v in top) + ".")
    remote = (bench or {}).get("remote")
    if remote:
        lines += ["", f"## On {remote['target']}", ""]
        if remote.get("emulated"):
            lines.append(
                "Emulated (qemu): these timings show the ARM kernels ran the files; emulation is about 200x slower "
                "than a real core, so they are not latency and enter no speed-up, gate or baseline."
            )
        if "error" in remote:
            lines.append(f"Measurement failed (local results above are unaffected): {remote['error']}")
        else:
            lines += ["| artifact | p50 ms | p90 ms | runs |", "|---|---|---|---|"]
            for a in remote["artifacts"]:
                p90 = "-" if a.get("p90_ms") is None else f"{a['p90_ms']:.3f}"
                p50 = a["p50_ms"] if a.get("p50_ms") is not None else a["mean_ms"]
                lines.append(f"| {a['name']} | {p50:.3f} | {p90} | {a['runs']} |")
    lines += _arm_section(report)
    causes = (verify or {}).get("error_by_cause") or {}
    if causes:
        lines += [
            "",
            "## Where drift comes from",
            "",
            "| comparison | top-1 agreement | top-1 delta (pts) | SQNR dB |",
            "|---|---|---|---|",
        ]
        for name, c in causes.items():
            label = name.replace("_", " ")
            lines.append(f"| {label} | {c['agreement']:.4f} | {c['top1_delta'] * 100:+.2f} | {c['sqnr_db']:.1f} |")
    lines += sensitivity_section(report) + budget_section(report)
    lines += contents_table(report)
    lines += ["", f"Result: **{'PASS' if report['passed'] else 'FAIL'}**", ""]
    for a in report["artifacts"]:
        if a["precision"] == "int8" and a["format"] in formats.FORMATS:
            lines.append(formats.FORMATS[a["format"]].int8_summary(a))
    return "\n".join(lines) + "\n"
