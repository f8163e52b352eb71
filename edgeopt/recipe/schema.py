"""The recipe schema: one pydantic model per pipeline section, declared in pipeline order.

Every model forbids unknown keys and is strict (a quoted "10" is not an integer), so a typo stops the run
instead of being ignored. `edgeopt schema` prints the JSON Schema generated from these classes.
"""

from __future__ import annotations

import difflib
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1
DIGITS_SAMPLES = 1797  # scikit-learn's load_digits

TFLitePrecision = Literal["float32", "float16", "dynamic", "int8", "int16x8"]
OnnxPrecision = Literal["float32", "dynamic", "int8"]
_ONNX_REFUSED = {
    "float16": "ONNX float16 export needs onnxconverter-common, which edgeopt does not ship; use tflite float16",
    "int16x8": "16-bit activations are a TFLite mode (int16x8); onnxruntime's 16-bit QDQ is not wired in edgeopt",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DataConfig(_Section):
    """Where the images come from and how they are shaped and split."""

    source: Literal["digits", "npz", "folder"] = Field(
        "digits",
        description="digits: scikit-learn's bundled handwritten digits (1,797 real 8x8 images, 10 classes). "
        "npz: a file with x_train, y_train, x_test, y_test. folder: one sub-folder of images per class.",
    )
    path: str | None = Field(
        None, description="File (npz) or folder (folder) to read; relative paths are relative to the recipe."
    )
    image_size: int = Field(32, ge=8, le=1024, description="Images are resized to image_size x image_size.")
    channels: Literal[1, 3] = Field(3, description="1 (grayscale) or 3 (RGB); grayscale is repeated to RGB.")
    layout: Literal["image", "sequence", "clip"] = Field(
        "image",
        description="image: (size, size, channels) for 2D models. sequence: each image read row by row, size steps "
        "of size x channels features, for 1D models. clip: `frames` frames of each image moving one pixel per frame "
        "in a seeded direction, (frames, size, size, channels), for 3D models (edgeopt/data/layouts.py).",
    )
    frames: int = Field(8, ge=2, le=64, description="Frames per clip (layout: clip).")
    val_fraction: float = Field(0.1, gt=0.0, lt=0.5, description="Share of the training data held out for validation.")
    test_fraction: float = Field(
        0.2,
        gt=0.0,
        lt=0.5,
        description="Share of all samples held out for testing (digits and folder; npz brings its own test split).",
    )

    @model_validator(mode="after")
    def _path_matches_source(self) -> DataConfig:
        if self.source == "digits" and self.path is not None:
            raise ValueError("'path' is not used with source 'digits'; remove it or set source to npz or folder")
        if self.source != "digits" and not self.path:
            raise ValueError(f"source '{self.source}' needs a 'path'")
        if self.layout != "clip" and self.frames != type(self).model_fields["frames"].default:
            raise ValueError("'frames' applies to layout: clip")
        return self


class ModelConfig(_Section):
    """The float model: a registered builder (`arch`, see `edgeopt models`) or the user's own file (`path`)."""

    arch: str | None = Field(None, description="A registered model name, for example mobilenet_v2.")
    path: str | None = Field(
        None,
        description="Your own saved model instead of a builder: a .keras file (Keras 2 or 3; checked for code "
        "before loading), or with --trust-model an .h5 file. Relative to the recipe.",
    )
    weights: str | None = Field(
        None, description="Initial weights for the builder from a local file (.weights.h5). Relative to the recipe."
    )
    width: float = Field(1.0, gt=0.0, le=4.0, description="Width (channel) multiplier.")
    dropout: float = Field(0.2, ge=0.0, lt=1.0, description="Dropout before the classifier.")
    small_input: bool | None = Field(
        None,
        description="Use the small-input stem (fewer early strides). Default: on when image_size < 96.",
    )
    bn_momentum: float = Field(
        0.9,
        gt=0.0,
        lt=1.0,
        description="BatchNorm moving-average momentum. 0.999 (Keras applications) barely moves in short "
        "training, so inference-mode accuracy stays at chance; 0.9 fits short runs.",
    )

    @model_validator(mode="after")
    def _arch_or_path(self) -> ModelConfig:
        if (self.arch is None) == (self.path is None):
            raise ValueError("set exactly one of 'arch' (a registered builder) or 'path' (your saved model)")
        # Against the defaults, not model_fields_set, so a dumped recipe (recipe.json) loads again.
        fields = type(self).model_fields
        builder_only = {
            n
            for n in ("width", "dropout", "small_input", "bn_momentum", "weights")
            if getattr(self, n) != fields[n].default
        }
        if self.path is not None and builder_only:
            raise ValueError(f"{', '.join(sorted(builder_only))} only apply to registered builders, not to 'path'")
        return self

    @field_validator("arch")
    @classmethod
    def _known_arch(cls, value: str | None) -> str | None:
        from edgeopt.models import list_models

        if value is None:
            return value
        names = list_models()
        if value not in names:
            close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else "."
            raise ValueError(f"unknown model '{value}'{hint} Allowed: {', '.join(names)}")
        return value


class TrainConfig(_Section):
    """Training of the float model from its initial weights. Omit the section to skip training."""

    epochs: int = Field(10, ge=0, le=10_000, description="Passes over the training split.")
    batch_size: int = Field(64, ge=1, le=65_536, description="Samples per step.")
    learning_rate: float = Field(1e-3, gt=0.0, le=10.0, description="Initial learning rate.")
    optimizer: Literal["adam", "sgd"] = Field("adam", description="adam, or sgd with Nesterov momentum 0.9.")
    schedule: Literal["constant", "cosine"] = Field("cosine", description="Learning-rate schedule over all steps.")
    label_smoothing: float = Field(0.0, ge=0.0, lt=1.0, description="Label smoothing of the loss.")


class _LayerSelection(_Section):
    include: list[str] = Field(["*"], description="Layer-name patterns (fnmatch) to compress.")
    exclude: list[str] = Field(
        [], description="Layer-name patterns to leave alone, e.g. [stem_conv, classifier] for the first and last layer."
    )
    layer_types: (
        list[Literal["Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Dense"]] | None
    ) = Field(None, description="Only these layer classes (default: every layer with a kernel).")


class PruneConfig(_LayerSelection):
    """Magnitude pruning (tfmot) of a copy of the float model, fine-tuned, stripped before export."""

    target_sparsity: float = Field(0.5, gt=0.0, lt=1.0, description="Share of zero weights in each pruned kernel.")
    schedule: Literal["polynomial", "constant"] = Field(
        "polynomial", description="polynomial: ramp from initial_sparsity to the target; constant: target at once."
    )
    initial_sparsity: float = Field(0.0, ge=0.0, lt=1.0, description="Start of the polynomial ramp.")
    begin_epoch: float = Field(0.0, ge=0.0, description="When pruning starts, in fine-tuning epochs.")
    end_epoch: float | None = Field(
        None, gt=0.0, description="When the polynomial ramp reaches the target (default: 3/4 of the epochs)."
    )
    frequency: int = Field(20, ge=1, description="Steps between mask updates.")
    structure: Literal["unstructured", "2:4"] = Field(
        "unstructured", description="2:4: two of every four weights along the input channels are zero."
    )
    epochs: int = Field(3, ge=1, le=10_000, description="Fine-tuning epochs while pruning.")
    learning_rate: float = Field(5e-4, gt=0.0, le=1.0, description="Fine-tuning learning rate.")
    batch_size: int = Field(32, ge=1, le=65_536, description="Fine-tuning batch size.")

    @property
    def ramp_end_epoch(self) -> float:
        """When the polynomial ramp reaches the target, in epochs."""
        return self.end_epoch if self.end_epoch is not None else 0.75 * self.epochs

    def steps(self, train_samples: int) -> tuple[int, int, int]:
        """(begin, end, total) optimizer steps of the schedule for `train_samples` training samples."""
        per_epoch = math.ceil(train_samples / self.batch_size)
        return int(self.begin_epoch * per_epoch), int(self.ramp_end_epoch * per_epoch), self.epochs * per_epoch

    def schedule_problem(self, train_samples: int) -> str | None:
        """Why the schedule would stop short of target_sparsity with this many samples (tfmot updates the masks
        every `frequency` steps from begin), or None when it reaches it."""
        begin, end, total = self.steps(train_samples)
        last_update = end if self.schedule == "polynomial" else begin
        if self.schedule == "polynomial" and end - begin < self.frequency:
            return (
                f"prune: the ramp from step {begin} to {end} is shorter than frequency {self.frequency}: the mask "
                f"would be updated at most once and stop short of target_sparsity {self.target_sparsity}; lower "
                "prune.frequency or raise prune.epochs"
            )
        if last_update >= total:
            return (
                f"prune: with {train_samples} training samples and batch_size {self.batch_size} there are {total} "
                f"steps; a mask update at step {last_update} (frequency {self.frequency}) would not reach "
                f"target_sparsity {self.target_sparsity}. Raise prune.epochs or lower prune.frequency"
            )
        return None

    @model_validator(mode="after")
    def _schedule_fits(self) -> PruneConfig:
        end = self.ramp_end_epoch
        if self.begin_epoch >= self.epochs:
            raise ValueError(f"begin_epoch {self.begin_epoch:g} is not before the end of {self.epochs} epoch(s)")
        if self.schedule == "polynomial" and not (self.begin_epoch < end <= self.epochs):
            raise ValueError(
                f"the polynomial schedule must reach its target within the fine-tuning: need begin_epoch "
                f"({self.begin_epoch:g}) < end_epoch ({end:g}) <= epochs ({self.epochs})"
            )
        if self.structure == "2:4" and abs(self.target_sparsity - 0.5) > 1e-9:
            raise ValueError("2:4 structure means 50% sparsity; set target_sparsity: 0.5")
        return self


class ClusterConfig(_LayerSelection):
    """Weight clustering (tfmot): each selected kernel keeps only `clusters` distinct values."""

    clusters: int = Field(16, ge=2, le=256, description="Distinct weight values per kernel.")
    init: Literal["kmeans_plus_plus", "linear", "density", "random"] = Field(
        "kmeans_plus_plus", description="Centroid initialisation."
    )
    epochs: int = Field(1, ge=0, le=10_000, description="Fine-tuning epochs with shared centroids.")
    learning_rate: float = Field(1e-4, gt=0.0, le=1.0, description="Fine-tuning learning rate.")
    batch_size: int = Field(32, ge=1, le=65_536, description="Fine-tuning batch size.")


class QuantizeConfig(_Section):
    """Quantization shared by the TFLite and ONNX integer exports: post-training, or quantization-aware training."""

    method: Literal["ptq", "qat"] = Field(
        "ptq",
        description="ptq: post-training static quantization. qat: fine-tune with fake-quant (tfmot), then export "
        "the QAT ranges; prune- or cluster-preserving when pruning or clustering ran.",
    )
    qat_epochs: int = Field(2, ge=1, le=10_000, description="QAT fine-tuning epochs.")
    qat_learning_rate: float = Field(1e-4, gt=0.0, le=1.0, description="QAT fine-tuning learning rate.")
    qat_batch_size: int = Field(32, ge=1, le=65_536, description="QAT fine-tuning batch size.")
    tflite_io: Literal["int8", "uint8", "float32"] = Field(
        "int8", description="Input/output type of the full-integer TFLite file."
    )
    onnx_format: Literal["qdq", "qoperator"] = Field("qdq", description="onnxruntime static quantization format.")
    onnx_calibration: Literal["minmax", "entropy", "percentile"] = Field(
        "minmax", description="onnxruntime calibration method."
    )
    onnx_weights: Literal["int8", "uint8"] = Field("int8", description="ONNX weight type.")
    calibration_samples: int = Field(
        200,
        ge=1,
        le=100_000,
        description="Representative samples drawn (stratified, seeded) from the training split.",
    )
    per_channel: bool = Field(True, description="Per-channel weight scales for ONNX int8 (TFLite always is).")
    onnx_activations: Literal["uint8", "int8"] = Field(
        "uint8",
        description="ONNX int8 activation type (weights are always int8). uint8 (U8S8) is what onnxruntime's x86 "
        "kernels fuse fully; with int8 activations, residual Adds and the convolutions around them stay in float.",
    )
    max_drop: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Accuracy budget of every int8 file versus float Keras, measured on budget_split while "
        "exporting. Missing it fails the run (exit 1) after every file is written.",
    )
    drop_type: Literal["absolute", "relative"] = Field(
        "absolute", description="absolute: points of top-1 (0.01 = 1 point). relative: share of float top-1."
    )
    budget_split: Literal["val", "test"] = Field(
        "val", description="Split the budget is measured on (val keeps the test split for the final verdict)."
    )
    strategy: Literal["none", "auto"] = Field(
        "none",
        description="auto: when an int8 file misses max_drop, try cheaper fixes first (per-channel weights, "
        "another calibration method, more calibration samples, the most sensitive tensors kept in float one "
        "more at a time, 16x8, QAT) and keep the first that meets it, else the most accurate.",
    )
    fallbacks: list[Literal["per_channel", "calibration", "more_samples", "float_layers", "int16x8", "qat"]] = Field(
        ["per_channel", "calibration", "more_samples", "float_layers", "int16x8", "qat"],
        description="auto: the fixes to try, always in this cost order (drop int16x8 for a target without "
        "16-bit kernels, qat to never train).",
    )
    max_float_layers: int = Field(
        3, ge=0, le=100, description="auto: at most this many sensitive tensors are kept in float."
    )
    calibration_boost: int = Field(
        4, ge=2, le=100, description="auto: the 'more calibration samples' attempt uses this many times as many."
    )
    diagnose: bool = Field(
        True, description="Rank the layers of each post-training int8 file by quantization SQNR (in the report)."
    )
    diagnose_samples: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="Samples the per-layer diagnosis runs on. Unset: 64, and for models over 0.5 GMAC fewer in "
        "proportion (at least 8: ResNet-50 at 224 px), so the diagnosis stays a small part of the export; the "
        "report records the count.",
    )
    speed_fallback: bool = Field(
        True,
        description="Post-training int8 TFLite: when the file holds operators XNNPACK runs only in float "
        "(HARD_SWISH, standalone RELU/RELU6, AVERAGE_POOL_2D), also quantize with them kept float inside the "
        "delegated graph, and keep that file if it measures faster here (1 thread, XNNPACK) within the budget "
        "(max_drop, else 1 point). The report says what was kept float and why.",
    )


