from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from edgeopt.doctor.needs import NEEDS

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["pytester"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """@pytest.mark.needs("sshd", ...): a missing system part skips the test, naming the fix; with CI=true it fails
    (make test and .ci/run install every need first, so nothing is skipped there)."""
    for mark in item.iter_markers("needs"):
        unknown = [n for n in mark.args if n not in NEEDS]
        assert not unknown, f"unknown need {unknown}; known: {sorted(NEEDS)}"
        gone = [NEEDS[n] for n in mark.args if not NEEDS[n].present()]
        if gone:
            reason = "; ".join(f"needs {n.name} ({n.used_by}): {n.fix}" for n in gone)
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"CI=true and a system need is missing: {reason}", pytrace=False)
            pytest.skip(reason)


TINY_RECIPE = """\
version: 1
name: tiny
seed: 1
data:
  source: digits
  image_size: 16
  channels: 1
model:
  arch: tiny_cnn
  width: 1.0
  dropout: 0.0
train:
  epochs: 3
  batch_size: 32
  learning_rate: 0.01
quantize:
  calibration_samples: 50
export:
  tflite: [float32, int8]
  onnx: [float32, int8]
verify:
  max_drop: 0.05
  min_accuracy: 0.3
bench:
  warmup: 2
  runs: 10
  min_seconds: 0.0
  rounds: 2
"""


@pytest.fixture(scope="session", autouse=True)
def latency_store(tmp_path_factory):
    """Tunes in the tests keep their timings in a store of this session, never the user's ~/.cache one: a timing
    left there by an earlier run would be read instead of measured."""
    from edgeopt.tune.timing import STORE_ENV

    before = os.environ.get(STORE_ENV)
    os.environ[STORE_ENV] = str(tmp_path_factory.mktemp("latency-store"))
    yield Path(os.environ[STORE_ENV])
    if before is None:
        del os.environ[STORE_ENV]
    else:
        os.environ[STORE_ENV] = before


@pytest.fixture
def write_recipe(tmp_path):
    """Write YAML text (dedented) to a file in tmp_path and return its path."""

    def _write(text: str, name: str = "recipe.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return _write


@dataclass(frozen=True)
class SharedRun:
    """The tiny recipe's run, made once per test session (all xdist workers share it). Read-only: a test that
    changes files or re-runs takes `copy()`."""

    recipe: Path
    run_dir: Path
    output: str  # what `edgeopt optimize` printed

    def copy(self, dest: Path) -> SharedRun:
        shutil.copytree(self.recipe.parent, dest)
        return SharedRun(dest / self.recipe.name, dest / self.run_dir.name, self.output)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, worker_id) -> SharedRun:
    """TINY_RECIPE through `edgeopt optimize` (exit 0 asserted), computed by the first worker that asks."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    root = (base if worker_id == "master" else base.parent) / "tiny-shared"
    with FileLock(f"{root}.lock"):
        if not (root / "output.txt").is_file():
            from click.testing import CliRunner

            from edgeopt.cli import cli

            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            (root / "tiny.yaml").write_text(TINY_RECIPE)
            result = CliRunner().invoke(cli, ["optimize", str(root / "tiny.yaml"), "--run-dir", str(root / "run")])
            assert result.exit_code == 0, result.output + repr(result.exception)
            (root / "output.txt").write_text(result.output)
    return SharedRun(root / "tiny.yaml", root / "run", (root / "output.txt").read_text())


def optimize_tiny(tmp_path_factory, name: str, recipe: str = TINY_RECIPE) -> Path:
    """Run `recipe` through `edgeopt optimize` in a fresh folder; returns the run directory (asserts exit 0)."""
    from click.testing import CliRunner

    from edgeopt.cli import cli

    root = tmp_path_factory.mktemp(name)
    (root / "recipe.yaml").write_text(recipe)
    result = CliRunner().invoke(cli, ["optimize", str(root / "recipe.yaml"), "-o", str(root / "run")])
    assert result.exit_code == 0, result.output
    return root / "run"


def pytest_collection_modifyitems(config, items):
    """Longest first (the per-builder toolchain runs, then the other slow tests): with `make test`'s workers no
    worker is left running one long test alone at the end. Stable, so order within a group is unchanged."""
    items.sort(
        key=lambda item: (0 if "test_zoo_exports" in item.nodeid else 1, 0 if item.get_closest_marker("slow") else 1)
    )


@pytest.fixture
def loopback_namespace():
    """A network namespace with only the loopback interface (Ray binds to the outward address otherwise)."""
    name = f"edgeopt-ray-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield ["ip", "netns", "exec", name]
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.fixture
def ray_cluster(loopback_namespace):
    """A real 2-CPU Ray head on 127.0.0.1:6399 inside the loopback namespace; yields (command prefix, address,
    environment) to run edgeopt there. Ray comes from the project's own `ray` extra (make dev)."""
    ray = str(Path(sys.executable).parent / "ray")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    start = [ray, "start", "--head", "--num-cpus", "2", "--node-ip-address", "127.0.0.1", "--port", "6399"]
    cmd = [*loopback_namespace, *start, "--include-dashboard", "false"]
    subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=120)
    try:
        yield loopback_namespace, "127.0.0.1:6399", env
    finally:
        subprocess.run([*loopback_namespace, ray, "stop", "--force"], capture_output=True, env=env, timeout=120)
