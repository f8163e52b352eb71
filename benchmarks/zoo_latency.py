"""Every registered builder at its canonical input (random weights, 10 classes, 100 digits calibration samples in
the builder's layout): `edgeopt optimize` with the recipe defaults (per-layer diagnosis, speed variant) writes
float32 and int8 TFLite and ONNX files; the raw tools (benchmarks/raw_tools.py --builder: TFLiteConverter
full-int8, tf2onnx, onnxruntime quantize_static defaults) convert the same architecture with the same calibration
samples. All eight files are then timed in one interleaved session (edgeopt.runtime.bench: each measurement in its
own process, 1 thread, XNNPACK on, 3 rounds), and on a CPU with AMX once more with AMX refused to the measuring
processes (bench.amx: false), as a CPU without it (every ARM board) runs them. The CPU is recorded per row. Peak
RSS and wall time of both processes from `/usr/bin/time -v`.
An int8 file of edgeopt's measured slower than float32 of its format gets the explanation `edgeopt bench` gives
(`why_slower`). Writes benchmarks/results/zoo_latency.json (resumable: models already there are skipped unless
--force) and prints the README's markdown table.

    .venv/bin/python benchmarks/zoo_latency.py [--force] [MODEL ...]     # default: every builder
    .venv/bin/python benchmarks/zoo_latency.py --table                    # the table from the JSON only

The pipeline's verify and bench stages are left out of the recipe: the random-weight accuracy says nothing, and
the latency is measured here with the raw files in the same session.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from scale import timed

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "zoo_latency.json"
CALIBRATION = 100
FILES = [f"{fmt}_{p}" for fmt in ("tflite", "onnx") for p in ("float32", "int8")]
log = logging.getLogger("zoo_latency")


def data_section(arch: str) -> dict:
    from edgeopt.models._registry import default_input_shape

    shape = default_input_shape(arch)
    data = {"source": "digits"}
    if len(shape) == 2:  # (steps, features): each image read row by row
        return {**data, "image_size": shape[0], "channels": shape[1] // shape[0], "layout": "sequence"}
    if len(shape) == 4:  # (frames, size, size, channels)
        return {**data, "image_size": shape[1], "channels": shape[3], "layout": "clip", "frames": shape[0]}
    return {**data, "image_size": shape[0], "channels": shape[2]}


def recipe(arch: str) -> dict:
    return {
        "version": 1,
        "name": f"zoo_{arch}",
        "seed": 0,
        "data": data_section(arch),
        "model": {"arch": arch},
        "quantize": {"calibration_samples": CALIBRATION},
        "export": {"tflite": ["float32", "int8"], "onnx": ["float32", "int8"]},
    }


def edgeopt_run(arch: str, work: Path) -> tuple[dict, dict[str, Path], Path | None]:
    """(measurements, edgeopt's files by name, the run's calibration samples)."""
    path = work / f"{arch}.yaml"
    path.write_text(yaml.safe_dump(recipe(arch), sort_keys=False))
    out = work / f"run-{arch}"
    cli = "import sys; from edgeopt.cli import main; sys.exit(main())"
    run = timed([sys.executable, "-c", cli, "optimize", str(path), "-o", str(out)], work)
    del run["stdout"]
    export = next(out.glob("*-export-*/stage.json"), None)
    calibration = next(out.glob("*-quantize-*/calibration.npy"), None)
    files, speed = {}, {}
    if export:
        stage = json.loads(export.read_text())
        run["export_seconds"] = stage["seconds"]
        files = {name: export.parent / o["file"] for name, o in stage["outputs"].items() if name in FILES}
        for art in stage["result"]["artifacts"]:
            if art.get("speed"):
                speed[art["name"]] = {k: art["speed"].get(k) for k in ("kept", "kept_float_for_speed", "reason")}
            if art.get("diagnosis"):
                run.setdefault("diagnosis_samples", {})[art["name"]] = art["diagnosis"].get("samples")
    run["speed"] = speed
    return run, files, calibration


def raw_run(arch: str, work: Path, calibration: Path) -> tuple[dict, dict[str, Path]]:
    out = work / f"raw-{arch}"
    cmd = [
        sys.executable,
        str(HERE / "raw_tools.py"),
        arch,
        str(out),
        "--builder",
        "--calibration-file",
        str(calibration),
    ]
    run = timed(cmd, work)
    lines = run.pop("stdout").strip().splitlines()
    run["seconds"] = json.loads(lines[-1])["seconds"] if run["exit"] == 0 and lines else None
    files = {f"{fmt}_{p}": out / f"{p}.{fmt}" for fmt in ("tflite", "onnx") for p in ("float32", "int8")}
    return run, {k: v for k, v in files.items() if v.is_file()}


def interleaved(files: dict[str, Path], amx: bool = True) -> tuple[dict[str, float], dict]:
    """(p50 (ms) of every file, the machine's fingerprint): 1 thread, 3 interleaved rounds, each measurement in
    its own process; `amx` False: with AMX refused to the measuring processes (bench.amx: false)."""
    from edgeopt.runtime.bench import run_bench
    from edgeopt.runtime.targets import MeasureSettings

    paths = list(files.values())
    settings = MeasureSettings.defaults(warmup=3, min_runs=10, min_seconds=0.5, amx=amx)
    result = run_bench(paths, [1], 3, settings)
    by = {r["model"]: r["p50_ms"] for r in result["results"]}
    return {name: by[str(path)] for name, path in files.items()}, result["machine"]


def ratios(p50: dict[str, float], who: str) -> dict[str, float]:
    return {
        fmt: p50[f"{who}_{fmt}_int8"] / p50[f"{who}_{fmt}_float32"]
        for fmt in ("tflite", "onnx")
        if p50.get(f"{who}_{fmt}_int8") and p50.get(f"{who}_{fmt}_float32")
    }


def why_slower(files: dict[str, Path], fmt: str) -> dict:
    """The format backend's explanation (what `edgeopt bench` prints) for edgeopt's int8 file of `fmt` measured
    slower than its float32 file: for ONNX onnxruntime's per-operator profile of both files."""
    from edgeopt.formats import FORMATS

    backend = FORMATS[fmt]
    int8, float32 = files[f"{fmt}_int8"], files[f"{fmt}_float32"]
    try:
        return backend.explain_slower(int8, float32, backend.read(int8), 1)
    except Exception as exc:  # the timings stand without it
        return {"error": f"{type(exc).__name__}: {exc}"}


def measure(arch: str) -> dict:
    from edgeopt.models._registry import default_input_shape

    with tempfile.TemporaryDirectory(prefix="edgeopt-zoo-") as tmp:
        work = Path(tmp)
        ours, our_files, calibration = edgeopt_run(arch, work)
        row = {"input": list(default_input_shape(arch)), "calibration": CALIBRATION, "edgeopt": ours}
        if calibration is None:
            log.error("%s: edgeopt wrote no calibration samples; no raw run", arch)
            return row
        raw, raw_files = raw_run(arch, work, calibration)
        row["raw"] = raw
        files = {f"edgeopt_{k}": v for k, v in our_files.items()} | {f"raw_{k}": v for k, v in raw_files.items()}
        # The CPU matters: int8 against float differs by machine (an AMX Xeon runs big int8 GEMMs much faster).
        row["p50_ms"], row["machine"] = interleaved(files)
        row["int8_to_float32"] = {who: ratios(row["p50_ms"], who) for who in ("edgeopt", "raw")}
        if "amx_int8" in row["machine"]["isa"]:  # also as a CPU without AMX (every edge CPU) would run them
            row["p50_ms_no_amx"], _ = interleaved(files, amx=False)
            row["int8_to_float32_no_amx"] = {who: ratios(row["p50_ms_no_amx"], who) for who in ("edgeopt", "raw")}
        row["int8_slower"] = sorted(fmt for fmt, r in row["int8_to_float32"]["edgeopt"].items() if r > 1.0)
        row["why_slower"] = {fmt: why_slower(our_files, fmt) for fmt in row["int8_slower"]}
        shutil.rmtree(work, ignore_errors=True)
    if ours.get("peak_rss_bytes") and raw.get("peak_rss_bytes"):
        row["rss_ratio"] = ours["peak_rss_bytes"] / raw["peak_rss_bytes"]
    if ours.get("export_seconds") and raw.get("seconds"):
        row["export_time_ratio"] = ours["export_seconds"] / raw["seconds"]["conversions"]
    return row


def table(rows: dict) -> str:
    head = (
        "| builder | input | TFLite int8/fp32 edgeopt (raw) | ONNX int8/fp32 edgeopt (raw) | kept float for speed "
        "| edgeopt peak RSS / wall | raw peak RSS / wall | CPU |\n|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for arch, r in sorted(rows.items()):
        q = r.get("int8_to_float32", {})

        def pair(fmt, q=q, r=r):
            ours, raw = q.get("edgeopt", {}).get(fmt), q.get("raw", {}).get(fmt)
            text = f"{ours:.2f}" if ours else "-"
            text = f"**{text}**" if ours and ours > 1.0 else text
            text = f"{text} ({raw:.2f})" if raw else text
            no_amx = r.get("int8_to_float32_no_amx", {}).get("edgeopt", {}).get(fmt)
            return f"{text}; no AMX {no_amx:.2f}" if no_amx else text

        kept = ", ".join(
            sorted({op for s in r["edgeopt"].get("speed", {}).values() for op in (s.get("kept_float_for_speed") or {})})
        )

        def proc(run):
            if not run or not run.get("peak_rss_bytes"):
                return "-"
            if run.get("exit") not in (0, None):
                return f"failed: {run.get('error') or 'exit ' + str(run['exit'])}"
            return f"{run['peak_rss_bytes'] / 1e9:.1f} GB / {run['wall_seconds']:.0f} s"

        shape = "x".join(str(d) for d in r["input"])
        lines.append(
            f"| {arch} | {shape} | {pair('tflite')} | {pair('onnx')} | {kept or '-'} "
            f"| {proc(r['edgeopt'])} | {proc(r.get('raw'))} | {r.get('machine', {}).get('cpu') or 'not recorded'} |"
        )
    return head + "\n".join(lines)


def cheapest_first(models: list[str]) -> list[str]:
    """Smallest multiply-accumulate count first (benchmarks/results/zoo_table.json), so an interrupted run has
    measured the most builders."""
    table_file = HERE / "results" / "zoo_table.json"
    macs = {r["model"]: r["macs"] for r in json.loads(table_file.read_text())} if table_file.is_file() else {}
    return sorted(models, key=lambda m: macs.get(m, float("inf")))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*")
    parser.add_argument("--force", action="store_true", help="measure models already in the JSON again")
    parser.add_argument("--table", action="store_true", help="print the table from the JSON, measure nothing")
    args = parser.parse_args()
    rows = json.loads(OUT.read_text()) if OUT.is_file() else {}
    if not args.table:
        from edgeopt.models import list_models

        for arch in args.models or cheapest_first(list_models()):
            if arch in rows and not args.force:
                continue
            rows[arch] = measure(arch)
            log.info(
                "%s: int8/float32 %s, kept float %s",
                arch,
                rows[arch].get("int8_to_float32"),
                rows[arch]["edgeopt"].get("speed"),
            )
            OUT.parent.mkdir(parents=True, exist_ok=True)
            OUT.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")  # after every model: resumable
    print(table(rows))


if __name__ == "__main__":
    main()