class ExportFiles(_Section):
    """Which files to write: one precision list per format (edgeopt.formats), named like the format. int8 needs a
    quantize section."""

    tflite: list[TFLitePrecision] = Field(
        ["float32", "int8"],
        description="TFLite files: float32; float16 (weights); dynamic (int8 weights, float activations); int8 "
        "(full integer); int16x8 (int16 activations, int8 weights).",
    )
    onnx: list[OnnxPrecision] = Field(
        ["float32", "int8"], description="ONNX files: float32; dynamic (int8 weights); int8 (static, calibrated)."
    )
    onnx_opset: int = Field(17, ge=13, le=21, description="ONNX opset for tf2onnx.")

    @field_validator("onnx", mode="before")
    @classmethod
    def _onnx_reasons(cls, value):
        for item in value if isinstance(value, list) else []:
            if item in _ONNX_REFUSED:
                raise ValueError(f"'{item}' cannot be exported to ONNX: {_ONNX_REFUSED[item]}")
        return value

    @field_validator("tflite", "onnx")
    @classmethod
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"listed twice: {sorted(v for v in set(value) if value.count(v) > 1)}")
        return value


class ExportConfig(ExportFiles):
    """Which files to write, and the app bundles made from them."""

    bundle: list[Literal["android", "ios", "generic"]] = Field(
        [],
        description="App-ready folders: android (TFLite with metadata), ios (TFLite with metadata and ORT "
        "format), generic (TFLite, ONNX, ORT); each with labels.txt, model_card.json and a README. Needs verify.",
    )
    model_version: str = Field("1.0.0", max_length=64, description="Bundles: model version in metadata and card.")
    author: str = Field("unknown", max_length=256, description="Bundles: author in metadata and card.")
    license: str = Field("unspecified", max_length=256, description="Bundles: license in metadata and card.")
    description: str | None = Field(None, max_length=2000, description="Bundles: model description.")
    input_mean: list[float] = Field(
        [0.0], min_length=1, max_length=3, description="Bundles: model input = (pixel - mean) / std, pixels 0..255."
    )
    input_std: list[float] = Field([255.0], min_length=1, max_length=3, description="Bundles: see input_mean.")


