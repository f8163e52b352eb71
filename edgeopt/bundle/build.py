"""Assemble and check one bundle folder per target."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeopt import metrics
from edgeopt.errors import ToolchainError

log = logging.getLogger(__name__)


@dataclass
class BundleSource:
    """What a bundle is made from: the run's files and what was measured on them."""

    name: str  # recipe name
    export_dir: Path
    artifacts: list[dict]  # export stage artifacts, with "accuracy" / "latency" merged in when measured
    class_names: list[str]
    x: np.ndarray  # the verify split
    y: np.ndarray
    split: str
    channels: int
    info: object  # stage_configs.BundleStage (model_version, author, license, description, input_mean, input_std)


def _pick(src: BundleSource, fmt: str) -> dict | None:
    arts = [a for a in src.artifacts if a["format"] == fmt]
    return next((a for a in arts if a["name"] == f"{fmt}_int8"), arts[0] if arts else None)


def build_bundles(src: BundleSource, targets: list[str], out_root: Path) -> list[dict]:
    tflite, onnx = _pick(src, "tflite"), _pick(src, "onnx")
    results = []
    for target in targets:
        if target == "android" and tflite is None:
            raise ToolchainError("an android bundle needs a TFLite export: add one to export.tflite")
        if target == "ios" and tflite is None and onnx is None:
            raise ToolchainError("an ios bundle needs a TFLite or ONNX export")
        results.append(_bundle(src, target, out_root / target, tflite, None if target == "android" else onnx))
    return results


def _bundle(src: BundleSource, target: str, out: Path, tflite: dict | None, onnx: dict | None) -> dict:
    from edgeopt.bundle import card, ort_format, tflite_metadata
    from edgeopt.formats.onnx.read import read_onnx
    from edgeopt.formats.tflite.read import read_tflite

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    labels = out / "labels.txt"
    labels.write_text("\n".join(src.class_names) + "\n")
    cfg = src.info
    models: list[tuple[Path, dict, dict]] = []  # (file, source artifact, operators)
    if tflite is not None:
        path = out / "model.tflite"
        path.write_bytes(
            tflite_metadata.embed(
                (src.export_dir / tflite["file"]).read_bytes(),
                labels,
                name=src.name,
                description=cfg.description or f"{src.name}: image classifier over {len(src.class_names)} classes",
                version=cfg.model_version,
                author=cfg.author,
                license=cfg.license,
                mean=cfg.input_mean,
                std=cfg.input_std,
                grayscale=src.channels == 1,
            )
        )
        models.append((path, tflite, read_tflite(path).op_counts))
    if onnx is not None:
        if target == "generic":
            shutil.copy(src.export_dir / onnx["file"], out / "model.onnx")
            models.append((out / "model.onnx", onnx, read_onnx(out / "model.onnx")["op_counts"]))
        ort_file, config = ort_format.to_ort(
            src.export_dir / onnx["file"], out, "model", target_platform=None if target == "generic" else "arm"
        )
        models.append((ort_file, onnx, ort_format.required_operators(config)))
    entries, checks = [], []
    for path, art, ops in models:
        checks.append(_check(src, path, art))
        entry = card.model_entry(path, channels=src.channels, mean=cfg.input_mean, std=cfg.input_std, operators=ops)
        entry.update(
            {
                "source_artifact": art["name"],
                "precision": art["precision"],
                "accuracy": {
                    "top1": (art.get("accuracy") or {}).get("top1"),
                    "split": src.split,
                    "samples": len(src.y),
                    "drop": (art.get("accuracy") or {}).get("drop"),
                },
                "latency_ms": {k: art["latency"][k] for k in ("p50_ms", "p90_ms") if k in art["latency"]}
                if art.get("latency")
                else None,
            }
        )
        entries.append(entry)
    from edgeopt.bundle import golden

    golden.write(out, [path for path, _, _ in models], src.x, src.y, src.split)
    model_card = {
        "name": src.name,
        "version": cfg.model_version,
        "description": cfg.description or f"Image classifier over {len(src.class_names)} classes.",
        "author": cfg.author,
        "license": cfg.license,
        "target": target,
        "labels": {"file": "labels.txt", "count": len(src.class_names)},
        "models": entries,
        "golden": {
            "folder": golden.FOLDER,
            "samples": min(golden.SAMPLES, len(src.y)),
            "check": f"edgeopt check-device {out.name} --target local|ssh://...|adb://...|emulated:aarch64",
        },
        "files": {p.relative_to(out).as_posix(): _sha(p) for p in sorted(out.rglob("*")) if p.is_file()},
    }
    (out / "model_card.json").write_text(json.dumps(model_card, indent=2) + "\n")
    (out / "README.md").write_text(_readme(model_card))
    model_card["files"]["README.md"] = _sha(out / "README.md")
    model_card["files"]["model_card.json"] = None  # cannot hold its own checksum
    log.info("bundle: %s -> %s (%s)", target, out, ", ".join(sorted(model_card["files"])))
    return {"target": target, "dir": str(out), "files": model_card["files"], "checks": checks}


