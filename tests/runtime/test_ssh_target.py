"""The SSH board target against a real OpenSSH server that this test starts on 127.0.0.1 (Debian's
openssh-server, installed by the set-up: edgeopt/doctor/needs.py). The "board" is an emulated Cortex-A53: its
`python3` is the aarch64 Python under qemu (`edgeopt arm launcher`, from the stack `edgeopt arm setup` fetched), so
measure.py and the format's device module really run on the aarch64 runtimes. The board's file system is this
machine's, so the test can also check that nothing the target copied is left behind."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from edgeopt.cli import cli

pytestmark = [pytest.mark.slow, pytest.mark.needs("ssh", "sshd", "arm")]

BOARD_CPU = "cortex-a53"  # a Raspberry Pi 3 class core: NEON (asimd) but no dot-product instructions

SSHD = "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    root = tmp_path_factory.mktemp("sshd")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "host_key")], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "user_key")], check=True)
    shutil.copy(root / "user_key.pub", root / "authorized_keys")
    os.chmod(root / "authorized_keys", 0o600)
    port = _free_port()
    (root / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {root / 'host_key'}\nPidFile {root / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nSubsystem sftp internal-sftp\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege-separation directory sshd insists on
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(root / "sshd_config")], stderr=subprocess.PIPE)
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    host_pub = (root / "host_key.pub").read_text().split()
    (root / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    launcher = CliRunner().invoke(cli, ["arm", "launcher", str(root / "board-python3"), "--cpu", BOARD_CPU])
    assert launcher.exit_code == 0, launcher.output
    yield {"port": port, "root": root, "user": getpass.getuser(), "python": str(root / "board-python3")}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.models import create_model

    path = tmp_path_factory.mktemp("m") / "tiny_int8.tflite"
    calib = np.random.default_rng(0).random((8, 16, 16, 3), dtype=np.float32)
    export_tflite(create_model("tiny_cnn", input_shape=(16, 16, 3), num_classes=4), path, "int8", calib)
    return path


def _leftovers() -> set[str]:
    return {p.name for p in Path("/tmp").glob("edgeopt-????????")}


def _bench(sshd, model, *extra, known_hosts=None):
    args = [
        "bench",
        str(model),
        "--target",
        f"ssh://{sshd['user']}@127.0.0.1:{sshd['port']}",
        "--ssh-key",
        str(sshd["root"] / "user_key"),
        "--remote-python",
        sshd["python"],
        "--known-hosts",
        str(known_hosts or sshd["root"] / "known_hosts"),
        "--rounds",
        "1",
        "--min-runs",
        "20",
        "--min-seconds",
        "0",
        "--json",
        *extra,
    ]
    return CliRunner().invoke(cli, args)


def test_ssh_target_measures_on_the_board_and_cleans_up(sshd, model_file):
    before = _leftovers()
    result = _bench(sshd, model_file)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["target"] == f"ssh://{sshd['user']}@127.0.0.1:{sshd['port']}"
    row = data["results"][0]
    assert row["runs"] >= 20 and row["p50_ms"] > 0 and row["runtime"] == "ai_edge_litert"
    _assert_board(data["machine"])
    assert _leftovers() == before


def _assert_board(machine: dict) -> None:
    """The fingerprint the board sent back: aarch64 code on the emulated CPU, with the ISA its runtime saw."""
    assert machine["arch"] == "aarch64", machine
    assert machine["emulated"] and machine["emulated_cpu"] == BOARD_CPU
    assert "asimd" in machine["isa"] and "asimddp" not in machine["isa"], machine["isa"]
    assert machine["cores"] >= 1 and machine["versions"]["ai-edge-litert"] and machine["versions"]["onnxruntime"]


def test_unknown_host_key_is_refused_with_the_fix_and_nothing_is_copied(sshd, model_file, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    before = _leftovers()
    result = _bench(sshd, model_file, known_hosts=empty)
    assert result.exit_code == 4
    assert "host key not verified" in result.stderr and "--accept-new-host-key" in result.stderr
    assert _leftovers() == before


def test_accepting_a_new_host_key_is_explicit_and_recorded(sshd, model_file, tmp_path):
    fresh = tmp_path / "known_hosts"
    result = _bench(sshd, model_file, "--accept-new-host-key", known_hosts=fresh)
    assert result.exit_code == 0, result.output
    host_key = (sshd["root"] / "host_key.pub").read_text().split()[1]
    assert host_key in fresh.read_text()  # the server's key was recorded (host names may be hashed)


def test_a_failing_remote_run_still_removes_what_was_copied(sshd, tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x10\0\0\0TFL3" + b"\0" * 64)  # passes the local header check; the board cannot load it
    before = _leftovers()
    result = _bench(sshd, bad)
    assert result.exit_code == 4 and "measuring bad.tflite failed" in result.stderr
    assert _leftovers() == before


PIPELINE = """\
name: remote
data: {{image_size: 16, channels: 3}}
model: {{arch: tiny_cnn}}
train: {{epochs: 1}}
quantize: {{calibration_samples: 20}}
export: {{tflite: [float32, int8], onnx: []}}
bench:
  runs: 10
  min_seconds: 0
  rounds: 1
  target: ssh://{user}@127.0.0.1:{port}
  ssh_key: {key}
  known_hosts: {known}
  remote_python: {python}