class ArmParityConfig(_Section):
    """Run every exported file on the aarch64 builds of its runtime under emulation (`edgeopt arm setup`) over the
    same split, and compare with x86. The limits are gates (exit 1); unset, the figures are only reported."""

    cpu: Literal["cortex-a53", "cortex-a72", "cortex-a76", "neoverse-n1"] = Field(
        "cortex-a76", description="The emulated CPU model (its ISA decides which ARM kernels run)."
    )
    max_abs_diff: float | None = Field(
        None, ge=0.0, description="Gate: largest allowed |aarch64 - x86| over every output value of a file."
    )
    min_agreement: float | None = Field(
        None, ge=0.0, le=1.0, description="Gate: smallest allowed share of samples with the same top-1 on both."
    )


class VerifyConfig(_Section):
    """Accuracy of every exported file, measured with its runtime, against the float Keras model the run started
    from (trained or built, before pruning or clustering): a drop counts every step of optimizing."""

    split: Literal["test", "val"] = Field("test", description="Which split to evaluate on.")
    max_drop: float | None = Field(
        0.01,
        ge=0.0,
        le=1.0,
        description="Gate: largest allowed top-1 drop of each file versus the starting float model (all steps).",
    )
    drop_type: Literal["absolute", "relative"] = Field(
        "absolute",
        description="absolute: points of accuracy (0.01 = 1 point). relative: share of the starting top-1.",
    )
    min_agreement: float | None = Field(
        None, ge=0.0, le=1.0, description="Gate: smallest allowed top-1 agreement with the starting float model."
    )
    min_accuracy: float | None = Field(
        None, ge=0.0, le=1.0, description="Gate: smallest allowed top-1 of the starting float model."
    )
    arm: ArmParityConfig | None = Field(
        None, description="Also run every file on emulated aarch64 and compare with x86 (see ArmParityConfig)."
    )
    max_step_drop: dict[Literal["prune", "cluster", "conversion", "quantization"], float] = Field(
        default_factory=dict,
        description="Gates on one step's own cost (its top-1 drop, in drop_type), e.g. {prune: 0.01}: prune and "
        "cluster compare the float model before and after; conversion and quantization are per format.",
    )

    @field_validator("max_step_drop")
    @classmethod
    def _step_limits(cls, v: dict) -> dict:
        bad = {k: x for k, x in v.items() if not 0.0 <= x <= 1.0}
        if bad:
            raise ValueError(f"each limit must be between 0 and 1; received {bad}")
        return v


