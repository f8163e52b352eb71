"""The recipe schema: one pydantic model per pipeline section, declared in pipeline order.

Every model forbids unknown keys and is strict (a quoted "10" is not an integer), so a typo stops the run
instead of being ignored. `edgeopt schema` prints the JSON Schema generated from these classes.
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

Precision = Literal["float32", "int8"]


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
        builder_only = {"width", "dropout", "small_input", "bn_momentum", "weights"} & self.model_fields_set
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


class QuantizeConfig(_Section):
    """Post-training quantization settings shared by the TFLite and ONNX int8 exports."""

    method: Literal["ptq"] = Field("ptq", description="ptq: post-training static quantization.")
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


class ExportConfig(_Section):
    """Which files to write. int8 needs a quantize section."""

    tflite: list[Precision] = Field(["float32", "int8"], description="TFLite files to write.")
    onnx: list[Precision] = Field(["float32", "int8"], description="ONNX files to write.")
    onnx_opset: int = Field(17, ge=13, le=21, description="ONNX opset for tf2onnx.")

    @field_validator("tflite", "onnx")
    @classmethod
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"listed twice: {sorted(v for v in set(value) if value.count(v) > 1)}")
        return value


class VerifyConfig(_Section):
    """Accuracy of every exported file, measured with its runtime, against the float Keras model."""

    split: Literal["test", "val"] = Field("test", description="Which split to evaluate on.")
    max_drop: float | None = Field(
        0.01, ge=0.0, le=1.0, description="Gate: largest allowed top-1 drop versus float Keras."
    )
    drop_type: Literal["absolute", "relative"] = Field(
        "absolute",
        description="absolute: points of accuracy (0.01 = 1 point). relative: share of float top-1.",
    )
    min_agreement: float | None = Field(
        None, ge=0.0, le=1.0, description="Gate: smallest allowed top-1 agreement with float Keras."
    )
    min_accuracy: float | None = Field(
        None, ge=0.0, le=1.0, description="Gate: smallest allowed top-1 of the float Keras model."
    )


class BenchConfig(_Section):
    """Batch-1 latency of every exported file, interleaved across files so machine drift cancels."""

    warmup: int = Field(10, ge=0, le=100_000, description="Untimed runs per file before measuring.")
    runs: int = Field(100, ge=10, le=1_000_000, description="Timed runs per file.")
    threads: int = Field(1, ge=1, le=256, description="Runtime intra-op threads.")


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
    quantize: QuantizeConfig | None = Field(None, description="Quantization; needed for int8 exports.")
    export: ExportConfig = Field(default_factory=ExportConfig, description="Exported files.")
    verify: VerifyConfig | None = Field(None, description="Accuracy verification and its gates.")
    bench: BenchConfig | None = Field(None, description="Latency benchmark.")

    @model_validator(mode="before")
    @classmethod
    def _float_exports_without_quantize(cls, data):
        # With no quantize section there is nothing to make int8 files from: default to the float files.
        if isinstance(data, dict) and "export" not in data and data.get("quantize") is None:
            data = {**data, "export": {"tflite": ["float32"], "onnx": ["float32"]}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Recipe:
        wants_int8 = "int8" in self.export.tflite or "int8" in self.export.onnx
        if wants_int8 and self.quantize is None:
            raise ValueError("export asks for int8 files but the recipe has no 'quantize' section; add one")
        if not self.export.tflite and not self.export.onnx:
            raise ValueError("export lists no files: set export.tflite and/or export.onnx")
        return self


SECTION_ORDER = [name for name in Recipe.model_fields if name not in ("version", "name", "seed")]
