"""The encoder through ONNX Runtime: float32 gives the torch encoder's output, int8 stays close, and
the tiny SpERT archive predicts with either."""
import numpy as np
import pytest
import torch
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor
from transformers import AutoModel

from jointie_allennlp.precision import apply_precision
from jointie_allennlp.precision.onnx import OnnxEncoder, export_encoder, onnx_encoders
from tests.conftest import PROJECT_ROOT

pytest.importorskip("onnxruntime")
TINY_BERT = PROJECT_ROOT / "fixtures" / "tiny_bert"


def _inputs(batch, length, padded_from):
    generator = torch.Generator().manual_seed(batch * 100 + length)
    ids = torch.randint(5, 500, (batch, length), generator=generator)
    mask = torch.ones(batch, length, dtype=torch.long)
    mask[0, padded_from:] = 0
    return ids, mask


def test_the_exported_encoder_gives_the_torch_output_at_any_shape_and_leaves_the_encoder_alone(tmp_path):
    encoder = AutoModel.from_pretrained(str(TINY_BERT)).eval()
    ids, mask = _inputs(3, 11, 7)
    with torch.no_grad():
        before = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    names = export_encoder(encoder, str(tmp_path / "encoder.onnx"))
    assert names == ["input_ids", "attention_mask", "token_type_ids"]
    onnx = OnnxEncoder(str(tmp_path / "encoder.onnx"), encoder.config, threads=1)
    for batch, length, padded_from in ((3, 11, 7), (1, 4, 2), (5, 23, 20)):
        ids, mask = _inputs(batch, length, padded_from)
        with torch.no_grad():
            expected = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        got = onnx(input_ids=ids, attention_mask=mask.float()).last_hidden_state  # allennlp passes a float mask
        assert got.shape == (batch, length, encoder.config.hidden_size) and got.dtype == torch.float32
        real = mask.bool()
        assert torch.allclose(got[real], expected[real], atol=1e-4)
    with torch.no_grad():  # the export worked on a copy: the encoder still computes what it did
        ids, mask = _inputs(3, 11, 7)
        assert torch.equal(encoder(input_ids=ids, attention_mask=mask).last_hidden_state, before)


@pytest.fixture(scope="module")
def archive(spert_archive):
    return spert_archive


@pytest.mark.parametrize("int8", [False, True])
def test_the_archive_predicts_through_onnx(archive, int8, tmp_path):
    reference = load_archive(str(archive))
    converted = load_archive(str(archive))
    names = onnx_encoders(converted.model, int8=int8, directory=str(tmp_path), threads=1)
    assert names and all(isinstance(dict(converted.model.named_modules())[n], OnnxEncoder) for n in names)
    assert (tmp_path / ("encoder0.int8.onnx" if int8 else "encoder0.onnx")).is_file()
    text = {"id": "a", "text": "Maria Lopez works for Northfield Labs in Denver."}
    expected = Predictor.from_archive(reference, "joint_extraction").predict_json(text)
    got = Predictor.from_archive(converted, "joint_extraction").predict_json(text)
    assert got["tokens"] == expected["tokens"] and "error" not in got
    if not int8:  # float32 through ONNX Runtime: the same entities with the same scores
        assert [(e["start"], e["end"], e["type"]) for e in got["entities"]] == [
            (e["start"], e["end"], e["type"]) for e in expected["entities"]]
        assert np.allclose([e["score"] for e in got["entities"]], [e["score"] for e in expected["entities"]], atol=1e-4)


def test_int8_onnx_is_a_candidate_of_the_int8_precision(archive):
    model = load_archive(str(archive)).model
    apply_precision(model, "int8", int8="int8-onnx")
    assert model.inference_precision == "int8"
    assert any(isinstance(module, OnnxEncoder) for module in model.modules())


def test_a_model_without_an_encoder_is_refused():
    with pytest.raises(ValueError, match="no Hugging Face encoder"):
        onnx_encoders(torch.nn.Sequential(torch.nn.Linear(2, 2)))
