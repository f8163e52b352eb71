"""`edgeopt doctor`: is this machine able to run edgeopt, and what is missing?

Three kinds of line: the installed versions against the tested stack (the pins in edgeopt's own package metadata);
the core chain, each conversion route tried for real on a tiny model in a temporary folder; and the optional
parts (bundle tooling, MLflow, Ray, system programs from edgeopt/doctor/needs.py), each ok or missing with the
exact fix. Exit 0: everything works; 1: the core chain works, something optional is missing or untested; 4: the
core chain is broken.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from edgeopt.errors import EXIT_GATE_FAILED, EXIT_OK, EXIT_TOOLCHAIN

log = logging.getLogger(__name__)

SETUP_ONLY = ("venv", "root")  # needs of the set-up or of a test, not parts of edgeopt: doctor does not list them


@dataclass
class Check:
    name: str
    kind: str  # "stack" | "core" | "optional"
    status: str  # "ok" | "missing" | "failed" | "untested"
    detail: str
    fix: str | None = None
    seconds: float | None = None


def stack_checks() -> list[Check]:
    from edgeopt.doctor.stack import TFLITE_SUPPORT, install_tflite_support, pip_install, tested_stack

    checks = []
    for name, (pin, extra) in tested_stack().items():
        if extra == "dev":
            continue
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        kind = "core" if extra is None else "optional"
        install = install_tflite_support() if TFLITE_SUPPORT.startswith(name) else pip_install(f"{name}=={pin}")
        if have == pin:
            checks.append(Check(name, "stack", "ok", have))
        elif have is None:
            checks.append(
                Check(
                    name,
                    "stack" if kind == "optional" else "core",
                    "missing",
                    f"not installed (tested: {pin}" + (f", extra [{extra}])" if extra else ")"),
                    install,
                )
            )
        else:
            checks.append(Check(name, "stack", "untested", f"{have} installed, tested with {pin}", install))
    return checks


class _Routes:
    """The conversion routes on one tiny model, in order; a later route reuses what an earlier one wrote."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.x = np.random.default_rng(0).random((4, 8, 8, 3), dtype=np.float32)

    def tf_keras_model(self):
        from edgeopt._keras import keras

        keras.utils.set_random_seed(0)
        inp = keras.Input((8, 8, 3), name="input")
        x = keras.layers.Conv2D(4, 3, activation="relu")(inp)
        out = keras.layers.Dense(3, activation="softmax")(keras.layers.GlobalAveragePooling2D()(x))
        self.model = keras.Model(inp, out)
        self.expected = self.model(self.x, training=False).numpy()

    def _agrees(self, path: Path, tolerance: float) -> str:
        from edgeopt.runtime.runners import open_runner

        got = open_runner(path).predict(self.x)
        diff = float(np.max(np.abs(got - self.expected)))
        if not diff <= tolerance:
            raise AssertionError(f"{path.name} output differs from Keras by {diff:.3g} (allowed {tolerance})")
        return f"{path.name} runs, max |diff| vs Keras {diff:.1e}"

    def tflite(self) -> str:
        from edgeopt.formats.tflite.convert import export_tflite

        self.tf_keras_model()
        export_tflite(self.model, self.work / "model_float32.tflite", "float32")
        export_tflite(self.model, self.work / "model_int8.tflite", "int8", calibration=self.x)
        self._agrees(self.work / "model_float32.tflite", 1e-5)
        return "float32 and int8 files; " + self._agrees(self.work / "model_int8.tflite", 0.1)

    def tf2onnx(self) -> str:
        from edgeopt.formats.onnx.convert import export_onnx_float

        if not hasattr(self, "model"):
            self.tf_keras_model()
        export_onnx_float(self.model, self.work / "model_float32.onnx", opset=17)
        return self._agrees(self.work / "model_float32.onnx", 1e-5)

    def ort_static(self) -> str:
        from edgeopt.formats.onnx.convert import quantize_onnx_int8

        quantize_onnx_int8(self.work / "model_float32.onnx", self.work / "model_int8.onnx", self.x, per_channel=True)
        return self._agrees(self.work / "model_int8.onnx", 0.1)

    def keras3_model(self):
        from edgeopt._keras import keras3

        k3 = keras3()
        k3.utils.set_random_seed(0)
        inp = k3.Input((8, 8, 3), name="input")
        x = k3.layers.Conv2D(4, 3, activation="relu")(inp)
        out = k3.layers.Dense(3, activation="softmax")(k3.layers.GlobalAveragePooling2D()(x))
        self.k3_model = k3.Model(inp, out)
        self.k3_file = self.work / "keras3.keras"
        self.k3_model.save(self.k3_file)

    def keras3_rebuild(self) -> str:
        from edgeopt.models.keras3_convert import convert_keras3_file

        self.keras3_model()
        rebuilt = convert_keras3_file(self.k3_file)
        return f"Keras 3 .keras file rebuilt in tf_keras ({len(rebuilt.layers)} layers, outputs agree)"

    def savedmodel(self) -> str:
        from edgeopt.formats.tflite.convert import export_tflite
        from edgeopt.models.keras3_convert import export_savedmodel

        if not hasattr(self, "k3_model"):
            self.keras3_model()
        folder = self.work / "saved_model"
        export_savedmodel(self.k3_model, folder)
        self.expected = np.asarray(self.k3_model(self.x, training=False))
        export_tflite(self.k3_model, self.work / "k3_float32.tflite", "float32", saved_model=folder)
        return "Keras 3 -> SavedModel -> TFLite; " + self._agrees(self.work / "k3_float32.tflite", 1e-5)

    def bundle(self) -> str:
        from edgeopt.bundle import ort_format, tflite_metadata

        labels = self.work / "labels.txt"
        labels.write_text("a\nb\nc\n")
        source = self.work / "model_int8.tflite"
        if not source.is_file():
            raise RuntimeError("not checked: the TFLite route failed")
        out = self.work / "bundled.tflite"
        out.write_bytes(
            tflite_metadata.embed(
                source.read_bytes(),
                labels,
                name="doctor",
                description="check",
                version="1",
                author="",
                license="",
                mean=[0.0],
                std=[255.0],
                grayscale=False,
            )
        )
        if tflite_metadata.read(out)["labels"] != ["a", "b", "c"]:
            raise RuntimeError("the metadata did not read back")
        ort_format.to_ort(self.work / "model_int8.onnx", self.work / "ort", "model")
        return "TFLite metadata written and read back; ONNX -> ORT format"


