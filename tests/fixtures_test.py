"""The fixtures are what the tests assume: a tiny offline BERT and well-formed data."""
import json

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
    texts = [document.text for document in documents]
    for line in (fixtures_dir / "raw" / "sentences.jsonl").read_text("utf-8").splitlines():
        item = json.loads(line)
        texts.append(item.get("text") or " ".join(item["tokens"]))
    for text in texts:
        pieces = tokenizer.tokenize(text)
        assert pieces.count(tokenizer.unk_token) <= 0.2 * len(pieces), text


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


def test_tiny_bert_tokenizer_gives_offsets(fixtures_dir):
    tokenizer = AutoTokenizer.from_pretrained(str(fixtures_dir / "tiny_bert"), local_files_only=True)
    text = "Доля сельского населения остается высокой."
    encoded = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
    pieces = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
    for piece, (start, end) in zip(pieces, encoded["offset_mapping"]):
        assert text[start:end].lower() == piece.removeprefix("##")


def test_brat_entity_text_matches_the_document(fixtures_dir):
    checked = 0
    for ann in sorted((fixtures_dir / "brat").glob("*.ann")):
        text = ann.with_suffix(".txt").read_text("utf-8")
        for line in ann.read_text("utf-8").splitlines():
            if not line.startswith("T"):
                continue
            tid, type_and_span, surface = line.split("\t")
            spans = [tuple(map(int, part.split())) for part in type_and_span.split(" ", 1)[1].split(";")]
            assert " ".join(text[start:end] for start, end in spans) == surface, (ann.name, tid)
            checked += 1
    assert checked >= 20


def test_spert_indices_are_in_range(fixtures_dir):
    for split in ("train", "dev", "test"):
        for item in json.loads((fixtures_dir / "spert_json" / f"conll04_like_{split}.json").read_text("utf-8")):
            for entity in item["entities"]:
                assert 0 <= entity["start"] < entity["end"] <= len(item["tokens"]), (split, item["orig_id"])
            for relation in item["relations"]:
                assert 0 <= relation["head"] < len(item["entities"]), (split, item["orig_id"])
                assert 0 <= relation["tail"] < len(item["entities"]), (split, item["orig_id"])
                assert relation["head"] != relation["tail"], (split, item["orig_id"])
