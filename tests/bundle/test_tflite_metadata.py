"""TFLite metadata written in pure Python (edgeopt.bundle.tflite_metadata) against TensorFlow Lite Support's own
native writer and MetadataDisplayer: same bytes, same reading. The comparison needs the native modules, which link
libusb-1.0 (a test need); writing and reading bundles does not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edgeopt.bundle import tflite_metadata as tm
from edgeopt.errors import ToolchainError

LABELS = [f"class {i}" for i in range(10)]


def _convert(input_type: str) -> bytes:
    from edgeopt._keras import keras, tf

    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 3), name="input")
    x = keras.layers.Conv2D(4, 3, activation="relu")(inp)
    out = keras.layers.Dense(10, activation="softmax")(keras.layers.GlobalAveragePooling2D()(x))
    converter = tf.lite.TFLiteConverter.from_keras_model(keras.Model(inp, out))
    if input_type != "float32":
        rng = np.random.default_rng(0)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([rng.random((1, 8, 8, 3), np.float32)] for _ in range(8))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = converter.inference_output_type = getattr(tf, input_type)
    return converter.convert()


@pytest.fixture(scope="module")
def models():
    return {t: _convert(t) for t in ("float32", "int8", "uint8")}


@pytest.fixture
def labels(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("\n".join(LABELS) + "\n")
    return path


def _kwargs(grayscale: bool = False) -> dict:
    return dict(
        name="m",
        description="a test model",
        version="2.1.0",
        author="Edge Team",
        license="MIT",
        mean=[127.5],
        std=[127.5],
        grayscale=grayscale,
    )


@pytest.mark.slow
def test_metadata_reads_back_and_the_model_gives_the_same_outputs(models, labels, tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    model = models["int8"]
    path = tmp_path / "with_metadata.tflite"
    path.write_bytes(tm.embed(model, labels, **_kwargs()))
    md = tm.read(path)
    assert md["metadata"]["name"] == "m" and md["metadata"]["author"] == "Edge Team"
    assert md["metadata"]["min_parser_version"] == "1.0.0"
    assert md["associated_files"] == ["labels.txt"] and md["labels"] == LABELS
    out = md["metadata"]["subgraph_metadata"][0]["output_tensor_metadata"][0]
    assert out["associated_files"] == [
        {
            "name": "labels.txt",
            "description": "Labels for categories that the model can recognize.",
            "type": "TENSOR_AXIS_LABELS",
        }
    ]
    image = md["metadata"]["subgraph_metadata"][0]["input_tensor_metadata"][0]
    assert image["content"]["content_properties"] == {"color_space": "RGB"}
    x = np.random.default_rng(1).integers(-128, 127, (1, 8, 8, 3), dtype=np.int8)
    results = []
    for interp in (Interpreter(model_content=model), Interpreter(model_path=str(path))):
        interp.allocate_tensors()
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        results.append(interp.get_tensor(interp.get_output_details()[0]["index"]))
    np.testing.assert_array_equal(results[0], results[1])
    assert tm.read(tmp_path.joinpath("plain.tflite").write_bytes(model) and tmp_path / "plain.tflite") is None


@pytest.mark.slow
def test_bad_inputs_are_refused_with_the_reason(models, labels):
    with pytest.raises(ToolchainError, match="not a TFLite flatbuffer"):
        tm.embed(b"\0" * 64, labels, **_kwargs())
    once = tm.embed(models["int8"], labels, **_kwargs())
    with pytest.raises(ToolchainError, match="already has packed associated files"):
        tm.embed(once, labels, **_kwargs())


def _variants():
    """(what is set, the metadata object): one per schema member that raises the minimum parser version."""
    from tensorflow_lite_support.metadata import metadata_schema_py_generated as md_fb

    def model(**subgraph_fields):
        sg = md_fb.SubGraphMetadataT()
        sg.inputTensorMetadata = [md_fb.TensorMetadataT()]
        sg.outputTensorMetadata = [md_fb.TensorMetadataT()]
        for k, v in subgraph_fields.items():
            setattr(sg, k, v)
        m = md_fb.ModelMetadataT()
        m.subgraphMetadata = [sg]
        return m

    def file(kind, version=None):
        f = md_fb.AssociatedFileT()
        f.name, f.type, f.version = "f.txt", kind, version
        return f

    def unit(kind, options):
        u = md_fb.ProcessUnitT()
        u.optionsType, u.options = kind, options
        return u

    opts, kinds = md_fb.ProcessUnitOptions, md_fb.AssociatedFileType
    out = [("nothing new", model())]
    out.append(("vocabulary file", model(associatedFiles=[file(kinds.VOCABULARY)])))
    out.append(("ScaNN index file", model(associatedFiles=[file(kinds.SCANN_INDEX_FILE)])))
    out.append(("associated file version", model(associatedFiles=[file(kinds.TENSOR_AXIS_LABELS, "v2")])))
    out.append(("input process units", model(inputProcessUnits=[])))
    out.append(
        ("BERT tokenizer", model(inputProcessUnits=[unit(opts.BertTokenizerOptions, md_fb.BertTokenizerOptionsT())]))
    )
    out.append(
        (
            "regex tokenizer",
            model(outputProcessUnits=[unit(opts.RegexTokenizerOptions, md_fb.RegexTokenizerOptionsT())]),
        )
    )
    out.append(("tensor groups", model(inputTensorGroups=[md_fb.TensorGroupT()])))
    out.append(("custom metadata", model(customMetadata=[md_fb.CustomMetadataT()])))
    audio = model()
    content = md_fb.ContentT()
    content.contentPropertiesType, content.contentProperties = (
        md_fb.ContentProperties.AudioProperties,
        md_fb.AudioPropertiesT(),
    )
    audio.subgraphMetadata[0].inputTensorMetadata[0].content = content
    out.append(("audio properties", audio))
    return out


EXPECTED = {
    "nothing new": "1.0.0",
    "vocabulary file": "1.0.1",
    "ScaNN index file": "1.4.0",
    "associated file version": "1.4.1",
    "input process units": "1.1.0",
    "BERT tokenizer": "1.1.0",
    "regex tokenizer": "1.2.1",
    "tensor groups": "1.2.0",
    "custom metadata": "1.5.0",
    "audio properties": "1.3.0",
}


def test_min_parser_version_follows_the_schema_members():
    assert {what: tm.min_parser_version(m) for what, m in _variants()} == EXPECTED


def _official():
    from tensorflow_lite_support.metadata.python import metadata  # native: links libusb-1.0

    return metadata


@pytest.mark.needs("libusb")
def test_min_parser_version_matches_the_native_rule():
    import flatbuffers
    from tensorflow_lite_support.metadata.cc.python import _pywrap_metadata_version

    _official()
    for what, m in _variants():
        b = flatbuffers.Builder(0)
        b.Finish(m.Pack(b), tm.METADATA_IDENTIFIER)
        native = _pywrap_metadata_version.GetMinimumMetadataParserVersion(bytes(b.Output()))
        assert (what, tm.min_parser_version(m)) == (what, native)


@pytest.mark.slow
@pytest.mark.needs("libusb")
@pytest.mark.parametrize(("input_type", "grayscale"), [("int8", False), ("uint8", True), ("float32", False)])
def test_same_bytes_as_the_official_writer_and_the_official_displayer_reads_it(models, labels, input_type, grayscale):
    metadata = _official()
    from tensorflow_lite_support.metadata import metadata_schema_py_generated as md_fb
    from tensorflow_lite_support.metadata import schema_py_generated as schema_fb
    from tensorflow_lite_support.metadata.python.metadata_writers import image_classifier, metadata_info, writer_utils

    model, kw = models[input_type], _kwargs(grayscale)
    ours = tm.embed(model, labels, **kw)
    buf = bytearray(model)
    in_type = writer_utils.get_input_tensor_types(buf)[0]
    official = image_classifier.MetadataWriter.create_from_metadata_info(
        buf,
        metadata_info.GeneralMd(
            name=kw["name"],
            version=kw["version"],
            description=kw["description"],
            author=kw["author"],
            licenses=kw["license"],
        ),
        metadata_info.InputImageTensorMd(
            name="image",
            description="Image, resized to the model's input size; normalized as (pixel - mean) / std before the "
            "input tensor's own quantization, if any.",
            norm_mean=kw["mean"],
            norm_std=kw["std"],
            color_space_type=md_fb.ColorSpaceType.GRAYSCALE if grayscale else md_fb.ColorSpaceType.RGB,
            tensor_type=in_type if in_type in (schema_fb.TensorType.UINT8, schema_fb.TensorType.FLOAT32) else None,
        ),
        metadata_info.ClassificationTensorMd(
            name="probabilities",
            description="Probability of each label (labels.txt, one per line, in output order).",
            label_files=[metadata_info.LabelFileMd(file_path=str(labels))],
            tensor_type=writer_utils.get_output_tensor_types(buf)[0],
        ),
    ).populate()
    assert tm.metadata_buffer(ours) == tm.metadata_buffer(bytes(official))
    assert ours == bytes(official)
    displayer = metadata.MetadataDisplayer.with_model_buffer(ours)
    official_json = json.loads(displayer.get_metadata_json())
    assert official_json["min_parser_version"] == "1.0.0"
    assert displayer.get_packed_associated_file_list() == ["labels.txt"]
    assert displayer.get_associated_file_buffer("labels.txt").decode().splitlines() == LABELS
    path = labels.parent / "ours.tflite"
    path.write_bytes(ours)
    assert tm.read(path)["metadata"] == official_json
