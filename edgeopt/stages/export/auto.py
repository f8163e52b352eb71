"""After a post-training int8 file is written: rank its layers by quantization SQNR, check it against
quantize.max_drop, and with strategy auto search the fallbacks (edgeopt.autoquant) for one that meets it."""

from __future__ import annotations

import logging
import tempfile
from functools import cache
from pathlib import Path

from edgeopt.errors import EdgeoptError

log = logging.getLogger(__name__)


class Int8Follow:
    """Shared, lazily computed inputs for both formats: samples, float reference, QAT model."""

    def __init__(self, ctx, model, calibration, saved_model) -> None:
        self.ctx, self.model, self.calibration, self.saved_model = ctx, model, calibration, saved_model
        self.cfg, self.seed, self.qat = ctx.config.quantize, ctx.config.seed, ctx.config.qat
        # The diagnosis explains a post-training conversion; a QAT file's ranges come from training.
        self.diagnose = self.cfg.method == "ptq" and (self.cfg.diagnose or self.cfg.strategy == "auto")
        self.layers = {layer.name for layer in getattr(model, "layers", [])}
        ds = ctx.dataset
        self.x_diag = ds.split("val")[0][: self.cfg.diagnose_samples]
        self.x_budget, self.y_budget = ds.split(self.cfg.budget_split)

    @cache  # noqa: B019 - one instance per export stage run
    def evaluator(self):
        from edgeopt.autoquant.search import Evaluator
        from edgeopt.runtime.runners import KerasRunner

        reference = KerasRunner(self.model).predict(self.x_budget)
        return Evaluator(reference, self.y_budget, self.cfg.max_drop, self.cfg.drop_type, self.cfg.budget_split)

    @cache  # noqa: B019
    def more_calibration(self):
        from edgeopt.data.calibration import calibration_samples

        ds, n = self.ctx.dataset, len(self.calibration)
        if n >= len(ds.y_train):
            return None
        return calibration_samples(ds, min(len(ds.y_train), n * self.cfg.calibration_boost), self.seed)

    @cache  # noqa: B019
    def qat_model(self):
        from edgeopt.compress.qat import train_qat

        log.info("auto: QAT fine-tuning for %d epoch(s)", self.qat.epochs)
        model, _, _ = train_qat(self.ctx.load_model(), self.ctx.dataset, self.qat, self.seed)
        return model

    def _inputs(self, ranking, keep_float):
        from edgeopt.autoquant.chains import Inputs

        # The QAT fallback is configured (stage_configs.export_config) only when strategy auto lists it.
        qat = None if self.ctx.model_route == "keras3_savedmodel_ptq" or self.qat is None else self.qat_model
        return Inputs(self.cfg, self.calibration, self.more_calibration(), ranking, keep_float, qat)

    def _settle(self, path: Path, attempts) -> tuple[Path, dict | None]:
        if self.cfg.max_drop is None:
            return path, None
        from edgeopt.autoquant.search import search

        return search(path, attempts if self.cfg.strategy == "auto" else [], self.evaluator(), self.x_budget)

    def tflite(self, path: Path) -> tuple[Path, dict | None, dict | None]:
        """(kept file, diagnosis, budget summary) for a post-training int8 .tflite file."""
        from edgeopt.autoquant.chains import tflite_attempts
        from edgeopt.diagnose.tflite import sensitivity
        from edgeopt.stages.export.tflite import converter_for

        diagnosis, ranking, keep_float = None, [], None
        if self.diagnose:
            try:
                ranking, graph = sensitivity(
                    lambda: converter_for(self.model, self.saved_model), self.calibration, self.x_diag, self.layers
                )
                keep_float = lambda row: graph.keep_float(row["node"])  # noqa: E731
                diagnosis = _diagnosis("TFLite QuantizationDebugger", ranking, len(self.x_diag))
            except EdgeoptError as exc:
                diagnosis = {"error": str(exc)}
                log.warning("export: TFLite per-layer diagnosis failed: %s", exc)
        attempts = tflite_attempts(self._inputs(ranking, keep_float), self.model, self.saved_model)
        return (*self._settle(path, attempts), diagnosis)  # type: ignore[return-value]

    def onnx(self, float_path: Path, path: Path) -> tuple[Path, dict | None, dict | None]:
        from edgeopt.autoquant.chains import onnx_attempts
        from edgeopt.diagnose import onnx as donnx
        from edgeopt.stages.export.onnx import quantize_onnx_int8

        diagnosis, ranking, keep_float = None, [], None
        c = self.cfg
        if self.diagnose:
            try:
                with tempfile.TemporaryDirectory(prefix="edgeopt-diag-") as work:
                    qdq = path
                    if c.onnx_format != "qdq":  # qdq_loss_debug reads Q/DQ pairs: diagnose a QDQ twin
                        qdq = Path(work) / "twin.onnx"
                        quantize_onnx_int8(
                            float_path,
                            qdq,
                            self.calibration,
                            c.per_channel,
                            c.onnx_activations,
                            c.onnx_weights,
                            "qdq",
                            c.onnx_calibration,
                        )
                    ranking = donnx.sensitivity(float_path, qdq, self.x_diag, self.layers)
                graph = donnx.graph(float_path)
                keep_float = lambda row: graph.keep_float(row["tensor"])  # noqa: E731
                diagnosis = _diagnosis("onnxruntime qdq_loss_debug", ranking, len(self.x_diag))
                if c.onnx_format != "qdq":
                    diagnosis["note"] = "measured on a QDQ twin with the same settings"
            except EdgeoptError as exc:
                diagnosis = {"error": str(exc)}
                log.warning("export: ONNX per-layer diagnosis failed: %s", exc)
        attempts = onnx_attempts(self._inputs(ranking, keep_float), float_path, self.ctx.config.files.onnx_opset)
        return (*self._settle(path, attempts), diagnosis)  # type: ignore[return-value]


def _diagnosis(tool: str, ranking: list[dict], samples: int) -> dict:
    if ranking:
        top = ranking[0]
        log.info(
            "export: most sensitive tensor (%s): %s, SQNR %.1f dB", tool, top["layer"] or top["tensor"], top["sqnr_db"]
        )
    return {"tool": tool, "samples": samples, "metric": "sqnr_db", "layers": ranking}
