"""Int8 dynamic quantization of the tiny SpERT archive's linear layers: which, how, and that it still predicts."""
import pytest
import torch
from allennlp.models.archival import load_archive
from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

from jointie_allennlp.precision.int8 import INT8_CANDIDATES, int8_candidate, quantize_int8, selected_linear_layers

TEXT = {"id": "x", "text": "Maria Lopez works for Northfield Labs in Denver."}
ENCODER = "text_field_embedder.token_embedder_tokens.transformer_model."


@pytest.fixture
def archive(spert_archive):
    return load_archive(str(spert_archive))


def _linear_names(model):
    return [name for name, module in model.named_modules() if type(module) is torch.nn.Linear]


def test_all_selects_every_linear_layer_and_encoder_keeps_the_sensitive_ones(archive):
    model = archive.model
    every = _linear_names(model)
    assert selected_linear_layers(model, "all") == every
    encoder = selected_linear_layers(model, "encoder")
    heads = [name for name in every if not name.startswith(ENCODER)]
    assert heads, "the SpERT classifiers are linear layers outside the encoder"
    assert encoder and set(encoder) < set(every)
    assert all(name.startswith(ENCODER + "encoder.layer.") for name in encoder)
    assert not [name for name in encoder if name.endswith("attention.output.dense") or ".pooler." in name]
    left = set(every) - set(encoder)
    assert {name for name in every if name.endswith("attention.output.dense")} <= left and set(heads) <= left
    # per encoder layer: query, key, value, intermediate and output (attention.output.dense is kept)
    layers = {name[len(ENCODER + "encoder.layer."):].split(".", 1)[0] for name in encoder}
    parts = {name[len(ENCODER + "encoder.layer."):].split(".", 1)[1] for name in encoder}
    assert parts == {"attention.self.query", "attention.self.key", "attention.self.value", "intermediate.dense",
                     "output.dense"}
    assert len(encoder) == 5 * len(layers)
    assert selected_linear_layers(model, lambda name, module: module.out_features == 2) == [
        name for name, module in model.named_modules() if type(module) is torch.nn.Linear and module.out_features == 2
    ]


@pytest.mark.parametrize("candidate", sorted(name for name, options in INT8_CANDIDATES.items() if "layers" in options))
def test_a_candidate_quantizes_its_layers_only_and_the_model_still_predicts(archive, candidate):
    from allennlp.predictors import Predictor

    model = archive.model
    predictor = Predictor.from_archive(archive)
    reference = predictor.predict_json(TEXT)
    selected = selected_linear_layers(model, INT8_CANDIDATES[candidate]["layers"])
    kept = [name for name in _linear_names(model) if name not in selected]
    assert int8_candidate(model, candidate) == selected
    modules = dict(model.named_modules())
    scheme = torch.per_channel_affine if INT8_CANDIDATES[candidate]["per_channel"] else torch.per_tensor_affine
    for name in selected:
        assert isinstance(modules[name], DynamicQuantizedLinear)
        assert modules[name].weight().qscheme() == scheme and modules[name].weight().dtype == torch.qint8
    assert all(type(modules[name]) is torch.nn.Linear for name in kept)
    quantized = predictor.predict_json(TEXT)
    assert quantized["tokens"] == reference["tokens"]
    scores = {(e["start"], e["end"]): e["score"] for e in reference["entities"]}
    for entity in quantized["entities"]:  # the same entities, scored within a few hundredths
        if (entity["start"], entity["end"]) in scores:
            assert entity["score"] == pytest.approx(scores[(entity["start"], entity["end"])], abs=0.05)


def test_a_selection_of_nothing_or_an_unknown_name_is_refused(archive):
    with pytest.raises(ValueError, match="select no nn.Linear"):
        quantize_int8(archive.model, lambda name, module: False)
    with pytest.raises(ValueError, match="'all', 'encoder' or a callable"):
        quantize_int8(archive.model, "heads")
    with pytest.raises(ValueError, match="unknown int8 candidate 'int4'"):
        int8_candidate(archive.model, "int4")
