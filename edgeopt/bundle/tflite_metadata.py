"""TFLite model metadata (the public metadata schema) written and read with TensorFlow Lite Support's own
metadata tooling: the writer Android's Task Library and Android Studio's model binding expect, and the
MetadataDisplayer that reads it back through the schema's generated flatbuffers code.

tflite-support 0.4.4 declares protobuf<4, which TensorFlow 2.21 contradicts; its metadata modules do not use
protobuf, so the Makefile installs it with --no-deps (and .ci/run installs the libusb it links against).
"""

from __future__ import annotations

import json
from pathlib import Path

from edgeopt.errors import ToolchainError
from edgeopt.native_stderr import captured_native_stderr

INSTALL_HINT = "pip install --no-deps tflite-support==0.4.4 (and the system's libusb-1.0-0), or run `make install`"


def _tooling():
    try:
        from tensorflow_lite_support.metadata.python import metadata
        from tensorflow_lite_support.metadata.python.metadata_writers import image_classifier, metadata_info
    except ImportError as exc:
        raise ToolchainError(f"TFLite metadata needs TensorFlow Lite Support's metadata tools ({exc}): "
                             f"{INSTALL_HINT}") from exc  # fmt: skip
    return metadata, image_classifier, metadata_info


def embed(model: bytes, labels: Path, *, name: str, description: str, version: str, author: str, license: str,
          mean: list[float], std: list[float], grayscale: bool) -> bytes:  # fmt: skip
    """`model` with image-classifier metadata and `labels` packed as the output's associated file."""
    from edgeopt._keras import tf  # noqa: F401 - the writer imports TensorFlow; keep its banner captured

    metadata, image_classifier, info = _tooling()
    from tensorflow_lite_support.metadata import metadata_schema_py_generated as md_fb
    from tensorflow_lite_support.metadata import schema_py_generated as schema_fb
    from tensorflow_lite_support.metadata.python.metadata_writers import writer_utils

    del metadata
    buf = bytearray(model)
    in_type = writer_utils.get_input_tensor_types(buf)[0]
    out_type = writer_utils.get_output_tensor_types(buf)[0]
    general = info.GeneralMd(name=name, version=version, description=description, author=author, licenses=license)
    image = info.InputImageTensorMd(
        name="image",
        description="Image, resized to the model's input size; normalized as (pixel - mean) / std before the "
        "input tensor's own quantization, if any.",
        norm_mean=mean,
        norm_std=std,
        color_space_type=md_fb.ColorSpaceType.GRAYSCALE if grayscale else md_fb.ColorSpaceType.RGB,
        tensor_type=in_type if in_type in (schema_fb.TensorType.UINT8, schema_fb.TensorType.FLOAT32) else None,
    )
    scores = info.ClassificationTensorMd(
        name="probabilities",
        description="Probability of each label (labels.txt, one per line, in output order).",
        label_files=[info.LabelFileMd(file_path=str(labels))],
        tensor_type=out_type,
    )
    try:
        with captured_native_stderr("TFLite metadata writer"):
            writer = image_classifier.MetadataWriter.create_from_metadata_info(buf, general, image, scores)
            return bytes(writer.populate())
    except Exception as exc:
        raise ToolchainError(f"writing TFLite metadata failed: {type(exc).__name__}: {exc}") from exc


def read(path: Path) -> dict | None:
    """{"metadata": the metadata as JSON, "associated_files": names, "labels": lines} or None without metadata."""
    metadata, _, _ = _tooling()
    buf = Path(path).read_bytes()
    try:
        displayer = metadata.MetadataDisplayer.with_model_buffer(buf)
    except ValueError:  # "The model does not have metadata."
        return None
    files = displayer.get_packed_associated_file_list()
    out = {"metadata": json.loads(displayer.get_metadata_json()), "associated_files": files}
    if "labels.txt" in files:
        out["labels"] = displayer.get_associated_file_buffer("labels.txt").decode().splitlines()
    return out
