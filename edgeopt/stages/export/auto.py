"""After a post-training int8 file is written: rank its layers by quantization SQNR, check it against
quantize.max_drop, and with strategy auto search the fallbacks (edgeopt.autoquant) for one that meets it."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from edgeopt.models.routes import Route

log = logging.getLogger(__name__)

# Unset quantize.diagnose_samples: DIAGNOSIS_SAMPLES, scaled down above DIAGNOSIS_MACS by the model's
# multiply-accumulates, since each sample runs the debug models once more. ResNet-50 (3.9 G MACs at 224 px) gets 8:
# its per-tensor SQNR over 8 samples is within 0.6 dB of that over 64 (median 0.26), same 10 most sensitive tensors
# (benchmarks/diagnosis_samples.py).
DIAGNOSIS_SAMPLES, DIAGNOSIS_MIN_SAMPLES, DIAGNOSIS_MACS = 64, 8, 5e8


def diagnosis_samples(configured: int | None, model) -> int:
    """How many validation samples the per-layer diagnosis runs on: the recipe's count, else by model cost."""
    if configured is not None:
        return configured
    try:
        from edgeopt.models.profile import profile_model, totals

        macs = totals(profile_model(model))["macs"]
    except Exception:  # a model the profiler cannot read (a Keras 3 file): the plain default
        return DIAGNOSIS_SAMPLES
    scaled = int(DIAGNOSIS_SAMPLES * DIAGNOSIS_MACS / macs) if macs > DIAGNOSIS_MACS else DIAGNOSIS_SAMPLES
    return max(DIAGNOSIS_MIN_SAMPLES, scaled)


class Int8Follow:
    """Shared, lazily computed inputs for both formats: samples, float reference, QAT model."""

    def __init__(self, ctx, model, calibration, saved_model) -> None:
        self.ctx, self.model, self.calibration, self.saved_model = ctx, model, calibration, saved_model
        self.cfg, self.seed, self.qat = ctx.config.quantize, ctx.config.seed, ctx.config.qat
        self.opset = ctx.config.files.onnx_opset
        # The diagnosis explains a post-training conversion; a QAT file's ranges come from training.
        self.diagnose = self.cfg.method == "ptq" and (self.cfg.diagnose or self.cfg.strategy == "auto")
        self.layers = {layer.name for layer in getattr(model, "layers", [])}
        ds = ctx.dataset
        self.x_diag = ds.split("val")[0][: diagnosis_samples(self.cfg.diagnose_samples, model)]
        self.x_budget, self.y_budget = ds.split(self.cfg.budget_split)

    @cache  # noqa: B019 - one instance per export stage run
    def evaluator(self):
        from edgeopt.autoquant.search import Evaluator
        from edgeopt.runtime.runners import KerasRunner

        reference = KerasRunner(self.model).predict(self.x_budget)
        return Evaluator(reference, self.y_budget, self.cfg.max_drop, self.cfg.drop_type, self.cfg.budget_split)

    def interleaved_p50(self, files: list[Path], threads: int) -> dict[Path, float]:
        """p50 of each file on this machine, 3 interleaved rounds in child processes (the bench stage's way)."""
        from edgeopt.runtime.bench import run_bench
        from edgeopt.runtime.targets import LocalTarget, MeasureSettings

        settings = MeasureSettings.defaults(min_runs=50, min_seconds=0.3)
        result = run_bench(files, [threads], 3, settings, LocalTarget())
        by = {r["model"]: r for r in result["results"]}
        return {p: by[str(p)]["p50_ms"] for p in files}

    @cache  # noqa: B019
    def speed_evaluator(self):
        """The budget's evaluator; without a max_drop, a 1-point budget (formats/tflite/speed.py)."""
        if self.cfg.max_drop is not None:
            return self.evaluator()
        from edgeopt.autoquant.search import Evaluator
        from edgeopt.runtime.runners import KerasRunner

        reference = KerasRunner(self.model).predict(self.x_budget)
        return Evaluator(reference, self.y_budget, 0.01, "absolute", self.cfg.budget_split)

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

    def inputs(self, ranking, keep_float):
        from edgeopt.autoquant.chains import Inputs

        # The QAT fallback is configured (stage_configs.export_config) only when strategy auto lists it.
        qat = None if self.ctx.model_route == Route.PTQ_ONLY or self.qat is None else self.qat_model
        return Inputs(self.cfg, self.calibration, self.more_calibration(), ranking, keep_float, qat)

    def settle(self, path: Path, attempts) -> tuple[Path, dict | None]:
        if self.cfg.max_drop is None:
            return path, None
        from edgeopt.autoquant.search import search

        return search(path, attempts if self.cfg.strategy == "auto" else [], self.evaluator(), self.x_budget)

    def describe(self, tool: str, ranking: list[dict], seconds: float) -> dict:
        """The diagnosis entry of an artifact: the tool, the samples it ran on, what it cost and the ranking."""
        samples = len(self.x_diag)
        if ranking:
            top = ranking[0]
            log.info(
                "export: most sensitive tensor (%s, %.1f s): %s, SQNR %.1f dB",
                tool,
                seconds,
                top["layer"] or top["tensor"],
                top["sqnr_db"],
            )
        return {"tool": tool, "samples": samples, "seconds": round(seconds, 2), "metric": "sqnr_db", "layers": ranking}