_TARGET_OPTIONS = {
    "ssh": ("remote_python", "ssh_key", "known_hosts", "accept_new_host_key"),
    "adb": ("benchmark_model", "taskset"),
}


class BenchConfig(_Section):
    """Batch-1 latency of every exported file: each file in its own subprocess, in interleaved rounds."""

    warmup: int = Field(10, ge=0, le=100_000, description="Untimed runs per file and round before measuring.")
    runs: int = Field(100, ge=10, le=1_000_000, description="Minimum timed runs per file and round.")
    min_seconds: float = Field(0.5, ge=0.0, le=3600.0, description="Minimum timed seconds per file and round.")
    rounds: int = Field(3, ge=1, le=100, description="Rounds; each measures every file once (drift cancels).")
    threads: int = Field(1, ge=1, le=256, description="Runtime intra-op threads.")
    xnnpack: bool = Field(True, description="TFLite with the XNNPACK delegate (its default).")
    amx: bool = Field(
        True,
        description="x86 CPUs with AMX (Intel Xeon since Sapphire Rapids): let the runtimes use it. false measures "
        "in a process the kernel refuses AMX to, so XNNPACK takes its AVX-512 VNNI kernels, as on a CPU without "
        "AMX (every ARM board and phone, client x86 CPUs): on AMX, XNNPACK runs every int8 "
        "convolution and fully connected layer on 16x64 tiles, which cost more than they save on layers of few "
        "channels. Recorded per measurement (`amx`: granted, denied or absent).",
    )
    ort_opt: Literal["disable", "basic", "extended", "all"] = Field(
        "all", description="onnxruntime graph optimization."
    )
    target: str = Field(
        "local",
        pattern=r"^(local|ssh://.+|adb://.*|emulated:aarch64(:[a-z0-9-]+)?)$",
        description="Also measure on a device: ssh://[user@]host[:port], adb://SERIAL, or emulated:aarch64[:CPU] "
        "(qemu; cortex-a53, cortex-a72, cortex-a76, neoverse-n1; needs `edgeopt arm setup`; its timings are "
        "emulated, never latency). This machine is always measured first; a device failure is recorded without "
        "losing those results.",
    )
    remote_python: str = Field("python3", description="ssh targets: the board's Python (with its runtime).")
    ssh_key: str | None = Field(None, description="ssh targets: identity file.")
    known_hosts: str | None = Field(None, description="ssh targets: known_hosts file used to verify the host key.")
    accept_new_host_key: bool = Field(False, description="ssh targets: trust an unknown host key on first use.")
    benchmark_model: str | None = Field(None, description="adb targets: TFLite's benchmark_model binary.")
    taskset: str | None = Field(None, description="adb targets: CPU mask, e.g. f0 for big cores.")

    @model_validator(mode="after")
    def _options_fit_the_target(self) -> BenchConfig:
        kind = self.target.split("://")[0]
        for owner, names in _TARGET_OPTIONS.items():
            # Compared with the defaults, not model_fields_set, so a dumped recipe (recipe.json) loads again.
            fields = type(self).model_fields
            stray = sorted(n for n in names if getattr(self, n) != fields[n].default) if owner != kind else []
            if stray:
                verb = "apply" if len(stray) > 1 else "applies"
                raise ValueError(f"{', '.join(stray)} only {verb} to {owner}:// targets, not to target '{self.target}'")
        return self


