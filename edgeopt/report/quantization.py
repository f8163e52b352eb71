"""report.md sections for post-training int8 files: the per-layer diagnosis and the accuracy-budget attempts."""

from __future__ import annotations

from edgeopt import formats

TOP_LAYERS = 10


def sensitivity_section(report: dict) -> list[str]:
    lines: list[str] = []
    for a in report["artifacts"]:
        d = a.get("diagnosis")
        if not d:
            continue
        if not lines:
            lines += [
                "",
                "## Most sensitive layers",
                "",
                "SQNR of the noise each tensor's own quantization adds, against the float model's activation "
                "at that tensor (lower is worse; 8-bit tensors usually sit near 40 dB).",
            ]
        if "error" in d:
            lines += ["", f"{a['name']}: diagnosis failed: {d['error']}"]
            continue
        key, title = formats.get(a["format"]).diagnosis_column
        note = f"; {d['note']}" if "note" in d else ""
        lines += [
            "",
            f"### {a['name']} ({d['tool']}, {d['samples']} val samples{note})",
            "",
            f"| rank | layer | tensor | SQNR dB | {title} |",
            "|---|---|---|---|---|",
        ]
        for r in d["layers"][:TOP_LAYERS]:
            extra = r.get(key)
            extra = f"{extra:.1f}" if isinstance(extra, float) else (extra or "-")
            lines.append(f"| {r['rank']} | {r['layer'] or '-'} | `{r['tensor']}` | {r['sqnr_db']:.1f} | {extra} |")
    return lines


def budget_section(report: dict) -> list[str]:
    lines: list[str] = []
    for a in report["artifacts"]:
        b = a.get("budget")
        if not b:
            continue
        lines += [
            "",
            f"## Accuracy budget: {a['name']}",
            "",
            f"Budget: drop at most {b['limit']} ({b['drop_type']}) on the {b['split']} split, float Keras "
            f"top-1 {b['float_top1']:.4f}. Latency is a short in-process batch-1 median, to compare attempts.",
            "",
            "| attempt | precision | top-1 | drop | p50 ms | size | result |",
            "|---|---|---|---|---|---|---|",
        ]
        for t in b["attempts"]:
            if "top1" not in t:
                why = f"skipped: {t['skipped']}" if "skipped" in t else f"failed: {t['failed']}"
                lines.append(f"| {t['label']} | - | - | - | - | - | {why} |")
                continue
            result = "meets budget" if t["meets_budget"] else "misses budget"
            lines.append(
                f"| {t['label']} | {t['precision']} | {t['top1']:.4f} | {t['drop']:+.4f} | {t['latency_p50_ms']:.3f} | "
                f"{t['bytes']:,} B | {result} |"
            )
        lines.append("")
        lines.append(f"Kept: **{b['chosen']}** ({a['file']})." if b["met"] else f"**Budget missed**: {b['reason']}.")
    return lines
