"""What a tune leaves in DIR: tune.json (every trial, candidate and skipped move), chosen.yaml (the recipe that
reproduces the chosen file with `edgeopt optimize`) and report.html (the Pareto front and why each was rejected)."""

from __future__ import annotations

import html
import io
import json
from dataclasses import asdict
from pathlib import Path

from edgeopt.atomic import write_text
from edgeopt.sweep.results import cell
from edgeopt.tune.budget import misses, pareto, size_kb
from edgeopt.tune.timing import store_file


def summary(search, outcome: dict) -> dict:
    b = search.s.budget
    cands = search.candidates()
    front = pareto(cands, b.size_metric)
    meeting = search.meeting()
    chosen = meeting[0] if meeting else (search.closest() or [None])[0]
    for c in cands:
        c["misses"] = {a: None if v == float("inf") else round(v, 6) for a, v in misses(c, b).items()}
        c["pareto"] = c["key"] in front
        c["verdict"] = _verdict(c, chosen)
    return {
        "recipe": str(search.base_path),
        "budget": asdict(b),
        "reference_top1": search.reference,
        "met": bool(meeting),
        "chosen": None if chosen is None else {**chosen, "meets": not chosen["misses"]},
        "trials": [{k: v for k, v in t.items() if k != "candidates"} for t in search.trials],
        "trials_run_now": search.ran,
        # Local timings by where they came from: measured now, this machine's store (the same bytes timed by an
        # earlier tune), or the trial's folder (a resumed search).
        "timings": {**search.timings, "store_file": str(store_file()), "retime": search.s.retime},
        "met_at_trial": search.met_at,
        "candidates": cands,
        "skipped_moves": [{"move": m, "for": want, "why": why} for (m, want), why in search.skipped.items()],
        **outcome,
    }


def _verdict(c: dict, chosen: dict | None) -> str:
    if chosen is not None and c["key"] == chosen["key"]:
        return "chosen" if not c["misses"] else "closest miss"
    if not c["misses"]:
        return "meets the budget; less accurate, larger or slower than the chosen one"
    return "misses " + ", ".join(_miss_text(a, v) for a, v in c["misses"].items())


def _miss_text(axis: str, by: float) -> str:
    if by is None:
        return f"{axis} (not measured)"
    unit = {"accuracy": " top-1 points", "latency": " ms p90", "size": " KiB"}[axis]
    value = by * 100 if axis == "accuracy" else by
    return f"{axis} by {value:.3g}{unit}"


def chosen_recipe(search, chosen: dict) -> str:
    """The trial's recipe exactly (so the files are the same bytes), with the base recipe's app bundles back."""
    from ruamel.yaml import YAML

    from edgeopt.tune.search import trial_recipe

    recipe = trial_recipe(search.base, chosen["overrides"], search.s)
    recipe["export"]["bundle"] = list((search.base.get("export") or {}).get("bundle") or [])
    recipe["name"] = f"{search.base.get('name', 'recipe')}-tuned"
    buf = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(recipe, buf)
    misses_note = (
        "meets the budget"
        if not chosen["misses"]
        else "closest miss: " + "; ".join(_miss_text(a, v) for a, v in chosen["misses"].items())
    )
    head = (
        f"# edgeopt tune: {chosen['artifact']} of trial {chosen['trial']} ({' + '.join(chosen['moves']) or 'base'})\n"
        f"# top-1 {chosen['top1']:.4f}, p90 {chosen['p90_ms'] or float('nan'):.3f} ms, {chosen['bytes']} bytes; "
        f"{misses_note}.\n"
        f"# `edgeopt optimize` on this file makes the same files: TFLite byte for byte (this one: sha256 "
        f"{chosen['sha256'][:16]}...), ONNX\n# the same graph and weights (tf2onnx numbers a few constants in "
        f"Python's per-process hash order)\n"
        f"# where TensorFlow trains with {search.s.trial_cpus} thread(s), as the trial did (the default on a "
        f"{search.s.trial_cpus}-core machine; else set TF_NUM_INTRAOP_THREADS={search.s.trial_cpus}).\n"
    )
    return head + buf.getvalue()


