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