class MlflowConfig(_Section):
    """Log the run to MLflow (needs the mlflow extra: pip install 'edgeopt[mlflow]')."""

    tracking_uri: str = Field(..., min_length=1, description="e.g. sqlite:///mlflow.db or http://host:5000.")
    experiment: str = Field("edgeopt", min_length=1, description="Experiment name (created if missing).")
    artifact_location: str | None = Field(
        None, description="Where a new experiment stores artifacts (default: MLflow's, ./mlruns)."
    )


class ReportConfig(_Section):
    """Where the report goes besides report.json / report.md / report.html."""

    mlflow: MlflowConfig | None = Field(None, description="Log parameters, metrics and artifacts to MLflow.")


class Recipe(_Section):
    """An edgeopt recipe. Sections follow the pipeline; a missing optional section skips its stage."""

    version: Literal[1] = Field(SCHEMA_VERSION, description="Recipe schema version.")
    name: str = Field(
        ..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Run name; names the run directory."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for splits, initialisation and calibration.")
    data: DataConfig = Field(default_factory=DataConfig, description="Dataset.")
    model: ModelConfig = Field(
        default_factory=lambda: ModelConfig(arch="mobilenet_v2"), description="Model builder or file."
    )
    train: TrainConfig | None = Field(None, description="Training; omit to keep the initial weights.")
    prune: PruneConfig | None = Field(None, description="Magnitude pruning; omit to skip.")
    cluster: ClusterConfig | None = Field(None, description="Weight clustering; omit to skip.")
    quantize: QuantizeConfig | None = Field(None, description="Quantization; needed for int8 and int16x8 exports.")
    export: ExportConfig = Field(default_factory=ExportConfig, description="Exported files.")
    verify: VerifyConfig | None = Field(None, description="Accuracy verification and its gates.")
    bench: BenchConfig | None = Field(None, description="Latency benchmark.")
    report: ReportConfig = Field(default_factory=ReportConfig, description="Report destinations (MLflow).")

    @model_validator(mode="before")
    @classmethod
    def _float_exports_without_quantize(cls, data):
        # With no quantize section there is nothing to make int8 files from: default to the float files.
        if isinstance(data, dict) and "export" not in data and data.get("quantize") is None:
            data = {**data, "export": {"tflite": ["float32"], "onnx": ["float32"]}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Recipe:
        calibrated = {"int8", "int16x8"} & set(self.export.tflite) | {"int8"} & set(self.export.onnx)
        if calibrated and self.quantize is None:
            raise ValueError(
                f"export asks for {'/'.join(sorted(calibrated))} files but the recipe has no 'quantize' section; "
                "add one (dynamic and float16 need none)"
            )
        q = self.quantize
        if q is not None and q.strategy == "auto" and q.max_drop is None:
            raise ValueError("quantize.strategy auto needs a budget: set quantize.max_drop (for example 0.01)")
        if q is not None and q.strategy == "auto" and q.method == "qat":
            raise ValueError(
                "quantize.strategy auto starts from post-training quantization (QAT is its last "
                "attempt): set quantize.method ptq"
            )
        if q is not None and q.max_drop is not None and "int8" not in self.export.tflite + self.export.onnx:
            raise ValueError("quantize.max_drop applies to int8 files: add int8 to export.tflite or export.onnx")
        if self.quantize is not None and self.quantize.method == "qat":
            if self.train is None and self.model.path is None and self.model.weights is None:
                raise ValueError("QAT fine-tunes a trained model: add a 'train' section (or model weights)")
            if not calibrated:
                raise ValueError("quantize.method qat needs an int8 export: add int8 to export.tflite or export.onnx")
            if "int16x8" in self.export.tflite:
                raise ValueError("int16x8 is post-training only; QAT (tfmot) trains 8-bit activations")
        if self.export.bundle and self.data.layout != "image":
            raise ValueError(
                f"export.bundle makes app bundles for image classifiers; data.layout {self.data.layout} has none "
                "(remove export.bundle)"
            )
        if self.prune is not None and self.data.source == "digits":  # the sample count is known before loading
            train = train_split_size(DIGITS_SAMPLES, self.data.test_fraction, self.data.val_fraction)
            problem = self.prune.schedule_problem(train)
            if problem:
                raise ValueError(problem)
        if self.prune is not None and self.cluster is not None and self.cluster.epochs == 0:
            raise ValueError("clustering after pruning needs cluster.epochs >= 1 to fine-tune the shared values")
        if self.export.bundle and self.verify is None:
            raise ValueError(
                "export.bundle checks every bundled model against the verified top-1: add a 'verify' section"
            )
        if not self.export.tflite and not self.export.onnx:
            raise ValueError("export lists no files: set export.tflite and/or export.onnx")
        return self


def train_split_size(total: int, test_fraction: float, val_fraction: float) -> int:
    """Training samples left after scikit-learn's train_test_split (it rounds the held-out shares up)."""
    pool = total - math.ceil(test_fraction * total)
    return pool - math.ceil(val_fraction * pool)


SECTION_ORDER = [name for name in Recipe.model_fields if name not in ("version", "name", "seed")]
