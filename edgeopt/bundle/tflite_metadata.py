"""TFLite model metadata (the public metadata schema that Android's Task Library and Android Studio's model binding
read), written and read in pure Python: no native library.

The metadata tables are made by TensorFlow Lite Support's own pure-Python `metadata_info` classes, exactly as its
`image_classifier.MetadataWriter` makes them. What its `MetadataPopulator` does with native code is done here:
the minimum metadata parser version (a port of metadata_version.cc) and the packing into the model (a
"TFLITE_METADATA" buffer in the model flatbuffer, the associated files appended as a zip). tflite-support 0.4.4's
native modules link libusb-1.0 and its package import fails beside TensorFlow 2.21; these generated modules need
neither. tests/bundle/test_tflite_metadata.py checks that the official writer makes the same metadata bytes and
that the official MetadataDisplayer reads this file back the same way.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from edgeopt.errors import ToolchainError

METADATA_FIELD = "TFLITE_METADATA"
METADATA_IDENTIFIER = b"M001"
MODEL_IDENTIFIER = b"TFL3"


def _schema(writer: bool = False):
    """The metadata schema's generated module (pure flatbuffers code) from tflite-support's wheel; with `writer`,
    also its pure-Python metadata_info and writer_utils modules."""
    try:
        from tensorflow_lite_support.metadata import metadata_schema_py_generated as md_fb

        if not writer:
            return md_fb
        from tensorflow_lite_support.metadata.python.metadata_writers import metadata_info, writer_utils
    except ImportError as exc:
        from edgeopt.doctor.stack import install_tflite_support

        raise ToolchainError(
            f"TFLite metadata needs TensorFlow Lite Support's generated metadata schema ({exc}); "
            f"install it with: {install_tflite_support()}"
        ) from exc
    return md_fb, metadata_info, writer_utils


# metadata_version.cc: the parser version that introduced each schema member.
_SINCE = {
    "vocabulary_file": (1, 0, 1),
    "subgraph_process_units": (1, 1, 0),
    "bert_or_sentencepiece_tokenizer": (1, 1, 0),
    "tensor_groups": (1, 2, 0),
    "regex_tokenizer": (1, 2, 1),
    "audio_properties": (1, 3, 0),
    "scann_index_file": (1, 4, 0),
    "associated_file_version": (1, 4, 1),
    "custom_metadata": (1, 5, 0),
}


def min_parser_version(metadata) -> str:
    """The minimum metadata parser version a ModelMetadataT needs: the newest schema member it uses (a port of
    tflite-support's GetMinimumMetadataParserVersion; a member counts when it is set, i.e. not None)."""
    md_fb = _schema()
    used = [(1, 0, 0)]

    def files(items) -> None:
        for f in items or []:
            if f.type == md_fb.AssociatedFileType.VOCABULARY:
                used.append(_SINCE["vocabulary_file"])
            if f.type == md_fb.AssociatedFileType.SCANN_INDEX_FILE:
                used.append(_SINCE["scann_index_file"])
            if f.version is not None:
                used.append(_SINCE["associated_file_version"])

    def units(items) -> None:
        opts = md_fb.ProcessUnitOptions
        for u in items or []:
            if u.optionsType in (opts.BertTokenizerOptions, opts.SentencePieceTokenizerOptions):
                used.append(_SINCE["bert_or_sentencepiece_tokenizer"])
            if u.optionsType == opts.RegexTokenizerOptions:
                used.append(_SINCE["regex_tokenizer"])

    def tensor(t) -> None:
        files(t.associatedFiles)
        units(t.processUnits)
        if t.content is not None and t.content.contentPropertiesType == md_fb.ContentProperties.AudioProperties:
            used.append(_SINCE["audio_properties"])

    for sg in metadata.subgraphMetadata or []:
        for t in (sg.inputTensorMetadata or []) + (sg.outputTensorMetadata or []):
            tensor(t)
        files(sg.associatedFiles)
        for process_units in (sg.inputProcessUnits, sg.outputProcessUnits):
            if process_units is not None:
                used.append(_SINCE["subgraph_process_units"])
                units(process_units)
        if sg.inputTensorGroups is not None or sg.outputTensorGroups is not None:
            used.append(_SINCE["tensor_groups"])
        if sg.customMetadata is not None:
            used.append(_SINCE["custom_metadata"])
    files(metadata.associatedFiles)
    return ".".join(str(n) for n in max(used))


def image_classifier_metadata(
    model: bytes,
    labels: Path,
    *,
    name: str,
    description: str,
    version: str,
    author: str,
    license: str,
    mean: list[float],
    std: list[float],
    grayscale: bool,
) -> bytes:
    """The metadata flatbuffer (identifier M001, min_parser_version set) of an image classifier, made as
    tflite-support's image_classifier.MetadataWriter makes it."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema_fb

    md_fb, info, writer_utils = _schema(writer=True)
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
        # Image statistics are only defined for uint8 and float32 inputs (metadata_info refuses others).
        tensor_type=in_type if in_type in (schema_fb.TensorType.UINT8, schema_fb.TensorType.FLOAT32) else None,
    )
    scores = info.ClassificationTensorMd(
        name="probabilities",
        description="Probability of each label (labels.txt, one per line, in output order).",
        label_files=[info.LabelFileMd(file_path=str(labels))],
        tensor_type=out_type,
    )
    subgraph = md_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image.create_metadata()]
    subgraph.outputTensorMetadata = [scores.create_metadata()]
    metadata = general.create_metadata()
    metadata.subgraphMetadata = [subgraph]
    for t in subgraph.inputTensorMetadata + subgraph.outputTensorMetadata:
        for f in t.associatedFiles or []:
            f.name = os.path.basename(f.name)  # the name of the file as packed in the model
    metadata.minParserVersion = min_parser_version(metadata)
    b = flatbuffers.Builder(0)
    b.Finish(metadata.Pack(b), METADATA_IDENTIFIER)
    return bytes(b.Output())


def populate(model: bytes, metadata: bytes, files: dict[str, bytes]) -> bytes:
    """`model` with `metadata` as its TFLITE_METADATA buffer (replacing one already there) and `files` appended
    as a zip archive, the layout MetadataPopulator writes and the Task Library's extractor reads."""
    import flatbuffers
    import numpy as np
    from ai_edge_litert import schema_py_generated as schema_fb  # the runtime's own (newest) model schema

    m = schema_fb.ModelT.InitFromObj(schema_fb.Model.GetRootAs(model, 0))
    if any((b.offset or 0) > 1 for b in m.buffers or []):
        raise ToolchainError(
            "this TFLite file stores its weights outside the flatbuffer (a model over 2 GB); "
            "metadata cannot be added to it"
        )
    data = schema_fb.BufferT()
    data.data = np.frombuffer(metadata, np.uint8)
    m.buffers = m.buffers or []
    m.metadata = m.metadata or []
    entry = next((e for e in m.metadata if e.name.decode() == METADATA_FIELD), None)
    if entry is None:
        m.buffers.append(data)
        entry = schema_fb.MetadataT()
        entry.name = METADATA_FIELD
        entry.buffer = len(m.buffers) - 1
        m.metadata.append(entry)
    else:
        m.buffers[entry.buffer] = data
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), MODEL_IDENTIFIER)
    out = io.BytesIO(bytes(b.Output()))
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a") as zf:
        for file_name, content in files.items():
            zf.writestr(file_name, content)
    return out.getvalue()


