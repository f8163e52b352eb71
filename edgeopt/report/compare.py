"""`edgeopt report A B`: two runs side by side, per artifact."""

from __future__ import annotations

from edgeopt.report.markdown import starting_top1


def _get(a: dict | None, *path):
    for key in path:
        if not isinstance(a, dict):
            return None
        a = a.get(key)
    return a


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _start(report: dict) -> float | None:
    return starting_top1(report["verify"]) if report.get("verify") else None


def compare_markdown(a: dict, b: dict, label_a: str, label_b: str) -> str:
    lines = [
        f"# {label_a} vs {label_b}",
        "",
        f"Recipes: {a['recipe']} / {b['recipe']}. Starting float top-1: {_fmt(_start(a), '.4f')} / "
        f"{_fmt(_start(b), '.4f')}.",
        "",
        "| artifact | top-1 A | top-1 B | delta (pts) | size A | size B | p50 ms A | p50 ms B | vs float32 A | "
        "vs float32 B |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_a = {x["name"]: x for x in a["artifacts"]}
    by_b = {x["name"]: x for x in b["artifacts"]}
    for name in list(by_a) + [n for n in by_b if n not in by_a]:
        x, y = by_a.get(name), by_b.get(name)
        t1, t2 = _get(x, "accuracy", "top1"), _get(y, "accuracy", "top1")
        delta = None if t1 is None or t2 is None else (t2 - t1) * 100
        lines.append(
            f"| {name} | {_fmt(t1, '.4f')} | {_fmt(t2, '.4f')} | {_fmt(delta, '+.2f')} | "
            f"{_fmt(_get(x, 'bytes'), ',')} | {_fmt(_get(y, 'bytes'), ',')} | "
            f"{_fmt(_get(x, 'latency', 'p50_ms'), '.3f')} | {_fmt(_get(y, 'latency', 'p50_ms'), '.3f')} | "
            f"{_fmt(_get(x, 'latency', 'speedup_vs_float32'), '.2f')} | "
            f"{_fmt(_get(y, 'latency', 'speedup_vs_float32'), '.2f')} |"
        )
    lines += ["", "Latency of different machines is only comparable as 'vs float32' (same run, same format)."]
    return "\n".join(lines) + "\n"
