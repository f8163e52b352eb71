"""Outputs of one model file for a batch of inputs, with the format's own runner, and this machine's fingerprint.

    python device_predict.py MODEL --runner RUNNER.py:CLASS --inputs X.npy --outputs Y.npy

Standalone (numpy and the runtime; the runner file is loaded by path, measure.py beside this file gives the
fingerprint), so it runs on the aarch64 builds of the runtimes under emulation exactly as edgeopt's verify stage
runs the file on x86. Prints one JSON object: the fingerprint.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(prog="device_predict")
    parser.add_argument("model")
    parser.add_argument("--runner", required=True, help="FILE:CLASS")
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    file, cls = args.runner.rsplit(":", 1)
    spec = importlib.util.spec_from_file_location("edgeopt_device_runner", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    runner = getattr(module, cls)(Path(args.model), args.threads)
    np.save(args.outputs, runner.predict(np.load(args.inputs)))
    sys.path.insert(0, str(Path(__file__).parent))
    from measure import fingerprint

    json.dump(fingerprint(), sys.stdout)  # the script's result protocol, as measure.py's (the caller parses it)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
