"""Golden vectors: a few fixed inputs and the verified file's outputs for them, shipped in every bundle, so the
same file can be checked on the device it will run on (`edgeopt check-device`).

golden/inputs.npy holds the first SAMPLES inputs of the verify split as the runners take them (float32, after the
model's normalization: value = (pixel - mean) / std); golden/<model file>.npy holds that file's outputs for them
from its official runtime on the build machine (dequantized to float32, as the runners return them); golden.json
names the files with their sha256, the labels, each file's top-1 per input, the machine that made them and the
tolerance a device check applies by default.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from edgeopt.errors import InputRejected

log = logging.getLogger(__name__)

FOLDER = "golden"
SAMPLES = 8
# A device passes when every golden input keeps its top-1 and no output moves by more than this. The default
# allows the kernel differences measured between x86 and emulated aarch64 (largest 0.0706 over 360 test images,
# MobileNetV3-Small int8 ONNX; README "ARM"), while a file that is not the verified one fails.
MAX_ABS_DIFF = 0.1
MIN_AGREEMENT = 1.0


def _sha(path: Path) -> str:
    from edgeopt.hashing import sha256_file

    return sha256_file(path)


def write(out: Path, models: list[Path], x: np.ndarray, y: np.ndarray, split: str) -> dict:
    """golden/ for the bundle folder `out` and its model files; returns golden.json's content."""
    from edgeopt.runtime.environment import machine
    from edgeopt.runtime.runners import open_runner

    folder = out / FOLDER
    folder.mkdir()
    inputs = np.ascontiguousarray(x[:SAMPLES], np.float32)
    np.save(folder / "inputs.npy", inputs)
    entries = {}
    for model in models:
        outputs = open_runner(model).predict(inputs)
        np.save(folder / f"{model.name}.npy", outputs)
        entries[model.name] = {
            "sha256": _sha(model),
            "outputs": f"{model.name}.npy",
            "outputs_sha256": _sha(folder / f"{model.name}.npy"),
            "top1": [int(v) for v in outputs.argmax(-1)],
        }
    meta = {
        "schema_version": 1,
        "inputs": {
            "file": "inputs.npy",
            "sha256": _sha(folder / "inputs.npy"),
            "shape": list(inputs.shape),
            "dtype": "float32",
            "source": f"the first {len(inputs)} samples of the {split} split, normalized as the model expects",
            "labels": [int(v) for v in y[:SAMPLES]],
        },
        "models": entries,
        "made_on": {k: machine()[k] for k in ("cpu", "arch", "isa")},
        "tolerance": {"max_abs_diff": MAX_ABS_DIFF, "min_agreement": MIN_AGREEMENT},
    }
    (folder / "golden.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def load(bundle: Path) -> tuple[dict, np.ndarray]:
    """golden.json and the inputs, with every checksum verified; InputRejected (exit 3) for a bundle whose golden
    vectors are missing or do not match their checksums."""
    folder = Path(bundle) / FOLDER
    meta_path = folder / "golden.json"
    if not meta_path.is_file():
        raise InputRejected(f"{bundle}: no {FOLDER}/golden.json; bundles made by edgeopt carry golden vectors")
    try:
        meta = json.loads(meta_path.read_text())
        files = [(meta["inputs"]["file"], meta["inputs"]["sha256"])]
        files += [(m["outputs"], m["outputs_sha256"]) for m in meta["models"].values()]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputRejected(f"{meta_path}: not a golden.json edgeopt wrote ({exc})") from None
    for name, sha in files:
        path = folder / Path(name).name
        if not path.is_file() or _sha(path) != sha:
            raise InputRejected(f"{path}: missing or does not match its sha256 in golden.json")
    return meta, np.load(folder / Path(meta["inputs"]["file"]).name, allow_pickle=False)


def check(bundle: Path, target, max_abs_diff: float | None = None, min_agreement: float | None = None) -> dict:
    """Run every bundled file the target can run on its golden inputs there; compare with the golden outputs."""
    meta, x = load(bundle)
    from edgeopt.formats import for_path

    max_abs_diff = meta["tolerance"]["max_abs_diff"] if max_abs_diff is None else max_abs_diff
    min_agreement = meta["tolerance"]["min_agreement"] if min_agreement is None else min_agreement
    rows, machine = [], None
    for name, entry in meta["models"].items():
        model = Path(bundle) / name
        row = {"file": name}
        if for_path(model).name not in target.formats:
            rows.append({**row, "skipped": f"{target.label} does not run {for_path(model).name} files"})
            continue
        if not model.is_file():
            raise InputRejected(f"{model}: listed in golden.json but not in the bundle")
        expected = np.load(Path(bundle) / FOLDER / Path(entry["outputs"]).name, allow_pickle=False)
        got, machine = target.predict(model, x)
        if got.shape != expected.shape:
            rows.append({**row, "passed": False, "problems": [f"outputs {got.shape}, expected {expected.shape}"]})
            continue
        agreement = float(np.mean(got.argmax(-1) == np.asarray(entry["top1"])))
        diff = float(np.max(np.abs(got.astype(np.float64) - expected)))
        problems = []
        if _sha(model) != entry["sha256"]:
            problems.append("the file is not the one the golden vectors were made from (sha256 differs)")
        if agreement < min_agreement:
            problems.append(f"top-1 agreement {agreement:.4f} < {min_agreement}")
        if diff > max_abs_diff:
            problems.append(f"largest output difference {diff:.4g} > {max_abs_diff}")
        rows.append({**row, "agreement": agreement, "max_abs_diff": diff, "passed": not problems, "problems": problems})
        log.info("check-device: %s on %s: agreement %.4f, max |diff| %.3g", name, target.label, agreement, diff)
    checked = [r for r in rows if "skipped" not in r]
    if not checked:
        from edgeopt.errors import UsageError

        raise UsageError(f"{bundle}: {target.label} runs none of its files ({', '.join(meta['models'])})")
    return {
        "bundle": str(bundle),
        "target": target.label,
        "machine": machine,
        "samples": len(x),
        "tolerance": {"max_abs_diff": max_abs_diff, "min_agreement": min_agreement},
        "models": rows,
        "passed": bool(checked) and all(r["passed"] for r in checked),
    }
