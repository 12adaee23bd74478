import pytest

from jointie_allennlp.data.document import Entity
from jointie_allennlp.data.tagging import entities_to_tags, is_well_formed, tags_to_entities


@pytest.mark.parametrize("scheme", ["BIO", "BIOUL"])
def test_round_trip_single_token_and_adjacent_entities(scheme):
    entities = [Entity(0, 1, "PER"), Entity(1, 3, "ORG"), Entity(3, 4, "ORG"), Entity(5, 8, "LOC")]
    tags, kept, loss = entities_to_tags(entities, 8, scheme)
    if scheme == "BIOUL":
        assert tags == ["U-PER", "B-ORG", "L-ORG", "U-ORG", "O", "B-LOC", "I-LOC", "L-LOC"]
    else:
        assert tags == ["B-PER", "B-ORG", "I-ORG", "B-ORG", "O", "B-LOC", "I-LOC", "I-LOC"]
    assert kept == [0, 1, 2, 3] and loss.total == 0
    assert tags_to_entities(tags, scheme) == entities


def test_nested_and_overlapping_entities_are_counted():
    entities = [Entity(0, 3, "ORG"), Entity(2, 3, "LOC"), Entity(2, 5, "X"), Entity(5, 6, "PER")]
    tags, kept, loss = entities_to_tags(entities, 6)
    assert tags == ["B-ORG", "I-ORG", "L-ORG", "O", "O", "U-PER"]
    assert kept == [0, 3]
    assert (loss.nested_dropped, loss.overlapping_dropped, loss.total) == (1, 1, 2)


def test_ill_formed_predicted_tags_are_read_leniently():
    entities = tags_to_entities(["I-ORG", "L-ORG", "O", "B-PER", "B-PER", "U-LOC", "B-X"])
    assert [(e.start, e.end, e.type) for e in entities] == [
        (0, 2, "ORG"), (3, 4, "PER"), (4, 5, "PER"), (5, 6, "LOC"), (6, 7, "X")
    ]


def test_unknown_scheme():
    with pytest.raises(ValueError, match="unknown tagging scheme"):
        entities_to_tags([], 0, "IOB3")


def test_well_formed_bioes_entities_only():
    tags = ["B-ORG", "I-ORG", "O", "U-PER", "B-LOC", "I-LOC", "L-LOC", "I-X", "L-X", "B-Y", "L-Z"]
    entities = tags_to_entities(tags)
    assert [(e.start, e.end, e.type, is_well_formed(tags, e)) for e in entities] == [
        (0, 2, "ORG", False),  # B-X I-X without L-X: an entity of the lenient decode, not well-formed
        (3, 4, "PER", True),
        (4, 7, "LOC", True),
        (7, 9, "X", False),  # no B-
        (9, 10, "Y", False),
        (10, 11, "Z", False),
    ]