def write_outputs(search, result: dict, out_dir: Path) -> None:
    write_text(out_dir / "tune.json", json.dumps(result, indent=2, default=str) + "\n")
    if result["chosen"] is not None:
        write_text(out_dir / "chosen.yaml", chosen_recipe(search, result["chosen"]))
    write_text(out_dir / "report.html", _html(result))


def _html(result: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from edgeopt.report.html import CSS, SELF_CHECK, _figure, _svg

    b, cands = result["budget"], result["candidates"]
    measured = [c for c in cands if c.get("p90_ms") is not None]
    figures = ""
    if measured:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        biggest = max(size_kb(c, b["size_metric"]) for c in measured)
        for c in measured:
            chosen = c["verdict"] in ("chosen", "closest miss")
            ax.scatter(
                c["p90_ms"],
                c["top1"],
                s=40 + 500 * size_kb(c, b["size_metric"]) / biggest,
                alpha=0.5,
                color="#2ca02c" if chosen else "#d62728" if c["pareto"] else "#1f77b4",
                edgecolors="black" if c["pareto"] or chosen else "none",
            )
            if c["pareto"] or chosen:
                ax.annotate(c["key"], (c["p90_ms"], c["top1"]), fontsize=6)
        if b["max_p90_ms"] is not None:
            ax.axvline(b["max_p90_ms"], color="gray", linestyle="--", linewidth=1)
        if result["reference_top1"] is not None:
            ax.axhline(result["reference_top1"] - b["max_drop"], color="gray", linestyle="--", linewidth=1)
        ax.set_xlabel("p90 latency, ms (batch 1)")
        ax.set_ylabel("top-1")
        ax.grid(alpha=0.3)
        caption = (
            "Every candidate (size = marker area); red, outlined: the Pareto front over top-1, p90 and size; green: "
            "the chosen one; dashed: the budget."
        )
        figures = _figure("plot-tune-pareto", _svg(fig), caption, wide=True)
    # p90_first_ms / p90_again_ms: a near miss timed twice (tune/confirm.py); p90_ms is the smaller.
    keys = ["key", "moves", "top1", "drop", "p90_ms", "p90_first_ms", "p90_again_ms", "bytes", "gzip_bytes"]
    keys += ["pareto", "verdict"]
    head = "".join(f"<th>{k}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(c.get(k)))}</td>" for k in keys) + "</tr>" for c in cands)
    trials = "".join(
        f"<tr><td>{html.escape(t['id'])}</td><td>{html.escape(t.get('status') or '')}</td>"
        f"<td>{html.escape(cell(t.get('seconds')))}</td><td>{html.escape(t.get('error') or '')}</td></tr>"
        for t in result["trials"]
    )
    skipped = "".join(
        f"<li>{html.escape(s['move'])} (for {html.escape(s['for'])}): {html.escape(s['why'])}</li>"
        for s in result["skipped_moves"]
    )
    chosen = result["chosen"]
    verdict = (
        "no candidate"
        if chosen is None
        else f"{'chosen' if chosen['meets'] else 'closest miss'}: {chosen['key']} ({cell(chosen['moves']) or 'base'})"
    )
    title = html.escape(f"edgeopt tune: {Path(result['recipe']).name}")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{CSS}'
        f"</style></head><body><h1>{title}</h1><p>Budget: {html.escape(json.dumps(b))}. Reference top-1 "
        f"{cell(result['reference_top1'])}. {html.escape(verdict)}. Stopped: {html.escape(result['stopped'])}.</p>"
        f'<section class="plots">{figures}</section><h2>Candidates</h2><table><tr>{head}</tr>{body}</table>'
        f"<h2>Trials</h2><table><tr><th>trial</th><th>status</th><th>seconds</th><th>error</th></tr>{trials}"
        f"</table><h2>Moves skipped</h2><ul>{skipped}</ul>{SELF_CHECK}</body></html>\n"
    )
