"""The fixtures are what the tests assume: a tiny offline BERT and well-formed data."""
import torch
from transformers import AutoModel, AutoTokenizer

from jointie_allennlp.data.formats.brat import read_brat_directory
from jointie_allennlp.data.formats.spert_json import read_spert_json


def test_tiny_bert_loads_offline(fixtures_dir):
    model = AutoModel.from_pretrained(str(fixtures_dir / "tiny_bert"), local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(fixtures_dir / "tiny_bert"), local_files_only=True)
    assert (model.config.hidden_size, model.config.num_hidden_layers) == (32, 2)
    assert tokenizer.is_fast
    encoded = tokenizer("Администрация края планирует", return_tensors="pt")
    with torch.no_grad():
        hidden = model(**encoded).last_hidden_state
    assert hidden.shape == (1, encoded["input_ids"].shape[1], 32)


def test_fixture_words_are_mostly_known(fixtures_dir):
    tokenizer = AutoTokenizer.from_pretrained(str(fixtures_dir / "tiny_bert"), local_files_only=True)
    documents = list(read_brat_directory(fixtures_dir / "brat"))
    for split in ("train", "dev", "test"):
        documents += read_spert_json(fixtures_dir / "spert_json" / f"conll04_like_{split}.json")
    for document in documents:
        pieces = tokenizer.tokenize(document.text)
        assert pieces.count(tokenizer.unk_token) <= 0.2 * len(pieces), document.id


def test_fixture_data_covers_the_hard_cases(fixtures_dir):
    train = read_spert_json(fixtures_dir / "spert_json" / "conll04_like_train.json")
    entities = [(d, e) for d in train for e in d.entities]
    assert any(not d.entities for d in train)
    assert any(e.end - e.start == 1 for _, e in entities)
    assert any(  # a nested entity
        a is not b and a.start <= b.start and b.end <= a.end for d in train for a in d.entities for b in d.entities
    )
    assert any(r.type == "Conjunction" for d in train for r in d.relations)
    assert "Conjunction" in train[0].symmetric_relation_types
