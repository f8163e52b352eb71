"""Real-size models at the raw tools' cost: `edgeopt optimize` with the recipe defaults (per-layer diagnosis on)
against the raw tools doing the same four conversions (benchmarks/raw_tools.py), at 224 px with random weights
and 100 digits calibration samples. Peak resident memory and wall time of each whole process from
`/usr/bin/time -v`; edgeopt's export-stage seconds from its stage.json against the raw conversions' seconds;
the size of the run folder's dataset.npz. Writes benchmarks/results/scale.json.

    .venv/bin/python benchmarks/scale.py [mobilenet_v2 mobilenet_v3_large resnet50 ...]

One model at a time, edgeopt then raw tools, so both see the same machine state.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "scale.json"
APPS = {
    "mobilenet_v2": "MobileNetV2",
    "mobilenet_v3_large": "MobileNetV3Large",
    "mobilenet_v3_small": "MobileNetV3Small",
    "resnet50": "ResNet50",
}
SIZE, CALIBRATION = 224, 100
log = logging.getLogger("scale")


def recipe(arch: str) -> dict:
    return {
        "version": 1,
        "name": f"scale_{arch}",
        "seed": 0,
        "data": {"source": "digits", "image_size": SIZE, "channels": 3},
        "model": {"arch": arch},
        "quantize": {"calibration_samples": CALIBRATION},
        "export": {"tflite": ["float32", "int8"], "onnx": ["float32", "int8"]},
        "verify": {},
        "bench": {"warmup": 5, "runs": 10, "min_seconds": 0.5, "rounds": 3},
    }


def timed(cmd: list[str], cwd: Path) -> dict:
    """Run `cmd` under /usr/bin/time -v: exit code, peak RSS (bytes), wall seconds, stdout, the error if it failed."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    h, m, s = (float(g or 0) for g in wall.groups()) if wall else (0, 0, 0)
    if proc.returncode not in (0, 1):  # 1: a gate failed (random weights), the run itself completed
        log.error("%s failed (%d):\n%s", cmd[0], proc.returncode, proc.stderr[-3000:])
    return {
        "exit": proc.returncode,
        "peak_rss_bytes": int(rss.group(1)) * 1024 if rss else None,
        "wall_seconds": h * 3600 + m * 60 + s,
        "stdout": proc.stdout,
        "error": failure(proc.stderr) if proc.returncode else None,
    }


def failure(stderr: str) -> str | None:
    """The first converter or Python error line of a failed run, shortened (the whole log is too long to keep)."""
    for pattern in (r"error: (.+)", r"^(\w+(?:Error|Exception): .+)$"):
        found = re.search(pattern, stderr, re.MULTILINE)
        if found:
            return found.group(1)[:300]
    return stderr.strip().splitlines()[-1][:300] if stderr.strip() else None


def edgeopt_run(arch: str, work: Path) -> dict:
    path = work / f"{arch}.yaml"
    path.write_text(yaml.safe_dump(recipe(arch), sort_keys=False))
    out = work / f"run-{arch}"  # a fresh run folder: no stage is reused from an earlier run
    cli = "import sys; from edgeopt.cli import main; sys.exit(main())"
    run = timed([sys.executable, "-c", cli, "optimize", str(path), "-o", str(out)], work)
    export = next(out.glob("*-export-*/stage.json"), None)
    data = next(out.glob("*-data-*/dataset.npz"), None)
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").is_file() else {}
    run.update(
        export_seconds=json.loads(export.read_text())["seconds"] if export else None,
        dataset_bytes=data.stat().st_size if data else None,
        diagnosis={
            a["name"]: ("error" not in (a.get("diagnosis") or {"error": "none"}))
            for a in report.get("artifacts", [])
            if a.get("precision") == "int8"
        },
        diagnosis_samples={
            a["name"]: a["diagnosis"].get("samples") for a in report.get("artifacts", []) if a.get("diagnosis")
        },
        p50_ms={a["name"]: (a.get("latency") or {}).get("p50_ms") for a in report.get("artifacts", [])},
    )
    p50 = run["p50_ms"]
    run["int8_to_float32"] = {
        fmt: p50[f"{fmt}_int8"] / p50[f"{fmt}_float32"]
        for fmt in ("tflite", "onnx")
        if p50.get(f"{fmt}_int8") and p50.get(f"{fmt}_float32")
    }
    del run["stdout"]
    return run


def raw_run(arch: str, work: Path) -> dict:
    run = timed(
        [
            sys.executable,
            str(HERE / "raw_tools.py"),
            APPS[arch],
            str(work / f"raw-{arch}"),
            "--size",
            str(SIZE),
            "--calibration",
            str(CALIBRATION),
        ],
        work,
    )
    line = run.pop("stdout").strip().splitlines()
    run["seconds"] = json.loads(line[-1])["seconds"] if run["exit"] == 0 and line else None
    return run


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    archs = sys.argv[1:] or ["mobilenet_v2", "mobilenet_v3_large", "resnet50"]
    rows = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for arch in archs:
        with tempfile.TemporaryDirectory(prefix="edgeopt-scale-") as tmp:
            work = Path(tmp)
            ours = edgeopt_run(arch, work)
            raw = raw_run(arch, work)
            shutil.rmtree(work, ignore_errors=True)
        row = {"edgeopt": ours, "raw": raw, "size": SIZE, "calibration": CALIBRATION}
        if ours["peak_rss_bytes"] and raw["peak_rss_bytes"]:
            row["rss_ratio"] = ours["peak_rss_bytes"] / raw["peak_rss_bytes"]
        if ours["export_seconds"] and raw["seconds"]:
            row["export_time_ratio"] = ours["export_seconds"] / raw["seconds"]["conversions"]
        rows[arch] = row
        log.info(
            "%s: edgeopt %.1f GB / %.0f s (export %.1f s, data %.1f MB), raw %.1f GB / %.0f s (conversions %.1f s)",
            arch,
            (ours["peak_rss_bytes"] or 0) / 1e9,
            ours["wall_seconds"],
            ours["export_seconds"] or 0,
            (ours["dataset_bytes"] or 0) / 1e6,
            (raw["peak_rss_bytes"] or 0) / 1e9,
            raw["wall_seconds"],
            (raw["seconds"] or {}).get("conversions", 0),
        )
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(rows, indent=2) + "\n")
    log.info("wrote %s", OUT)


if __name__ == "__main__":
    main()
