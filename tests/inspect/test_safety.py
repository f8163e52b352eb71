"""Corrupt or crafted model files given to `inspect` and `bench` are checked first and loaded only in a limited
child process: exit 3 with the reason, never a crashed or hung edgeopt."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_INPUT_REJECTED


def _onnx_model(path, external: str | None = None):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((4, 4), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    if external is None:
        onnx.save(model, str(path))
        return path
    onnx.save(
        model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location="w.bin", size_threshold=0
    )
    model = onnx.load(str(path), load_external_data=False)
    for entry in model.graph.initializer[0].external_data:
        if entry.key == "location":
            entry.value = external
    onnx.save(model, str(path))
    return path


def _inspect(path, *extra):
    return CliRunner().invoke(cli, ["inspect", str(path), *extra])


def test_a_good_onnx_file_is_inspected(tmp_path):
    result = _inspect(_onnx_model(tmp_path / "m.onnx"), "--json")
    assert result.exit_code == 0, result.output
    assert '"MatMul": 1' in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"this is not a model", "flatbuffer identifier 'TFL3' missing"),
        (b"\xff\xff\xff\x7fTFL3" + b"\0" * 64, "root table offset"),
        (b"\x10\0\0\0TFL3" + os.urandom(200), "model.tflite"),  # plausible header, garbage body
    ],
    ids=["empty", "not-tflite", "root-outside", "garbage-body"],
)
def test_corrupt_tflite_is_exit_3_for_inspect_and_bench(tmp_path, content, message):
    path = tmp_path / "model.tflite"
    path.write_bytes(content)
    for cmd in (["inspect", str(path)], ["bench", str(path), "--rounds", "1", "--min-runs", "1"]):
        result = CliRunner().invoke(cli, cmd)
        assert result.exit_code == EXIT_INPUT_REJECTED, (cmd, result.output)
        assert message in result.stderr, result.stderr


def test_garbage_onnx_is_refused(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(os.urandom(300))
    result = _inspect(path)
    assert result.exit_code == EXIT_INPUT_REJECTED and "m.onnx" in result.stderr


@pytest.mark.parametrize(
    ("location", "message"),
    [("/etc/passwd", "absolute"), ("../outside.bin", "leaves the model's folder"), ("link.bin", "is a symlink")],
)
def test_external_data_outside_the_model_folder_is_refused(tmp_path, location, message):
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "outside.bin").write_bytes(np.ones((4, 4), np.float32).tobytes())
    (folder / "link.bin").symlink_to(tmp_path / "outside.bin")
    path = _onnx_model(folder / "m.onnx", external=location)
    for cmd in (["inspect", str(path)], ["bench", str(path)]):
        result = CliRunner().invoke(cli, cmd)
        assert result.exit_code == EXIT_INPUT_REJECTED and message in result.stderr, result.output


def test_the_loading_process_is_held_to_its_memory_and_time_limits(tmp_path):
    path = _onnx_model(tmp_path / "m.onnx")
    starved = _inspect(path, "--memory-mb", "64")  # too little for Python and onnxruntime to even start
    assert starved.exit_code == EXIT_INPUT_REJECTED, starved.output
    assert "could not be loaded (the 64 MB memory limit was reached)" in starved.stderr, starved.stderr
    message = starved.stderr.strip()
    assert "\n" not in message and "Traceback" not in message and "^^" not in message, message


@pytest.mark.slow
def test_a_load_that_outlasts_the_time_limit_is_stopped(tmp_path):
    from edgeopt._keras import tf

    fn = tf.function(lambda x: {"y": tf.nn.relu(x)}, input_signature=[tf.TensorSpec([1, 4], tf.float32)])
    path = tmp_path / "m.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn).convert())
    # 10 s: a normal file's child (interpreter start, imports, read) takes about 1 s here, over 1 s when the
    # machine is busy (make test runs two workers); the bomb takes over 20 s to read (7 s per million tensors on
    # an idle core), so the limit must stop it.
    assert _inspect(path, "--timeout", "10").exit_code == 0
    slow = _inspect(_tensor_bomb(tmp_path / "bomb.tflite"), "--timeout", "10")
    assert slow.exit_code == EXIT_INPUT_REJECTED and "did not finish within 10 s" in slow.stderr, slow.output


def _tensor_bomb(path, count: int = 3_000_000):
    """A valid TFLite flatbuffer of ~12 MB whose subgraph lists one tensor table three million times (flatbuffer offsets
    may share a table): every reader walks a million tensors, which takes seconds."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s

    b = flatbuffers.Builder(1024)
    s.TensorStart(b)
    tensor = s.TensorEnd(b)
    s.SubGraphStartTensorsVector(b, count)
    for _ in range(count):
        b.PrependUOffsetTRelative(tensor)
    tensors = b.EndVector()
    s.SubGraphStart(b)
    s.SubGraphAddTensors(b, tensors)
    graph = s.SubGraphEnd(b)
    s.BufferStart(b)
    empty = s.BufferEnd(b)
    vectors = []
    for start, item in ((s.ModelStartSubgraphsVector, graph), (s.ModelStartBuffersVector, empty)):
        start(b, 1)
        b.PrependUOffsetTRelative(item)
        vectors.append(b.EndVector())
    s.ModelStart(b)
    s.ModelAddVersion(b, 3)
    s.ModelAddSubgraphs(b, vectors[0])
    s.ModelAddBuffers(b, vectors[1])
    b.Finish(s.ModelEnd(b), b"TFL3")
    path.write_bytes(b.Output())
    return path


EDGEOPT = str(Path(sys.executable).with_name("edgeopt"))


@pytest.mark.parametrize("command", ["inspect", "bench"])
def test_a_lower_address_space_limit_already_in_force_is_kept_not_raised(tmp_path, command):
    """CI containers and `ulimit -v` set a hard limit below inspect's 4096 MB: edgeopt must not ask to raise it."""
    path = _onnx_model(tmp_path / "m.onnx")
    extra = " --rounds 1 --min-runs 10 --min-seconds 0" if command == "bench" else ""
    proc = subprocess.run(
        ["bash", "-c", f"ulimit -v 3500000 && exec {EDGEOPT} {command} {path}{extra}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "not allowed to raise" not in proc.stderr


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_a_measuring_child_dies_with_a_killed_edgeopt(tmp_path):
    path = _onnx_model(tmp_path / "m.onnx")
    parent = subprocess.Popen(
        [EDGEOPT, "bench", str(path), "--rounds", "1", "--min-seconds", "300"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (children := _children(parent.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert children, "bench started no measuring process"
    time.sleep(1)  # past the wrapper's exec: the child is measure.py now
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while any(map(_alive, children)) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = [c for c in children if _alive(c)]
    assert not alive, f"measuring process {alive} outlived its parent"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
