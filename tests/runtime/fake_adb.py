"""A stand-in `adb` that replays a phone's documented responses (tests only; there is no phone here).

FAKE_ADB_MODE: ok | nodevice | unauthorized | multiple | timeout. FAKE_ADB_ROOT: a folder that plays the phone's
file system. FAKE_ADB_OUTPUT: the benchmark_model output to print. Messages are adb's own wording.

benchmark_model with --output_filepath writes, as the real binary's OutputSaver does at the end of the benchmark,
the raw bytes of every output tensor in order, after running the model on the raw input bytes given with
--input_layer_value_files; here the host's TFLite interpreter plays the phone's. FAKE_ADB_OLD_BINARY=1 plays a
benchmark_model build without that flag: it writes nothing.
"""

import os
import shutil
import sys
import time
from pathlib import Path

mode = os.environ.get("FAKE_ADB_MODE", "ok")
root = Path(os.environ["FAKE_ADB_ROOT"])
args = sys.argv[1:]
serial = None
if args[:1] == ["-s"]:
    serial, args = args[1], args[2:]
log = root / "adb.log"
with open(log, "a") as fh:
    fh.write(" ".join(sys.argv[1:]) + "\n")


def phone(path: str) -> Path:
    return root / path.lstrip("/")


if mode == "timeout":
    time.sleep(60)
if args == ["devices"]:
    rows = {
        "ok": ["R5CT1234ABC\tdevice"],
        "nodevice": [],
        "unauthorized": ["R5CT1234ABC\tunauthorized"],
        "multiple": ["R5CT1234ABC\tdevice", "emulator-5554\tdevice"],
    }[mode]
    print("List of devices attached\n" + "\n".join(rows) + "\n")
    sys.exit(0)
if mode == "nodevice":
    sys.stderr.write(f"error: device '{serial}' not found\n")
    sys.exit(1)
if mode == "unauthorized":
    sys.stderr.write(
        "error: device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\n"
        "Try 'adb kill-server' if that seems wrong.\nOtherwise check for a confirmation dialog on your device.\n"
    )
    sys.exit(1)
if args == ["get-state"]:
    print("device")
elif args[0] == "push":
    dst = phone(args[2])
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(args[1], dst)
    print(f"{args[1]}: 1 file pushed, 0 skipped.")
elif args[:3] == ["shell", "mktemp", "-d"]:
    folder = args[3].replace("XXXXXX", "a1b2c3")
    phone(folder).mkdir(parents=True)
    print(folder)
elif args[:3] == ["shell", "rm", "-rf"]:
    shutil.rmtree(phone(args[3]), ignore_errors=True)
elif args[:2] == ["shell", "getprop"]:
    print({"ro.product.model": "Pixel 7", "ro.product.cpu.abi": "arm64-v8a"}[args[2]])
elif args[0] == "pull":
    if not phone(args[1]).is_file():
        sys.stderr.write(f"adb: error: failed to stat remote object '{args[1]}': No such file or directory\n")
        sys.exit(1)
    shutil.copy(phone(args[1]), args[2])
    print(f"{args[1]}: 1 file pulled, 0 skipped.")
elif args[0] == "shell" and "benchmark_model" in args[1]:
    import shlex

    flags = dict(a[2:].split("=", 1) for a in shlex.split(args[1]) if a.startswith("--") and "=" in a)
    if "output_filepath" in flags and not os.environ.get("FAKE_ADB_OLD_BINARY"):
        import numpy as np
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=str(phone(flags["graph"])))
        interpreter.allocate_tensors()
        tensor = interpreter.get_input_details()[0]
        value_file = flags["input_layer_value_files"].replace("::", "\0").split(":", 1)[1]
        raw = phone(value_file).read_bytes()
        interpreter.set_tensor(tensor["index"], np.frombuffer(raw, tensor["dtype"]).reshape(tensor["shape"]))
        interpreter.invoke()
        outputs = [interpreter.get_tensor(o["index"]).tobytes() for o in interpreter.get_output_details()]
        phone(flags["output_filepath"]).write_bytes(b"".join(outputs))
    print(Path(os.environ["FAKE_ADB_OUTPUT"]).read_text())
else:
    sys.stderr.write(f"fake adb: unexpected {args}\n")
    sys.exit(1)