def embed(
    model: bytes,
    labels: Path,
    *,
    name: str,
    description: str,
    version: str,
    author: str,
    license: str,
    mean: list[float],
    std: list[float],
    grayscale: bool,
) -> bytes:
    """`model` with image-classifier metadata and `labels` packed as the output's associated file."""
    if model[4:8] != MODEL_IDENTIFIER:
        raise ToolchainError("not a TFLite flatbuffer (no TFL3 identifier); cannot add metadata")
    if zipfile.is_zipfile(io.BytesIO(model)):
        raise ToolchainError("this TFLite file already has packed associated files; write metadata to the plain file")
    try:
        metadata = image_classifier_metadata(
            model,
            labels,
            name=name,
            description=description,
            version=version,
            author=author,
            license=license,
            mean=mean,
            std=std,
            grayscale=grayscale,
        )
        return populate(model, metadata, {labels.name: labels.read_bytes()})
    except ToolchainError:
        raise
    except Exception as exc:
        raise ToolchainError(f"writing TFLite metadata failed: {type(exc).__name__}: {exc}") from exc


def metadata_buffer(model: bytes) -> bytes | None:
    """The TFLITE_METADATA buffer of a model file, or None."""
    from ai_edge_litert import schema_py_generated as schema_fb

    m = schema_fb.Model.GetRootAs(model, 0)
    for i in range(m.MetadataLength()):
        if m.Metadata(i).Name().decode() == METADATA_FIELD:
            return m.Buffers(m.Metadata(i).Buffer()).DataAsNumpy().tobytes()
    return None


def read(path: Path) -> dict | None:
    """{"metadata": the metadata as a dict (schema field names), "associated_files": packed names, "labels": lines}
    or None when the file has no metadata."""
    md_fb = _schema()
    buf = Path(path).read_bytes()
    raw = metadata_buffer(buf)
    if raw is None:
        return None
    if not md_fb.ModelMetadata.ModelMetadataBufferHasIdentifier(raw, 0):
        raise ToolchainError(f"{path}: TFLITE_METADATA is not a metadata flatbuffer (identifier M001)")
    metadata = md_fb.ModelMetadataT.InitFromObj(md_fb.ModelMetadata.GetRootAs(raw, 0))
    files: dict[str, bytes] = {}
    if zipfile.is_zipfile(io.BytesIO(buf)):
        with zipfile.ZipFile(io.BytesIO(buf)) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
    out = {"metadata": to_dict(metadata, md_fb), "associated_files": list(files)}
    if "labels.txt" in files:
        out["labels"] = files["labels.txt"].decode().splitlines()
    return out


# Enum-typed fields by (table, field); every other integer field is a plain number.
_ENUMS = {
    ("ContentT", "contentPropertiesType"): "ContentProperties",
    ("ProcessUnitT", "optionsType"): "ProcessUnitOptions",
    ("ImagePropertiesT", "colorSpace"): "ColorSpaceType",
    ("AssociatedFileT", "type"): "AssociatedFileType",
}


def to_dict(obj, md_fb) -> object:
    """A metadata object (the generated *T classes) as JSON-ready data: snake_case field names and enum names, as
    flatc's JSON output writes them; fields that are not set are left out."""
    import numpy as np

    if isinstance(obj, list | tuple):
        return [to_dict(v, md_fb) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, bytes):
        return obj.decode(errors="replace")
    if not hasattr(obj, "__dict__"):
        return obj
    out = {}
    for field, value in vars(obj).items():
        if value is None:
            continue
        enum = _ENUMS.get((type(obj).__name__, field))
        if enum is not None:
            names = {v: k for k, v in vars(getattr(md_fb, enum)).items() if not k.startswith("_")}
            value = names.get(value, value)
            if field.endswith("Type") and value == "NONE":
                continue
        out["".join("_" + c.lower() if c.isupper() else c for c in field)] = to_dict(value, md_fb)
    return out