def _sha(path: Path) -> str:
    from edgeopt.hashing import sha256_file

    return sha256_file(path)


def _check(src: BundleSource, path: Path, art: dict) -> dict:
    """Load the bundled file with its official runtime: the top-1 must equal the verified one; TFLite metadata
    must read back (edgeopt.bundle.tflite_metadata, the same bytes as the official writer) with the labels."""
    from edgeopt.runtime.runners import open_runner

    top1 = metrics.top1(open_runner(path).predict(src.x), src.y)
    verified = (art.get("accuracy") or {}).get("top1")
    check = {"file": path.name, "top1": top1, "verified_top1": verified}
    if verified is None or abs(top1 - verified) > 1e-9:
        raise ToolchainError(
            f"bundled {path.name} gives top-1 {top1:.4f}, but {art['name']} was verified at "
            f"{verified}: the bundle does not hold the verified model"
        )
    if path.suffix == ".tflite":
        from edgeopt.bundle.tflite_metadata import read

        md = read(path)
        if md is None or md.get("labels") != src.class_names or md["metadata"].get("name") != src.name:
            raise ToolchainError(f"{path.name}: embedded metadata did not read back as written")
        check["metadata"] = {"name": md["metadata"]["name"], "associated_files": md["associated_files"]}
    return check


def _readme(card: dict) -> str:
    lines = [f"# {card['name']} {card['version']} ({card['target']})", "", card["description"], ""]
    for m in card["models"]:
        i, o = m["inputs"][0], m["outputs"][0]
        q = i.get("quantization")
        lines += [
            f"## {m['file']} ({m['runtime']}, {m['precision']})",
            "",
            f"- Input `{i['name']}`: {i['dtype']} {i['shape']}, {i['layout']}, {i['channel_order']}; "
            f"value = (pixel - {i['normalization']['mean']}) / {i['normalization']['std']}"
            + (f", then quantized with scale {q['scale']:.6g} and zero point {q['zero_point']}" if q else "")
            + ".",
            f"- Output `{o['name']}`: {o['dtype']} {o['shape']}, {o['meaning']}"
            + (
                f"; dequantize with (value - {o['quantization']['zero_point']}) * {o['quantization']['scale']:.6g}"
                if o.get("quantization")
                else ""
            )
            + ".",
            f"- Verified top-1 {m['accuracy']['top1']:.4f} on {m['accuracy']['samples']} {m['accuracy']['split']} "
            f"samples"
            + (f"; p50 {m['latency_ms']['p50_ms']:.3f} ms batch 1 on the build machine" if m["latency_ms"] else "")
            + ".",
            f"- Minimum runtime: {m['min_runtime_version'] or 'not recorded'}; sha256 `{m['sha256']}`.",
            "",
        ]
    lines += [
        "Labels: labels.txt, one per line, in output order. Full contract: model_card.json.",
        "",
        f"Golden vectors: {card['golden']['folder']}/ holds {card['golden']['samples']} fixed inputs and each file's "
        "outputs for them on the build machine; `edgeopt check-device THIS_FOLDER --target ...` runs them on a "
        "device and fails on a mismatch.",
        "",
    ]
    return "\n".join(lines)
