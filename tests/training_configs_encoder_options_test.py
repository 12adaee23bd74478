"""ATTENTION_DROPOUT and GRADIENT_CHECKPOINTING reach the encoder of every transformer config."""
from pathlib import Path

import pytest
from allennlp.common import Params
from allennlp.modules.token_embedders import TokenEmbedder

from tests.conftest import tiny_bert_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ["spert/conll04.jsonnet", "spert_mt/conll04_fast.jsonnet", "biaffine/conll04.jsonnet",
           "rurebus/ner.jsonnet", "rurebus/re.jsonnet"]


def _embedder_params(config: str, **variables) -> dict:
    environment = tiny_bert_environment(**{"ATTENTION_DROPOUT": "", "GRADIENT_CHECKPOINTING": "",
                                           "JOINTIE_RU_ENCODER": "", **variables})
    params = Params.from_file(str(PROJECT_ROOT / "training_configs" / config), ext_vars=environment)
    return params["model"]["text_field_embedder"]["token_embedders"]["tokens"].as_dict()


@pytest.mark.parametrize("config", CONFIGS)
def test_unset_the_encoder_keeps_its_own_attention_dropout_and_no_checkpointing(config):
    embedder = _embedder_params(config)
    assert embedder["type"] == "pretrained_transformer"
    assert "transformer_kwargs" not in embedder and "gradient_checkpointing" not in embedder


@pytest.mark.parametrize("config", CONFIGS)
def test_the_variables_set_the_built_encoder(config):
    embedder_params = _embedder_params(config, ATTENTION_DROPOUT="0", GRADIENT_CHECKPOINTING="1")
    assert embedder_params["transformer_kwargs"] == {"attention_probs_dropout_prob": 0}
    assert embedder_params["gradient_checkpointing"] is True
    embedder = TokenEmbedder.from_params(Params(embedder_params))
    model = embedder.transformer_model
    assert model.config.attention_probs_dropout_prob == 0 and model.is_gradient_checkpointing
    assert all(layer.attention.self.dropout_prob == 0 for layer in model.encoder.layer)
