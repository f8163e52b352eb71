"""The corpus of hostile .keras files (issue 15's D3 and D4 among them): each is refused with exit 3 and a
one-line message from the zip directory and the config alone, before Keras builds anything, in well under 5 s.
The files are made here (an inflation bomb is small stored but not small to commit), deterministically."""

from __future__ import annotations

import json
import os
import time
import zipfile

import pytest
from click.testing import CliRunner

from edgeopt.cli import cli
from edgeopt.errors import EXIT_INPUT_REJECTED, EXIT_USAGE, InputRejected
from edgeopt.models.user_model import read_keras_file


def _keras_zip(path, config: bytes, weights: bytes = b"") -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.10.0"}))
        zf.writestr("config.json", config)
        zf.writestr("model.weights.h5", weights)


def _functional(layers: list[dict]) -> bytes:
    return json.dumps({"class_name": "Functional", "config": {"name": "m", "layers": layers}}).encode()


def inflation_bomb(path):  # D3: config.json of 40 MiB of spaces, about 40 KB stored
    _keras_zip(path, b"{" + b" " * (40 * 2**20) + b"}")


def layer_flood(path):  # D4: 60,000 Dense layers in a config of a few hundred KB stored
    dense = {"class_name": "Dense", "config": {"units": 1}}
    _keras_zip(path, _functional([{**dense, "name": f"d{i}"} for i in range(60_000)]))


def deep_config(path):  # nesting past the recursive scans
    _keras_zip(path, b'{"a":' * 400 + b"1" + b"}" * 400)


def deeper_than_json(path):  # past the JSON parser's own recursion limit
    _keras_zip(path, b"[" * 100_000 + b"]" * 100_000)


def a_directory(path):
    path.mkdir()


def a_fifo(path):
    os.mkfifo(path)


def not_a_zip(path):
    path.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")  # /etc/passwd's first line


CORPUS = {
    "inflation-bomb": (inflation_bomb, "config.json inflates to 40 MiB"),
    "layer-flood": (layer_flood, "the model has 60,000 layers; edgeopt's limit is 10,000"),
    "deep-config": (deep_config, "config.json nests 400 levels deep"),
    "deeper-than-json": (deeper_than_json, "config.json is nested too deeply"),
    "directory": (a_directory, "is a directory; a .keras model is a single file"),
    "fifo": (a_fifo, "is not a regular file"),
    "not-a-zip": (not_a_zip, "not a .keras archive (not a zip file)"),
}


@pytest.mark.parametrize("case", CORPUS)
def test_a_hostile_keras_file_is_refused_fast_from_its_directory_and_config(tmp_path, case):
    make, message = CORPUS[case]
    path = tmp_path / "model.keras"
    make(path)
    start = time.perf_counter()
    with pytest.raises(InputRejected) as info:
        read_keras_file(path)
    assert time.perf_counter() - start < 5
    assert message in str(info.value) and "\n" not in str(info.value), str(info.value)
    result = CliRunner().invoke(cli, ["inspect", str(path)])
    if case == "directory":  # the command line refuses a directory argument itself: a usage error
        assert result.exit_code == EXIT_USAGE and "is a directory" in result.output, result.output
        return
    cli_message = "is not a regular file" if case == "fifo" else message  # inspect's own pre-check
    assert result.exit_code == EXIT_INPUT_REJECTED and cli_message in result.stderr, result.output
    assert "Traceback" not in result.stderr


def test_the_weight_size_is_read_from_the_zip_directory_before_inflating():
    from edgeopt.models.user_model import MAX_WEIGHT_BYTES, _check_sizes

    huge = zipfile.ZipInfo("model.weights.h5")
    huge.file_size = MAX_WEIGHT_BYTES + 1
    with pytest.raises(InputRejected, match=r"the weights inflate to 4\.0 GiB"):
        _check_sizes("m.keras", {"model.weights.h5": huge})


def test_a_lambda_is_named_by_inspect_without_loading_it(tmp_path):
    path = tmp_path / "lambda.keras"
    layer = {"class_name": "Lambda", "config": {"name": "code", "function": "print('pwned')"}}
    _keras_zip(path, _functional([layer]))
    result = CliRunner().invoke(cli, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["code_on_load"] and "Lambda 'code'" in out["code_on_load"][0]
    assert "--trust-model" in result.stderr
