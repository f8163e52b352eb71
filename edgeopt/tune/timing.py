"""Latency of a tune's candidates, measured by the tune process itself on this machine, once per file and settings.

A trial's own bench stage times its files wherever the trial runs. Inside a Ray worker that is slower than the same
files timed from a plain process, even on an idle one-node cluster (the quickstart's 2-thread int8 TFLite file: p90
0.412 ms in the trial on Ray, 0.261 ms in the local trial), so local and Ray searches walked apart; on a real
cluster the worker would not even be the machine the files are for. (A Ray tune's own timings after its rounds
still measured 1.4-2.1x the local ones on this machine, a slowdown a controlled A/B did not reproduce.) So when the
target is this machine, trials run without their bench stage and the tune process times each finished trial's files
after its round, in one interleaved session under the device lock, with the trial recipe's bench settings (threads,
XNNPACK, graph level, AMX). Timings are kept in the trial folder keyed by the file's sha256 and those settings, so
a resumed search reads them instead of measuring again and walks the same path.

They are also kept in this machine's latency store (store_file(): one file per CPU fingerprint and runtime
versions), read by every later tune here: a Ray or resumed search, or a tune for another budget, that builds the
same bytes reuses their timing instead of measuring them again. That is what makes two searches of the same space
on one machine choose alike when a candidate's p90 sits within noise of the limit (a fresh measurement there is a
coin flip), and it saves the timing. `edgeopt tune --retime` measures every file again (and updates the store).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

from edgeopt.atomic import write_text
from edgeopt.errors import ToolchainError

log = logging.getLogger(__name__)

TIMING_FILE = "latency.json"
KEPT = ("p50_ms", "p90_ms", "runs")
QUIET = 0.10  # share of all CPUs busy (others' work: this process sleeps meanwhile) below which timing starts
SETTINGS = ("threads", "warmup", "runs", "min_seconds", "rounds", "xnnpack", "ort_opt", "amx")
STORE_ENV = "EDGEOPT_LATENCY_STORE"  # a folder; default ~/.cache/edgeopt/latency
RUNTIMES = ("ai-edge-litert", "onnxruntime")


def foreign(fmt: str) -> set[str]:
    """Bench settings only another format's runtime reads: an ONNX file timed with XNNPACK off is the same
    measurement as with it on, and is not timed twice (nor its noise counted as a difference)."""
    from edgeopt.formats import FORMATS

    return {s for name, f in FORMATS.items() if name != fmt for s in f.bench_settings}


def key(sha256: str, bench: dict, fmt: str | None = None) -> str:
    skip = foreign(fmt) if fmt else set()
    return sha256 + ":" + json.dumps({k: bench.get(k) for k in SETTINGS if k not in skip}, sort_keys=True)


def store_file() -> Path:
    """This machine's latency store: timings are only comparable on the same CPU with the same runtimes."""
    from edgeopt.runtime.environment import library_versions, machine_key
    from edgeopt.version import __version__

    versions = {k: library_versions().get(k) for k in RUNTIMES}
    finger = json.dumps({**machine_key(), **versions, "edgeopt": __version__}, sort_keys=True)
    folder = Path(os.environ.get(STORE_ENV) or Path.home() / ".cache" / "edgeopt" / "latency")
    return folder / (hashlib.sha256(finger.encode()).hexdigest()[:16] + ".json")


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def timed(
    run_dir: Path, files: dict[str, tuple[Path, str]], bench: dict, cache: str = TIMING_FILE, reuse: bool = True
) -> dict:
    """name -> {p50_ms, p90_ms, runs, measured_at, source} for `files` (name -> (path, sha256)): from run_dir/cache
    where measured for this trial before (source "folder"), else from this machine's store unless reuse is off
    ("store"), else measured now in one interleaved session ("now"); the last two are added to run_dir/cache."""
    path = run_dir / cache
    done = _load(path)
    from edgeopt.formats import for_path

    keys = {n: key(sha, bench, for_path(p).name) for n, (p, sha) in files.items()}
    for n, (_, sha) in files.items():  # a folder timed before the key left out the other runtime's settings
        old = key(sha, bench)
        if keys[n] not in done and old in done:
            done[keys[n]] = done[old]
    source = {n: "folder" for n in files if keys[n] in done}
    missing = {n: p for n, (p, _) in files.items() if keys[n] not in done}
    if missing:
        store = store_file()
        try:
            got = _from_store_or_measured(
                store, {n: (p, f"{cache}:{keys[n]}") for n, p in missing.items()}, bench, reuse
            )
        except ToolchainError as exc:  # no latency (it counts as missed) and nothing kept: tried again on resume
            log.warning("tune: timing %s failed: %s", run_dir.name, exc)
            return {n: {**dict.fromkeys(KEPT), "source": None} for n in files}
        for n, (record, where) in got.items():
            done[keys[n]], source[n] = record, where
        write_text(path, json.dumps(done, indent=2, sort_keys=True) + "\n")
        reused = sorted(n for n in missing if source[n] == "store")
        if reused:
            log.info("tune: %s: %s timed before on this machine (%s), not measured again", run_dir.name, reused, store)
    return {n: {**done[keys[n]], "source": source[n]} for n in files}


def _from_store_or_measured(store: Path, todo: dict[str, tuple[Path, str]], bench: dict, reuse: bool) -> dict:
    """name -> (record, "store" | "now"), under the machine's device lock: the store is read and written by one
    tune at a time, and no other edgeopt measurement runs beside this one."""
    from edgeopt.runtime.device_lock import device_lock

    with device_lock("local"):
        kept = _load(store) if reuse else {}
        out = {n: (kept[k], "store") for n, (_, k) in todo.items() if k in kept}
        measure = {n: pk for n, pk in todo.items() if n not in out}
        if measure:
            measured = _measure([p for p, _ in measure.values()], bench)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            for n, (p, _) in measure.items():
                out[n] = ({**measured[str(p)], "measured_at": stamp}, "now")
            kept = _load(store)  # written whole: another tune may have added to it since it was read
            kept.update({k: out[n][0] for n, (_, k) in measure.items()})
            write_text(store, json.dumps(kept, indent=1, sort_keys=True) + "\n")
    return out


def _measure(files: list[Path], bench: dict) -> dict[str, dict]:
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import MeasureSettings

    wait_quiet()
    result = run_bench(files, [bench["threads"]], bench["rounds"], MeasureSettings.of(bench))
    return {r["model"]: {k: r.get(k) for k in KEPT} for r in result["results"]}


def _busy() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat (None where there is none)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def wait_quiet(limit: float = QUIET, window: float = 0.5, patience: float = 60.0) -> float:
    """Wait until the CPUs were at most `limit` busy over `window` seconds, or `patience` seconds have passed;
    returns the seconds waited. The round's trial processes can still be exiting when it ends, and a Ray cluster
    prestarts a worker that imports for seconds (seen here at 40-70% of a core during the first timings after a
    Ray round); timing then would add their time to the files'."""
    import time

    start = time.monotonic()
    before = _busy()
    while before is not None and time.monotonic() - start < patience:
        time.sleep(window)
        after = _busy()
        if after is None or after[1] == before[1] or (after[0] - before[0]) / (after[1] - before[1]) <= limit:
            break
        before = after
    waited = time.monotonic() - start
    if waited > 2 * window:
        log.info("tune: waited %.1f s for the machine to be quiet before timing", waited)
    return waited
