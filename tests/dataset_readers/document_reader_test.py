import json
import logging

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


def _spert_file(path, items) -> str:
    path.write_text(json.dumps(items), encoding="utf-8")
    return str(path)


TRAIN_ITEMS = [
    {"tokens": ["Ann", "works", "at", "Acme"], "entities": [{"type": "Peop", "start": 0, "end": 1},
     {"type": "Org", "start": 3, "end": 4}], "relations": [{"type": "Work_For", "head": 0, "tail": 1}]},
]
DEV_ITEMS = [
    {"tokens": ["Bob", "of", "Acme", "in", "Paris"], "entities": [{"type": "Peop", "start": 0, "end": 1},
     {"type": "Org", "start": 2, "end": 3}, {"type": "Loc", "start": 4, "end": 5}],
     "relations": [{"type": "Work_For", "head": 0, "tail": 1}, {"type": "Live_In", "head": 0, "tail": 2},
                   {"type": "Based_In", "head": 1, "tail": 2}]},
    {"tokens": ["Eve", "left", "Paris"], "entities": [{"type": "Peop", "start": 0, "end": 1},
     {"type": "Loc", "start": 2, "end": 3}], "relations": []},
]


def test_types_come_from_the_first_read_and_unseen_dev_types_are_left_out_with_a_warning(tmp_path, caplog):
    from jointie_allennlp.dataset_readers.spert import SpertReader

    train = _spert_file(tmp_path / "mine_train.json", TRAIN_ITEMS)
    dev = _spert_file(tmp_path / "mine_dev.json", DEV_ITEMS)
    reader = SpertReader(_tiny_bert())
    assert reader.types is None
    assert len(list(reader.read(train))) == 1
    assert reader.types.entity_types == ["Org", "Peop"] and reader.types.relation_types == ["Work_For"]
    with caplog.at_level(logging.WARNING):
        instances = list(reader.read(dev))
    documents = [i["metadata"]["document"] for i in instances]
    assert [[e.type for e in d.entities] for d in documents] == [["Peop", "Org"], ["Peop"]]
    assert [[(r.head, r.tail, r.type) for r in d.relations] for d in documents] == [[(0, 1, "Work_For")], []]
    assert list(instances[0]["entity_types"].labels) == ["Org", "Peop"]
    assert reader.type_filter.left_out == {
        ("entity", "Loc"): 2, ("relation", "Live_In"): 1, ("relation", "Based_In"): 1,
    }
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    per_type = [m for m in warnings if "is not among the training types" in m]
    assert len(per_type) == 3 and all(m.startswith(dev) for m in per_type)  # Loc once, though in two documents
    assert any("entity type 'Loc'" in m for m in per_type)
    assert any(m.startswith(f"{dev}: annotations of types unseen in training left out: ") and "entity 'Loc': 2" in m
               for m in warnings)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        list(reader.read(dev))  # the same file again: counted, no new warning per type
    assert not [r for r in caplog.records if "is not among the training types" in r.getMessage()]
    assert reader.type_filter.left_out[("entity", "Loc")] == 4


def test_given_types_make_symmetric_types_and_filter_the_training_data_too(tmp_path):
    from jointie_allennlp.dataset_readers.spert import SpertReader

    train = _spert_file(tmp_path / "mine_train.json", TRAIN_ITEMS + DEV_ITEMS)
    reader = SpertReader(
        _tiny_bert(), types={"entities": ["Peop", "Loc"], "relations": ["Live_In"], "symmetric": ["Live_In"]}
    )
    documents = [i["metadata"]["document"] for i in reader.read(train)]
    assert [[e.type for e in d.entities] for d in documents] == [["Peop"], ["Peop", "Loc"], ["Peop", "Loc"]]
    assert [[r.type for r in d.relations] for d in documents] == [[], ["Live_In"], []]
    assert all(d.symmetric_relation_types == {"Live_In"} for d in documents)
    with pytest.raises(ValueError, match="either in a file"):
        SpertReader(_tiny_bert(), types={"entities": []}, types_path=str(tmp_path / "x_types.json"))


def test_a_types_file_gives_the_types(fixtures_dir, tmp_path):
    from jointie_allennlp.dataset_readers.deeper_task_specificity import DeeperTaskSpecificityReader

    reader = DeeperTaskSpecificityReader(types_path=str(fixtures_dir / "spert_json" / "conll04_like_types.json"))
    assert reader.types.entity_types == ["Loc", "Org", "Peop", "Other"]
    assert reader.types.symmetric_relation_types == {"Conjunction"}


def test_unannotated_first_read_gives_no_types(fixtures_dir):
    from jointie_allennlp.dataset_readers.spert import SpertReader

    reader = SpertReader(_tiny_bert())
    list(reader.read(str(fixtures_dir / "raw" / "sentences.jsonl")))
    assert reader.types is None
