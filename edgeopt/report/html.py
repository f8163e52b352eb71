"""report.html: one self-contained file (inline SVG plots from matplotlib, inline CSS, no network) with the
tables of report.md. A few lines of inline script check, once the page is laid out, that every plot has a
size on screen; they record the count on <body data-plots-rendered> and log a console error otherwise."""

from __future__ import annotations

import html
import io

from edgeopt.report.markdown import render_markdown

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #1d1d1f; }
h1, h2, h3 { font-weight: 600; } table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #d0d0d7; padding: 3px 8px; text-align: right; } th { background: #f3f3f7; }
td:first-child, th:first-child { text-align: left; } code { font-size: 12px; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(500px, 1fr)); gap: 1em; }
figure { margin: 0; border: 1px solid #e3e3ea; border-radius: 6px; padding: .5em; }
figcaption { font-size: 12px; color: #555; } svg { width: 100%; height: auto; } .wide { grid-column: 1 / -1; }
"""
SELF_CHECK = """<script>
(() => {
  const plots = [...document.querySelectorAll("figure.plot svg")];
  const shown = plots.filter((s) => { const b = s.getBoundingClientRect(); return b.width > 50 && b.height > 50; });
  document.body.dataset.plotsRendered = String(shown.length);
  if (shown.length !== plots.length) console.error(`report: ${shown.length} of ${plots.length} plots rendered`);
})();
</script>"""


def pareto_front(points: list[tuple[float, float, str]]) -> list[str]:
    """Names of the points no other point beats on both axes: lower latency (x) and higher accuracy (y)."""
    front = []
    for x, y, name in points:
        if not any((x2 <= x and y2 >= y) and (x2 < x or y2 > y) for x2, y2, _ in points):
            front.append(name)
    return front


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _figure(plot_id: str, svg: str, caption: str, wide: bool = False) -> str:
    cls = "plot wide" if wide else "plot"
    return f'<figure id="{plot_id}" class="{cls}">{svg}<figcaption>{html.escape(caption)}</figcaption></figure>'


def _tradeoff(arts: list[dict]) -> str | None:
    import matplotlib.pyplot as plt

    measured = [a for a in arts if a.get("accuracy") and a.get("latency")]
    if not measured:
        return None
    points = [(a["latency"]["p50_ms"], a["accuracy"]["top1"], a["name"]) for a in measured]
    front = set(pareto_front(points))
    fig, ax = plt.subplots(figsize=(6, 4))
    biggest = max(a["bytes"] for a in measured)
    for a in measured:
        x, y = a["latency"]["p50_ms"], a["accuracy"]["top1"]
        on = a["name"] in front
        ax.scatter(
            x,
            y,
            s=60 + 600 * a["bytes"] / biggest,
            color=_color(a["format"]),
            alpha=0.55,
            edgecolors="black" if on else "none",
            linewidths=2 if on else 0,
        )
        ax.annotate(
            f"{a['name']} ({a['bytes'] / 1024:,.0f} KiB)", (x, y), fontsize=8, xytext=(6, 4), textcoords="offset points"
        )
    line = sorted((p for p in points if p[2] in front), key=lambda p: p[0])
    ax.plot([p[0] for p in line], [p[1] for p in line], "k--", linewidth=1, label="Pareto front")
    ax.set_xlabel("p50 latency, ms (batch 1)")
    ax.set_ylabel("top-1")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    caption = f"Accuracy vs latency; marker area = file size; outlined: Pareto front ({', '.join(sorted(front))})."
    return _figure("plot-tradeoff", _svg(fig), caption)


def _sensitivity(arts: list[dict]) -> str | None:
    import matplotlib.pyplot as plt

    diag = [a for a in arts if (a.get("diagnosis") or {}).get("layers")]
    if not diag:
        return None
    fig, axes = plt.subplots(1, len(diag), figsize=(6 * len(diag), 4), squeeze=False)
    for ax, a in zip(axes[0], diag, strict=True):
        rows = a["diagnosis"]["layers"][:12][::-1]
        ax.barh(
            [r["layer"] or r["tensor"][-30:] for r in rows],
            [r["sqnr_db"] for r in rows],
            color=_color(a["format"]),
        )
        ax.set_title(a["name"], fontsize=10)
        ax.set_xlabel("SQNR, dB (lower = more sensitive)")
        ax.tick_params(axis="y", labelsize=7)
    caption = "Most sensitive layers: SQNR of each tensor's own quantization."
    return _figure("plot-sensitivity", _svg(fig), caption, wide=len(diag) > 1)


def _color(fmt: str) -> str:
    from edgeopt import formats

    return formats.FORMATS[fmt].color if fmt in formats.FORMATS else "gray"


def _sparsity(arts: list[dict]) -> str | None:
    import matplotlib.pyplot as plt

    # The first file that lists its kernels (TFLite reads them from the flatbuffer): sparsity per weighted layer.
    tfl = next((a for a in arts if a.get("contents", {}).get("weights")), None)
    if tfl is None:
        return None
    weights = tfl["contents"]["weights"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(range(len(weights)), [w.get("sparsity", 0.0) for w in weights], color=_color(tfl["format"]))
    ax.set_xlabel("weighted layer (file order)")
    ax.set_ylabel("share of zero weights")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3, axis="y")
    mean = sum(w.get("sparsity", 0.0) for w in weights) / len(weights)
    caption = f"Per-layer weight sparsity read from {tfl['file']} (mean {mean:.3f})."
    return _figure("plot-sparsity", _svg(fig), caption)


def _latency(arts: list[dict]) -> str | None:
    import matplotlib.pyplot as plt

    timed = [a for a in arts if a.get("latency")]
    if not timed:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, a in enumerate(timed):
        lat, color = a["latency"], _color(a["format"])
        ax.plot([i, i], [lat["min_ms"], lat["p99_ms"]], color=color, linewidth=1)
        ax.add_patch(
            plt.Rectangle((i - 0.2, lat["p50_ms"]), 0.4, lat["p90_ms"] - lat["p50_ms"], color=color, alpha=0.4)
        )
        ax.plot([i - 0.2, i + 0.2], [lat["p50_ms"]] * 2, color="black", linewidth=1.5)
        rounds = lat.get("round_p50_ms") or []
        ax.scatter([i + 0.3] * len(rounds), rounds, s=10, color="black")
    ax.set_xticks(range(len(timed)), [a["name"] for a in timed], rotation=20, fontsize=8)
    ax.set_ylabel("ms (batch 1)")
    ax.grid(alpha=0.3, axis="y")
    caption = "Latency distribution: line min..p99, box p50..p90 (bar = p50), dots = each round's p50."
    return _figure("plot-latency", _svg(fig), caption)


def render_html(report: dict) -> str:
    import markdown
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    arts = report["artifacts"]
    plots = [p for p in (_tradeoff(arts), _sensitivity(arts), _sparsity(arts), _latency(arts)) if p]
    body = markdown.markdown(render_markdown(report).split("\n", 1)[1], extensions=["tables"])
    title = html.escape(f"edgeopt report: {report['recipe']}")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<style>{CSS}</style></head><body><h1>{title}</h1><section class="plots">{"".join(plots)}</section>'
        f"{body}{SELF_CHECK}</body></html>\n"
    )
