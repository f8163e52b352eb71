"""edgeopt tune end to end on the tiny digits recipe: a size budget the base misses is met by a narrower model,
chosen.yaml reproduces the chosen file byte for byte, kill -9 then the same command resumes without repeating a
finished trial, a real 2-CPU Ray cluster reaches the same choice, and an impossible budget exits 1 with the
closest miss. Size budgets keep the path exact (file bytes and test-split top-1 do not vary between runs)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.hashing import sha256_file
from tests.conftest import TINY_RECIPE

BIN = Path(sys.executable).parent
RECIPE = TINY_RECIPE.replace("  rounds: 2\n", "  rounds: 1\n")


def _tune(recipe: Path, out: Path, *extra: str) -> list[str]:
    return [str(BIN / "edgeopt"), "tune", str(recipe), "-o", str(out), *extra]


def _result(out: Path) -> dict:
    return json.loads((out / "tune.json").read_text())


def _tflite(report: dict, run: Path) -> dict[str, str]:
    """sha256 of every TFLite file of a run (the bytes tune promises to reproduce) and its top-1."""
    arts = [a for a in report["artifacts"] if a["format"] == "tflite"]
    assert arts
    return {a["name"]: (sha256_file(run / a["file"]), a["accuracy"]["top1"]) for a in arts}


def _finished(out: Path) -> dict[str, float]:
    return {p.parent.name: p.stat().st_mtime for p in (out / "trials").glob("*/trial.json")}


@pytest.fixture(scope="module")
def base_size(tmp_path_factory) -> tuple[Path, int]:
    """The recipe, and the size of its smallest file: a tune with an impossible budget (one trial) that ends
    with exit 1 and the closest miss."""
    folder = tmp_path_factory.mktemp("tune")
    recipe = folder / "tiny.yaml"
    recipe.write_text(RECIPE)
    out = folder / "impossible"
    result = CliRunner().invoke(cli, ["tune", str(recipe), "-o", str(out), "--max-size-kb", "0.01", "--trials", "1"])
    assert result.exit_code == 1, result.output
    assert "no candidate meets the budget; closest" in result.stdout and "misses size by" in result.stdout
    r = _result(out)
    assert not r["met"] and not r["chosen"]["meets"] and r["chosen"]["misses"]["size"] > 0
    assert r["stopped"] == "trial limit (1) reached" and r["reference_top1"] > 0.3
    names = {c["artifact"] for c in r["candidates"]}
    assert {"tflite_float32", "tflite_float16", "tflite_dynamic", "tflite_int8", "onnx_int8"} <= names
    assert (out / "chosen.yaml").is_file() and 'id="plot-tune-pareto"' in (out / "report.html").read_text()
    return recipe, min(c["bytes"] for c in r["candidates"])


@pytest.mark.slow
def test_tune_meets_a_size_budget_resumes_after_kill_and_reproduces_the_file(base_size, tmp_path):
    recipe, size = base_size
    budget = ["--max-size-kb", f"{0.7 * size / 1024:.3f}", "--max-drop", "0.3", "--trials", "8"]
    out = tmp_path / "t"
    proc = subprocess.Popen(
        _tune(recipe, out, *budget), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600
    while len(_finished(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert proc.poll() is None, "tune ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its trial worker, mid-search
    proc.wait()
    before = _finished(out)
    assert len(before) >= 2 and not (out / "tune.json").exists()

    again = subprocess.run(_tune(recipe, out, *budget), capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-3000:]
    r = _result(out)
    assert all(_finished(out)[t] == m for t, m in before.items())  # no finished trial ran again
    assert r["trials_run_now"] == len(r["trials"]) - len(before)
    assert sum(t.get("resumed", False) for t in r["trials"]) == len(before)
    chosen = r["chosen"]
    assert r["met"] and chosen["meets"] and chosen["bytes"] <= 0.7 * size
    assert any(m.startswith("width") for m in chosen["moves"])
    assert len(r["trials"]) <= 8 and r["met_at_trial"] <= len(r["trials"])
    # Moves that cannot shrink the file were skipped, and said so.
    assert any("cannot improve size" in s["why"] for s in r["skipped_moves"])

    # chosen.yaml through `edgeopt optimize`: the same file, byte for byte, and the same top-1.
    run = tmp_path / "again"
    opt = CliRunner().invoke(cli, ["optimize", str(out / "chosen.yaml"), "--run-dir", str(run)])
    assert opt.exit_code in (0, 1), opt.output
    report = json.loads((run / "report.json").read_text())
    trial = json.loads((out / "trials" / chosen["trial"] / "report.json").read_text())
    assert _tflite(report, run) == _tflite(trial, out / "trials" / chosen["trial"])
    art = next(a for a in report["artifacts"] if a["name"] == chosen["artifact"])
    assert art["accuracy"]["top1"] == chosen["top1"]


@pytest.mark.slow
@pytest.mark.needs("iproute2", "root")
def test_tune_on_a_real_two_cpu_ray_cluster_reaches_the_same_choice(base_size, tmp_path, ray_cluster):
    netns, address, env = ray_cluster
    recipe, size = base_size
    # Two CPUs per trial on both: training's float sums depend on the thread count, and so would the choice.
    budget = ["--max-size-kb", f"{0.7 * size / 1024:.3f}", "--max-drop", "0.3", "--trials", "8", "--trial-cpus", "2"]
    local = tmp_path / "local"
    assert subprocess.run(_tune(recipe, local, *budget), capture_output=True, timeout=900).returncode == 0
    cmd = [*netns, *_tune(recipe, tmp_path / "ray", *budget), "--executor", "ray", "--address", address]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    ray, here = _result(tmp_path / "ray"), _result(local)
    assert [t["id"] for t in ray["trials"]] == [t["id"] for t in here["trials"]]
    assert ray["chosen"]["key"] == here["chosen"]["key"] and ray["chosen"]["top1"] == here["chosen"]["top1"]
    trial = ray["chosen"]["trial"]
    reports = [json.loads((d / "trials" / trial / "report.json").read_text()) for d in (tmp_path / "ray", local)]
    assert _tflite(reports[0], tmp_path / "ray" / "trials" / trial) == _tflite(reports[1], local / "trials" / trial)
