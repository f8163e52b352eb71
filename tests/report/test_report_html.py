"""report.html rendered by a real headless Chromium (Debian's package, installed by the set-up:
edgeopt/doctor/needs.py), plus `edgeopt report`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.report.html import pareto_front
from tests.golden import copy_run


@pytest.fixture
def run_dir(tmp_path):
    """The golden tiny run's records with its report re-rendered by `edgeopt report` (what the stage writes)."""
    run = copy_run("tiny", tmp_path / "run")
    assert CliRunner().invoke(cli, ["report", str(run)]).exit_code == 0
    return run


def _chromium() -> str:
    return shutil.which("chromium")


def _headless(page, *args) -> subprocess.CompletedProcess:
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1200,1800",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def test_pareto_front_keeps_only_undominated_points():
    points = [(1.0, 0.90, "a"), (2.0, 0.95, "b"), (3.0, 0.94, "c"), (1.5, 0.80, "d")]
    assert pareto_front(points) == ["a", "b"]


@pytest.mark.slow
@pytest.mark.needs("chromium")
def test_report_html_is_self_contained_and_renders_its_plots_in_chromium(run_dir, tmp_path):
    page = run_dir / "report.html"
    text = page.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "report.html must not load anything"
    figures = re.findall(r'<figure id="(plot-[a-z]+)"', text)
    assert set(figures) == {"plot-tradeoff", "plot-sensitivity", "plot-sparsity", "plot-latency"}
    assert "<table>" in text and "Most sensitive layers" in text

    dom = _headless(page, "--dump-dom")
    rendered = re.search(r'data-plots-rendered="(\d+)"', dom.stdout)
    assert rendered and int(rendered.group(1)) == len(figures), dom.stdout[:300]
    assert "CONSOLE" not in dom.stderr, [ln for ln in dom.stderr.splitlines() if "CONSOLE" in ln]

    shot = tmp_path / "report.png"
    _headless(page, f"--screenshot={shot}")
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1200, 1800)
        colors = im.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colors is not None and len(colors) > 200  # plots and tables, not a blank page


def test_report_command_rerenders_and_compares(run_dir, tmp_path):
    (run_dir / "report.html").unlink()
    (run_dir / "report.md").unlink()
    result = CliRunner().invoke(cli, ["report", str(run_dir)])
    assert result.exit_code == 0 and (run_dir / "report.html").is_file() and (run_dir / "report.md").is_file()
    result = CliRunner().invoke(cli, ["report", str(run_dir), str(run_dir), "--md", str(tmp_path / "cmp.md")])
    assert result.exit_code == 0
    report = json.loads((run_dir / "report.json").read_text())
    for a in report["artifacts"]:
        assert re.search(rf"\| {a['name']} \| [0-9.]+ \| [0-9.]+ \| \+0\.00 \|", result.stdout), result.stdout
    assert (tmp_path / "cmp.md").read_text() == result.stdout
    missing = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert missing.exit_code == 3 and "no readable report.json" in missing.stderr