CORE_ROUTES = (
    ("route: tf_keras -> TFLite", "tflite"),
    ("route: tf2onnx", "tf2onnx"),
    ("route: onnxruntime static int8", "ort_static"),
)
KERAS3_ROUTES = (
    ("route: Keras 3 rebuild", "keras3_rebuild"),
    ("route: Keras 3 SavedModel", "savedmodel"),
)
ROUTE_FIX = "reinstall the tested stack (make install, or pip install -e .), then run edgeopt doctor -vv for the trace"


def _timed(name: str, kind: str, fn: Callable[[], str], fix: str | None = None) -> Check:
    started = time.perf_counter()
    try:
        detail, status = fn(), "ok"
    except Exception as exc:
        log.debug("doctor: %s", name, exc_info=True)
        detail, status = f"{type(exc).__name__}: {str(exc)[:300]}", "failed"
    return Check(name, kind, status, detail, fix if status != "ok" else None, round(time.perf_counter() - started, 2))


def importable(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # sys.modules[module] is None: imports of it are blocked
        return False


def _python_part(name: str, module: str, extra: str) -> Check:
    from edgeopt.doctor.stack import install_extra

    fix = install_extra(extra)
    if not importable(module):
        return Check(name, "optional", "missing", f"the {extra} extra is not installed", fix)
    return Check(name, "optional", "ok", f"{module} importable")


def system_checks() -> list[Check]:
    from edgeopt.doctor.needs import NEEDS

    out = []
    for need in NEEDS.values():
        if need.name in SETUP_ONLY:
            continue
        ok = need.present()
        detail = need.used_by if ok else f"not found; needed for {need.used_by}"
        out.append(Check(need.name, "optional", "ok" if ok else "missing", detail, None if ok else need.fix))
    return out


def _keras3_checks() -> list[Check]:
    """The Keras 3 routes, run in a child process beside the parent's own TensorFlow import (each costs seconds
    of imports; on two cores the child halves the wait)."""
    with tempfile.TemporaryDirectory(prefix="edgeopt-doctor-k3-") as work:
        routes = _Routes(Path(work))
        return [_timed(label, "core", getattr(routes, method), ROUTE_FIX) for label, method in KERAS3_ROUTES]


def run_checks() -> list[Check]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    checks = stack_checks()
    if any(c.kind == "core" and c.status == "missing" for c in checks):
        return checks  # a core library is not installed: no route can be tried
    with (
        tempfile.TemporaryDirectory(prefix="edgeopt-doctor-") as work,
        ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        keras3 = pool.submit(_keras3_checks)
        routes = _Routes(Path(work))
        for label, method in CORE_ROUTES:
            checks.append(_timed(label, "core", getattr(routes, method), ROUTE_FIX))
        from edgeopt.doctor.stack import install_tflite_support

        bundle = _timed("bundle: TFLite metadata and ORT format", "optional", routes.bundle, install_tflite_support())
        try:
            checks += keras3.result(timeout=300)
        except Exception as exc:  # the child itself died (a crash in a native library)
            checks += [
                Check(label, "core", "failed", f"{type(exc).__name__}: {exc}", ROUTE_FIX) for label, _ in KERAS3_ROUTES
            ]
        checks.append(bundle)
    checks.append(_python_part("MLflow (report.mlflow)", "mlflow", "mlflow"))
    checks.append(_python_part("Ray (sweep --executor ray)", "ray", "ray"))
    return checks + system_checks()


def exit_code(checks: list[Check]) -> int:
    if any(c.kind == "core" and c.status != "ok" for c in checks):
        return EXIT_TOOLCHAIN
    return EXIT_GATE_FAILED if any(c.status != "ok" for c in checks) else EXIT_OK


def as_json(checks: list[Check]) -> dict:
    return {"exit_code": exit_code(checks), "checks": [asdict(c) for c in checks]}
