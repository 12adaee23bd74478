import pytest

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.formats.text import document_from_text
from jointie_allennlp.metrics.joint_extraction import JointExtractionMetric, evaluate_documents


def _gold() -> Document:
    # tokens: a b c d e f ; ORG(2,4) contains LOC(3,4) (nested); Conj is symmetric
    return Document.from_tokens(
        "d1",
        ["a", "b", "c", "d", "e", "f"],
        entities=[Entity(0, 1, "PER"), Entity(2, 4, "ORG"), Entity(3, 4, "LOC"), Entity(5, 6, "LOC")],
        relations=[Relation(0, 1, "Work"), Relation(1, 2, "Based"), Relation(0, 3, "Conj")],
        symmetric_relation_types={"Conj"},
    )


def _predicted() -> Document:
    gold = _gold()
    return gold.with_annotations(
        [
            Entity(0, 1, "PER"),
            Entity(2, 4, "LOC"),  # right span, wrong type
            Entity(3, 4, "LOC"),
            Entity(5, 6, "LOC"),
            Entity(4, 5, "PER"),  # spurious
        ],
        [
            Relation(0, 1, "Work"),  # tail type wrong: strict fp, boundaries tp
            Relation(3, 0, "Conj"),  # symmetric, reversed: tp in both
            Relation(1, 2, "Based"),  # head type wrong: strict fp, boundaries tp
            Relation(0, 4, "Work"),  # spurious
        ],
    )


def test_hand_computed_scores():
    m = evaluate_documents([_predicted()], [_gold()])
    assert m["ner_precision"] == pytest.approx(3 / 5)
    assert m["ner_recall"] == pytest.approx(3 / 4)
    assert m["ner_f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert m["_ner_PER_f1"] == pytest.approx(2 / 3)
    assert m["_ner_ORG_f1"] == 0.0
    assert m["_ner_LOC_precision"] == pytest.approx(2 / 3)
    assert m["_ner_LOC_f1"] == pytest.approx(0.8)
    assert m["ner_macro_f1"] == pytest.approx((2 / 3 + 0 + 0.8) / 3)

    assert m["rel_strict_precision"] == pytest.approx(1 / 4)
    assert m["rel_strict_recall"] == pytest.approx(1 / 3)
    assert m["rel_strict_f1"] == pytest.approx(2 / 7)
    assert m["rel_strict_macro_f1"] == pytest.approx(1 / 3)
    assert m["_rel_strict_Conj_f1"] == 1.0

    assert m["rel_boundaries_precision"] == pytest.approx(3 / 4)
    assert m["rel_boundaries_recall"] == 1.0
    assert m["rel_boundaries_f1"] == pytest.approx(6 / 7)
    assert m["rel_boundaries_macro_f1"] == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert m["_rel_boundaries_Work_support"] == 1


def test_direction_matters_for_asymmetric_types():
    gold = _gold()
    reversed_work = gold.with_annotations(gold.entities, [Relation(1, 0, "Work")])
    m = evaluate_documents([reversed_work], [gold])
    assert m["rel_strict_precision"] == 0.0
    assert m["rel_boundaries_precision"] == 0.0


def test_symmetric_types_of_either_document_count():
    gold = _gold()
    predicted = Document.from_tokens(
        "d1", gold.tokens, entities=gold.entities, relations=[Relation(3, 0, "Conj")]
    )  # the prediction does not know Conj is symmetric; the gold does
    m = evaluate_documents([predicted], [gold])
    assert m["rel_strict_precision"] == 1.0


def test_empty_predictions_and_empty_gold():
    gold = _gold()
    m = evaluate_documents([gold.without_annotations()], [gold])
    assert m["ner_precision"] == 0.0 and m["ner_recall"] == 0.0 and m["ner_f1"] == 0.0
    assert m["_ner_LOC_support"] == 2
    m = evaluate_documents([_predicted()], [gold.without_annotations()])
    assert m["ner_precision"] == 0.0 and m["ner_recall"] == 0.0
    assert m["_ner_PER_precision"] == 0.0
    m = evaluate_documents([gold.without_annotations()], [gold.without_annotations()])
    assert m["ner_f1"] == 0.0 and m["rel_strict_macro_f1"] == 0.0


def test_perfect_prediction_and_accumulation_with_reset():
    metric = JointExtractionMetric(per_type=False)
    metric([_gold()], [_gold()])
    metric([_gold().without_annotations()], [_gold()])
    m = metric.get_metric(reset=True)
    assert m["ner_precision"] == 1.0 and m["ner_recall"] == pytest.approx(0.5)
    assert not any(key.startswith("_") for key in m)
    assert metric.get_metric()["ner_f1"] == 0.0


def test_spans_compare_across_tokenizations():
    text = "Anna Karenina lives in Saint-Petersburg."
    gold = document_from_text("t", text)  # razdel keeps "Saint-Petersburg" whole
    start = text.index("Saint")
    span = gold.token_span_of_chars(start, start + len("Saint-Petersburg"))
    gold = gold.with_annotations([Entity(*span, "LOC")], [])
    other = Document(
        id="t",
        text=text,
        tokens=["Anna", "Karenina", "lives", "in", "Saint", "-", "Petersburg", "."],
        token_offsets=[(0, 4), (5, 13), (14, 19), (20, 22), (23, 28), (28, 29), (29, 39), (39, 40)],
        entities=[Entity(4, 7, "LOC")],
    )
    assert len(other.tokens) != len(gold.tokens)
    assert evaluate_documents([other], [gold])["ner_f1"] == 1.0
    shifted = other.with_annotations([Entity(6, 7, "LOC")], [])
    assert evaluate_documents([shifted], [gold])["ner_f1"] == 0.0


def test_mismatched_lengths_rejected():
    with pytest.raises(ValueError, match="1 predicted documents but 2 gold"):
        JointExtractionMetric()([_gold()], [_gold(), _gold()])


def _other_pair():
    # a second document with types the first one does not have (only one worker sees them)
    gold = Document.from_tokens(
        "d2", ["x", "y", "z"], entities=[Entity(0, 1, "MISC"), Entity(2, 3, "PER")], relations=[Relation(0, 1, "Of")]
    )
    predicted = gold.with_annotations([Entity(0, 1, "MISC"), Entity(1, 2, "MISC")], [])
    return predicted, gold


def _score_own_shard(rank: int, world_size: int, device: int, expected: dict) -> None:
    pairs = [(_predicted(), _gold()), _other_pair()]
    predicted, gold = pairs[rank]
    metric = JointExtractionMetric()
    metric([predicted], [gold])
    assert metric.get_metric(reset=True) == expected


def test_counts_are_summed_over_distributed_workers():
    from allennlp.common.testing.distributed_test import run_distributed_test

    other_predicted, other_gold = _other_pair()
    expected = evaluate_documents([_predicted(), other_predicted], [_gold(), other_gold])
    alone = evaluate_documents([_predicted()], [_gold()])
    assert expected["ner_f1"] != alone["ner_f1"] and "_ner_MISC_f1" in expected
    run_distributed_test([-1, -1], _score_own_shard, expected)
