"""results.csv / results.json (one row per trial and artifact) and report.html with the Pareto front."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

from edgeopt.atomic import write_text
from edgeopt.pipeline.run_dir import RunDir

COLUMNS = ["trial", "status", "artifact", "top1", "drop", "bytes", "p50_ms", "speedup_vs_float32", "error"]


def collect(trials: list[dict], sweep_dir: Path) -> list[dict]:
    rows = []
    for t in trials:
        base = {
            "trial": t["id"],
            "status": t["status"],
            "error": t.get("error") or "",
            **{f"set:{k}": v for k, v in t["overrides"].items()},
        }
        report_file = RunDir(sweep_dir / t["id"]).report_json
        arts = json.loads(report_file.read_text())["artifacts"] if report_file.is_file() else []
        if not arts:
            rows.append({**base, "artifact": ""})
        for a in arts:
            acc, lat = a.get("accuracy") or {}, a.get("latency") or {}
            rows.append(
                {
                    **base,
                    "artifact": a["name"],
                    "top1": acc.get("top1"),
                    "drop": acc.get("drop"),
                    "bytes": a["bytes"],
                    "p50_ms": lat.get("p50_ms"),
                    "speedup_vs_float32": lat.get("speedup_vs_float32"),
                }
            )
    return rows


def pareto(rows: list[dict]) -> set[int]:
    """Indexes of rows no other row beats on all three: higher top-1, lower latency, smaller file."""
    pts = [
        (i, r["top1"], r["p50_ms"], r["bytes"])
        for i, r in enumerate(rows)
        if r.get("top1") is not None and r.get("p50_ms") is not None
    ]
    front = set()
    for i, a, lat, size in pts:
        dominated = any(
            a2 >= a and l2 <= lat and s2 <= size and (a2, l2, s2) != (a, lat, size) for _, a2, l2, s2 in pts
        )
        if not dominated:
            front.add(i)
    return front


def write_results(rows: list[dict], sweep_dir: Path, name: str) -> None:
    front = pareto(rows)
    for i, r in enumerate(rows):
        r["pareto"] = i in front
    keys = COLUMNS + sorted({k for r in rows for k in r if k.startswith("set:")}) + ["pareto"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_text(sweep_dir / "results.csv", buf.getvalue())
    write_text(sweep_dir / "results.json", json.dumps({"sweep": name, "rows": rows}, indent=2, default=str) + "\n")
    write_text(sweep_dir / "report.html", _html(rows, keys, name))


def _html(rows: list[dict], keys: list[str], name: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from edgeopt.report.html import CSS, SELF_CHECK, _figure, _svg

    measured = [r for r in rows if r.get("top1") is not None and r.get("p50_ms") is not None]
    figures = ""
    if measured:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        biggest = max(r["bytes"] for r in measured)
        for r in measured:
            ax.scatter(
                r["p50_ms"],
                r["top1"],
                s=40 + 500 * r["bytes"] / biggest,
                alpha=0.5,
                color="#d62728" if r["pareto"] else "#1f77b4",
                edgecolors="black" if r["pareto"] else "none",
            )
            if r["pareto"]:
                ax.annotate(f"{r['trial']}:{r['artifact']}", (r["p50_ms"], r["top1"]), fontsize=7)
        ax.set_xlabel("p50 latency, ms (batch 1)")
        ax.set_ylabel("top-1")
        ax.grid(alpha=0.3)
        caption = "Every trial's artifacts; red, outlined: the Pareto front over accuracy, latency and size."
        figures = _figure("plot-sweep-pareto", _svg(fig), caption, wide=True)
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(r.get(k)))}</td>" for k in keys) + "</tr>" for r in rows)
    title = html.escape(f"edgeopt sweep: {name}")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{CSS}'
        f'</style></head><body><h1>{title}</h1><section class="plots">{figures}</section>'
        f"<table><tr>{head}</tr>{body}</table>{SELF_CHECK}</body></html>\n"
    )


def cell(v) -> str:
    """A value as a table cell: floats to 4 places, lists joined with +, None empty."""
    if isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, list):
        return " + ".join(map(str, v))
    return "" if v is None else str(v)
