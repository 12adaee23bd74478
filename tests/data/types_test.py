import logging

import pytest

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.formats.spert_json import TypeInventory
from jointie_allennlp.data.types import TypeFilter, collect_types, inventory_from_dict, inventory_to_dict


def _document(entities, relations, symmetric=()) -> Document:
    return Document.from_tokens(
        "d", ["a", "b", "c", "d"],
        entities=[Entity(s, e, t) for s, e, t in entities],
        relations=[Relation(h, t, ty) for h, t, ty in relations],
        symmetric_relation_types=frozenset(symmetric),
    )


def test_collect_types_sorted_with_declared_symmetric_types_that_occur():
    documents = [
        _document([(0, 1, "Peop"), (2, 3, "Org")], [(0, 1, "Work_For")], symmetric={"Conj"}),
        _document([(0, 1, "Loc"), (1, 2, "Loc")], [(0, 1, "Conj")], symmetric={"Conj", "Never_Seen"}),
    ]
    inventory = collect_types(documents)
    assert inventory.entity_types == ["Loc", "Org", "Peop"]
    assert inventory.relation_types == ["Conj", "Work_For"]
    assert inventory.symmetric_relation_types == {"Conj"}


def test_filter_leaves_out_unseen_types_with_their_relations_and_counts(caplog):
    type_filter = TypeFilter(TypeInventory(["Peop", "Org"], ["Work_For", "Conj"], frozenset({"Conj"})))
    document = _document(
        [(0, 1, "Peop"), (1, 2, "Loc"), (2, 3, "Org"), (3, 4, "Peop")],
        [(0, 2, "Work_For"), (0, 1, "Live_In"), (3, 1, "Work_For"), (0, 3, "Kill")],
    )
    with caplog.at_level(logging.WARNING, logger="jointie_allennlp.data.types"):
        kept = type_filter(document, "dev.json")
        type_filter(document, "dev.json")  # a second time: counted, not logged again
    assert [(e.start, e.type) for e in kept.entities] == [(0, "Peop"), (2, "Org"), (3, "Peop")]
    # indices follow the kept entities: Org moved from 2 to 1
    assert [(r.head, r.tail, r.type) for r in kept.relations] == [(0, 1, "Work_For")]
    assert kept.symmetric_relation_types == {"Conj"}
    assert type_filter.left_out == {("entity", "Loc"): 2, ("relation", "Live_In"): 2, ("relation", "Kill"): 2}
    assert type_filter.relations_on_left_out_entities == 2  # Work_For 3 -> Loc, twice
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert any("dev.json: entity type 'Loc' is not among the training types" in m for m in messages)
    assert any("relation type 'Kill'" in m for m in messages)
    assert TypeFilter.describe(type_filter.counts()) == (
        "entity 'Loc': 2, relation '<on left-out entities>': 2, relation 'Kill': 2, relation 'Live_In': 2"
    )


def test_filter_returns_a_known_document_unchanged():
    type_filter = TypeFilter(TypeInventory(["Peop"], ["Kill"], frozenset()))
    document = _document([(0, 1, "Peop"), (2, 3, "Peop")], [(0, 1, "Kill")])
    assert type_filter(document, "x") is document
    assert not type_filter.counts()


def test_inventory_dict_round_trip_and_errors():
    inventory = inventory_from_dict({"entities": ["A"], "relations": ["R", "S"], "symmetric": ["S"]})
    assert inventory == TypeInventory(["A"], ["R", "S"], frozenset({"S"}))
    assert inventory_to_dict(inventory) == {"entities": ["A"], "relations": ["R", "S"], "symmetric": ["S"]}
    with pytest.raises(ValueError, match=r"symmetric types \['T'\] are not among the relation types"):
        inventory_from_dict({"entities": ["A"], "relations": ["R"], "symmetric": ["T"]})
    with pytest.raises(ValueError, match="unknown keys"):
        inventory_from_dict({"entity": ["A"]})
    with pytest.raises(ValueError, match="'entities' must be a list"):
        inventory_from_dict({"entities": "A"})
