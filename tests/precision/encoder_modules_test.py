from torch import nn
from transformers import BertConfig, BertForMaskedLM, BertModel

from jointie_allennlp.precision.encoder_modules import encoder_prefixes
from tests.conftest import TINY_BERT


def test_the_outermost_transformers_of_a_model_are_found_by_name():
    config = BertConfig.from_pretrained(TINY_BERT)
    model = nn.Module()
    model.first = BertModel(config)
    model.head = nn.Linear(config.hidden_size, 3)
    # a transformer inside another (BertForMaskedLM holds a BertModel under `bert`) counts once
    model.second = nn.Sequential(BertForMaskedLM(config))
    assert encoder_prefixes(model) == ["first", "second.0"]
    assert encoder_prefixes(nn.Linear(2, 2)) == []
