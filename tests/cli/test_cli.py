from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_USAGE
from tests.conftest import REPO

NO_TF = (
    "import sys; from edgeopt.cli import main\n"
    "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
    "    assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n    raise\n"
)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", NO_TF, *args], capture_output=True, text=True, cwd=REPO)


def test_help_and_validate_do_not_import_tensorflow():
    help_ = _run("--help")
    assert help_.returncode == 0 and "optimize" in help_.stdout
    ok = _run("validate", "recipes/quickstart.yaml")
    assert ok.returncode == 0, ok.stderr
    assert "valid recipe 'quickstart'" in ok.stdout


def test_validate_bad_recipe_exits_2_with_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: demo\nmodel:\n  arch: resnet9000\n")
    result = _run("validate", str(bad))
    assert result.returncode == EXIT_USAGE
    assert f"{bad}:3:9: model.arch: unknown model 'resnet9000'" in result.stderr


def test_optimize_bad_recipe_exits_2_and_creates_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: demo\ntrain: {epochs: many}\n")
    result = CliRunner().invoke(cli, ["optimize", str(bad), "--run-dir", str(tmp_path / "run")])
    assert result.exit_code == EXIT_USAGE
    assert "train.epochs" in result.stderr
    assert not (tmp_path / "run").exists()


def test_schema_is_json_schema_with_descriptions():
    result = CliRunner().invoke(cli, ["schema"])
    schema = json.loads(result.stdout)
    assert schema["additionalProperties"] is False
    data = schema["$defs"]["DataConfig"]["properties"]
    assert all("description" in field for field in data.values())


def test_models_lists_the_registry():
    result = CliRunner().invoke(cli, ["models", "mobilenet*"])
    assert result.exit_code == 0 and result.stdout.startswith("mobilenet_v1")
    assert "resnet" not in result.stdout


def test_models_show_prints_layers_and_totals():
    result = CliRunner().invoke(cli, ["models", "show", "resnet20", "--size", "32", "--classes", "10", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["totals"]["params"] == sum(layer["params"] for layer in data["layers"])
    assert data["layers"][-1]["output_shape"] == [10]
    assert 40e6 < data["totals"]["macs"] < 42e6


def test_models_show_unknown_name_suggests():
    result = CliRunner().invoke(cli, ["models", "show", "resnet2"])
    assert result.exit_code == EXIT_USAGE and "did you mean" in result.stderr


def _stderr_through_a_terminal(cmd: list[str]) -> tuple[int, str]:
    """Run `cmd` with stderr on a pseudo-terminal (as in an interactive shell); returns (exit code, stderr)."""
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=600), b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_progress_bars_on_a_terminal_and_plain_lines_otherwise(tmp_path):
    from tests.conftest import TINY_RECIPE

    (tmp_path / "r.yaml").write_text(TINY_RECIPE)
    exe = str(Path(sys.executable).with_name("edgeopt"))
    code, tty = _stderr_through_a_terminal([exe, "optimize", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "a")])
    assert code == 0
    # (Calibration has bars too, but 50 tiny samples finish before the display's first refresh.)
    for bar in ("tiny: stages", "training 3 epoch(s)", "benchmark runs"):
        assert bar in tty, tty[-2000:]
    assert "time left" in tty
    # Piped: a smaller recipe is enough to see the plain lines (training still runs, nothing is reused).
    small = TINY_RECIPE.replace("epochs: 3", "epochs: 1")
    small = small[: small.index("quantize:")] + "export:\n  tflite: [float32]\n  onnx: []\n"
    (tmp_path / "small.yaml").write_text(small)
    piped = subprocess.run(
        [exe, "optimize", str(tmp_path / "small.yaml"), "-o", str(tmp_path / "b")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert piped.returncode == 0 and "time left" not in piped.stderr and "\x1b[" not in piped.stderr
    assert "I train    done in" in piped.stderr
