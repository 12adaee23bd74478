import json

import pytest

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.dataset_readers.document_reader import read_documents


def test_dispatch_by_path(fixtures_dir, tmp_path):
    brat = list(read_documents(str(fixtures_dir / "brat")))
    assert len(brat) >= 2 and all(d.text for d in brat)
    one = list(read_documents(str(next((fixtures_dir / "brat").glob("*.ann")))))
    assert len(one) == 1 and one[0].entities
    spert = list(read_documents(str(fixtures_dir / "spert_json" / "conll04_like_train.json")))
    assert len(spert) >= 8 and "Conjunction" in spert[0].symmetric_relation_types
    raw = list(read_documents(str(fixtures_dir / "raw" / "sentences.jsonl")))
    assert [d.id for d in raw] == ["r1", "r2", "r3"]
    plain = tmp_path / "note.txt"
    plain.write_text("Один. Два.", encoding="utf-8")
    assert list(read_documents(str(plain)))[0].sentences == [(0, 2), (2, 4)]


def test_errors_name_the_input(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        list(read_documents(str(tmp_path / "missing.json")))
    odd = tmp_path / "data.csv"
    odd.write_text("a,b", encoding="utf-8")
    with pytest.raises(FormatError, match="unknown input format"):
        list(read_documents(str(odd)))
    lines = tmp_path / "gold.jsonl"
    lines.write_text(json.dumps({"text": "ok"}) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(FormatError, match=":2: invalid JSON"):
        list(read_documents(str(lines)))


@pytest.mark.parametrize("drop", [False, True])
def test_drop_overlapping_relations_counts_what_it_removes(tmp_path, drop):
    from jointie_allennlp.dataset_readers.biaffine_joint import BiaffineJointReader

    items = [
        {"tokens": ["lithium", "toxicity", "after", "aspirin", "use"], "orig_id": "a",
         "entities": [{"type": "Drug", "start": 0, "end": 1}, {"type": "Effect", "start": 0, "end": 2},
                      {"type": "Drug", "start": 3, "end": 4}],
         "relations": [{"type": "Adverse", "head": 1, "tail": 0}, {"type": "Adverse", "head": 1, "tail": 2}]},
        {"tokens": ["rash", "from", "drug"], "orig_id": "b",
         "entities": [{"type": "Effect", "start": 0, "end": 1}, {"type": "Drug", "start": 2, "end": 3}],
         "relations": [{"type": "Adverse", "head": 0, "tail": 1}]},
    ]
    path = tmp_path / "ade_like.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    reader = BiaffineJointReader(_tiny_bert(), drop_overlapping_relations=drop)
    instances = list(reader.read(str(path)))
    relations = [[(r.head, r.tail) for r in i["metadata"]["document"].relations] for i in instances]
    if drop:
        assert relations == [[(1, 2)], [(0, 1)]] and reader.overlapping_relations_dropped == 1
    else:
        assert relations == [[(1, 0), (1, 2)], [(0, 1)]] and reader.overlapping_relations_dropped == 0


def _tiny_bert() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2] / "fixtures" / "tiny_bert")
