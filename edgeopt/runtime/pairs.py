"""`edgeopt bench`'s answer to "is my int8 file faster?": each quantized file against the float file of its own
format (the first given), at each thread count, with the format backend's explanation when it is slower."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def _kind(path: Path):
    """(format backend, contents, integer?) of a file, or None when its backend cannot read it (an .ort file)."""
    from edgeopt.formats import for_path

    backend = for_path(path)
    try:
        contents = backend.read(path)
    except Exception as exc:  # unpaired, not fatal: the latency figures stand on their own
        log.info("bench: %s not paired (%s: %s)", path.name, type(exc).__name__, exc)
        return None
    return backend, contents, backend.is_integer(contents)


def pair_results(result: dict, explain: bool) -> list[dict]:
    """Pairs of one result of run_bench: {"format", "quantized", "float", "threads", "ratio" (quantized p50 /
    float p50), "slower_than_float"?}. `explain`: ask the backend why a slower file is slower (it may profile both
    files on this machine, so only for local measurements)."""
    rows = result["results"]
    kinds = {r["model"]: _kind(Path(r["model"])) for r in rows}
    out = []
    for row in rows:
        kind = kinds[row["model"]]
        if kind is None or not kind[2]:
            continue
        backend, contents, _ = kind
        base = next(
            (
                r
                for r in rows
                if r["threads"] == row["threads"]
                and kinds[r["model"]] is not None
                and kinds[r["model"]][0] is backend
                and not kinds[r["model"]][2]
            ),
            None,
        )
        if base is None:
            continue
        key = "p50_ms" if row["p50_ms"] is not None and base["p50_ms"] is not None else "mean_ms"
        pair = {
            "format": backend.name,
            "quantized": row["model"],
            "float": base["model"],
            "threads": row["threads"],
            "ratio": row[key] / base[key],
            "ratio_of": key,
        }
        if pair["ratio"] > 1 and explain:
            from edgeopt.runtime.amx import with_amx_reason

            why = backend.explain_slower(Path(row["model"]), Path(base["model"]), contents, row["threads"])
            pair["slower_than_float"] = with_amx_reason(why, row.get("settings", {}).get("amx"), backend.name)
        out.append(pair)
    return out