"""


def _pipeline(sshd, tmp_path, known):
    import edgeopt

    recipe = tmp_path / "remote.yaml"
    recipe.write_text(
        PIPELINE.format(
            user=sshd["user"], port=sshd["port"], key=sshd["root"] / "user_key", known=known, python=sshd["python"]
        )
    )
    return edgeopt.optimize(recipe, run_dir=tmp_path / "run")


def test_pipeline_bench_measures_on_the_board_too(sshd, tmp_path):
    report = _pipeline(sshd, tmp_path, sshd["root"] / "known_hosts")
    import json as _json

    bench = _json.loads(next((tmp_path / "run").glob("*-bench-*/stage.json")).read_text())["result"]
    remote = bench["remote"]
    assert remote["target"].startswith("ssh://") and "error" not in remote
    assert {a["name"] for a in remote["artifacts"]} == {"tflite_float32", "tflite_int8"}
    assert all(a["runs"] >= 10 for a in remote["artifacts"])
    _assert_board(remote["machine"])
    assert remote["emulated"]  # its timings are labelled, never latency
    assert report["passed"]
    md = (tmp_path / "run" / "report.md").read_text()
    assert "## On ssh://" in md and "Emulated (qemu)" in md


def test_a_failing_board_keeps_the_local_results(sshd, tmp_path):
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    report = _pipeline(sshd, tmp_path, empty)
    assert all(a["latency"]["p50_ms"] > 0 for a in report["artifacts"])  # local measurements are all there
    import json as _json

    bench = _json.loads(next((tmp_path / "run").glob("*-bench-*/stage.json")).read_text())["result"]
    assert "host key not verified" in bench["remote"]["error"]
    assert [f["part"] for f in report["failed_parts"]] == ["bench.target"]  # the CLI exits 4 on it
    _pipeline(sshd, tmp_path, empty)  # the failed device run was not cached: bench runs again
    manifest = _json.loads((tmp_path / "run" / "manifest.json").read_text())
    reused = {s["name"]: s["reused"] for s in manifest["stages"]}
    assert reused["export"] and not reused["bench"]


def _bundle(folder: Path, seed: int) -> Path:
    """A bundle-like folder (a tiny CNN as int8 TFLite and int8 ONNX) with golden vectors, as bundles carry them."""
    from edgeopt._keras import keras
    from edgeopt.bundle import golden
    from edgeopt.formats.onnx.convert import export_onnx_float, quantize_onnx_int8
    from edgeopt.formats.tflite.convert import export_tflite
    from edgeopt.models import create_model

    keras.utils.set_random_seed(seed)
    model = create_model("tiny_cnn", input_shape=(16, 16, 3), num_classes=4)
    x = np.random.default_rng(0).random((16, 16, 16, 3), dtype=np.float32)
    folder.mkdir()
    export_tflite(model, folder / "model.tflite", "int8", x)
    export_onnx_float(model, folder / "float.onnx", 17)
    quantize_onnx_int8(folder / "float.onnx", folder / "model.onnx", x, per_channel=True)
    (folder / "float.onnx").unlink()
    golden.write(folder, [folder / "model.tflite", folder / "model.onnx"], x, np.zeros(16, int), "test")
    return folder


def _check_device(sshd, bundle: Path):
    args = ["check-device", str(bundle), "--target", f"ssh://{sshd['user']}@127.0.0.1:{sshd['port']}"]
    args += ["--ssh-key", str(sshd["root"] / "user_key"), "--known-hosts", str(sshd["root"] / "known_hosts")]
    return CliRunner().invoke(cli, [*args, "--remote-python", sshd["python"], "--json"])


def test_golden_vectors_pass_on_the_board_and_an_altered_file_fails(sshd, tmp_path):
    bundle = _bundle(tmp_path / "bundle", seed=1)
    before = _leftovers()
    result = _check_device(sshd, bundle)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    _assert_board(out["machine"])
    assert out["passed"] and [r["file"] for r in out["models"]] == ["model.tflite", "model.onnx"]
    assert all(r["agreement"] == 1.0 and r["max_abs_diff"] <= 0.1 for r in out["models"])
    # The same interface with other weights in place of the verified file: the board's outputs no longer match.
    other = _bundle(tmp_path / "other", seed=2)
    shutil.copy(other / "model.tflite", bundle / "model.tflite")
    result = _check_device(sshd, bundle)
    assert result.exit_code == 1, result.output
    rows = {r["file"]: r for r in json.loads(result.stdout)["models"]}
    assert rows["model.onnx"]["passed"] and not rows["model.tflite"]["passed"]
    problems = rows["model.tflite"]["problems"]
    assert any("sha256 differs" in p for p in problems)
    assert any("largest output difference" in p or "agreement" in p for p in problems), problems
    assert _leftovers() == before
