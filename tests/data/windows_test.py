"""Overlapping windows of long sentences: boundaries, ownership, training labels, merging, metric, warnings."""
import string
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from allennlp.data import Vocabulary
from allennlp.models import Model

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.windows import SentenceWindows, merge_windows, owner, plan_windows
from jointie_allennlp.dataset_readers.marked_entity import MarkedEntityReader
from jointie_allennlp.dataset_readers.spert import SpertReader
from jointie_allennlp.metrics.joint_extraction import JointExtractionMetric
from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor

TINY_BERT = str(Path(__file__).resolve().parents[2] / "fixtures" / "tiny_bert")


def test_window_boundaries_share_up_to_the_overlap_and_the_last_window_reaches_back():
    assert plan_windows([1] * 10, budget=4, overlap=2) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    assert plan_windows([1] * 10, budget=4, overlap=0) == [(0, 4), (4, 8), (6, 10)]
    # whole words only: a 2-piece word does not fit into 1 piece of overlap
    assert plan_windows([1, 1, 2, 1, 1], budget=4, overlap=1) == [(0, 3), (2, 5)]
    # a word longer than the budget counts as the budget and stands alone
    assert plan_windows([1, 10, 1], budget=4, overlap=2) == [(0, 1), (1, 2), (2, 3)]
    assert plan_windows([1] * 3, budget=4, overlap=2) == [(0, 3)]
    assert plan_windows([], budget=4, overlap=2) == [(0, 0)]


def test_ownership_of_words_entities_and_relations():
    windows = [(0, 4), (2, 6), (4, 8), (6, 10)]
    # each word: the window where it is most central (the earlier one on a tie)
    assert [owner(windows, w, w + 1, w) for w in range(10)] == [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]
    assert owner(windows, 3, 5, 3) == 1  # its first word's window holds it
    assert owner(windows, 2, 4, 2) == 0
    assert owner(windows, 3, 6, 3) == 1
    assert owner(windows, 1, 5, 1) is None  # no window holds 4 words from word 1
    # relation head at 2 (owned by window 0), tail at 4-5: window 0 lacks the tail, window 1 holds both
    assert owner(windows, 2, 6, 2) == 1
    assert owner(windows, 0, 5, 0) is None  # arguments never in one window


def test_the_overlap_is_checked():
    with pytest.raises(ValueError, match="window_overlap 8 must be between 0 and 7"):
        SentenceWindows(lambda words: [1] * len(words), 16, reserved=2, overlap=8)
    assert SentenceWindows(lambda words: [1] * len(words), 16, reserved=2).overlap == 4
    assert SpertReader(TINY_BERT, max_length=16, window_overlap=6).windows.overlap == 6


# 40 one-piece words; max_length 16 = 14 pieces for words, overlap 4:
# windows [0, 14), [10, 24), [20, 34), [26, 40)
WORDS = [string.ascii_lowercase[i % 26] for i in range(40)]
ENTITIES = [
    Entity(1, 2, "A"),
    Entity(13, 15, "B"),  # across the old chunk boundary at word 14
    Entity(11, 12, "C"),  # in the overlap of windows 0 and 1, owned by 0
    Entity(21, 22, "D"),  # in the overlap of windows 1 and 2, owned by 1
    Entity(28, 30, "E"),  # in the overlap of windows 2 and 3, owned by 2
    Entity(5, 25, "L"),  # 20 words: in no window
]
RELATIONS = [
    Relation(2, 3, "near"),  # C -> D: both only in window 1
    Relation(0, 3, "far"),  # A -> D: never in one window
    Relation(1, 2, "back"),  # B -> C: window 1 (window 0 lacks the end of B)
]


def _gold() -> Document:
    return Document.from_tokens("long", WORDS, entities=list(ENTITIES), relations=list(RELATIONS))


def _keys(document: Document):
    entities = sorted((e.start, e.end, e.type) for e in document.entities)
    relations = sorted(
        ((document.entities[r.head].start, document.entities[r.head].type),
         (document.entities[r.tail].start, document.entities[r.tail].type), r.type)
        for r in document.relations
    )
    return entities, relations


class GoldOracle(Model):
    """Predicts each window's gold labels: what a perfect model could find given the windows."""

    def __init__(self) -> None:
        super().__init__(Vocabulary())
        self.unused = torch.nn.Linear(1, 1)

    def forward(self, tokens, word_spans, metadata, **kwargs) -> Dict[str, List[Document]]:
        return {"document": [m["document"] for m in metadata]}


class OraclePredictor(JointExtractionPredictor):
    """The reader gets the gold annotations (to give each window its own); the output starts from none."""

    def prepare_document(self, document: Document) -> Document:
        return document.with_annotations(document.entities, document.relations)

    def combine_outputs(self, document: Document, outputs) -> Document:
        return super().combine_outputs(document.without_annotations(), outputs)


def test_training_windows_hold_only_whole_items_and_the_read_counts_the_rest():
    reader = SpertReader(TINY_BERT, max_length=16)
    document = _gold()
    sentences = [i["metadata"]["document"] for i in reader.document_to_instances(document, labelled=True)]
    assert [s.metadata["sentence_of"][2] for s in sentences] == [0, 10, 20, 26]
    assert [len(s.tokens) for s in sentences] == [14, 14, 14, 14]
    assert [sorted(e.type for e in s.entities) for s in sentences] == [["A", "C"], ["B", "C", "D"], ["D", "E"], ["E"]]
    assert [[r.type for r in s.relations] for s in sentences] == [[], ["near", "back"], [], []]
    assert reader.windows.report.as_dict() == {
        "sentences": 1, "windowed_sentences": 1, "windows": 4, "cut_words": 0,
        "entities_outside_windows": 1, "relations_outside_windows": 1,
    }
    assert document.metadata["warnings"] == [
        "sentence 1 (40 words, 40 word pieces) is longer than the encoder's 16 word pieces: split into 4 overlapping "
        "windows (neighbours share up to 4 word pieces; every word is predicted in the window where it is most "
        "central)",
        "1 entities and 1 relations lie in no single window and are left out",
    ]


def test_the_read_logs_one_counted_line(tmp_path, caplog):
    import json

    path = tmp_path / "long.json"
    path.write_text(json.dumps([{
        "tokens": WORDS, "orig_id": "long",
        "entities": [{"type": e.type, "start": e.start, "end": e.end} for e in ENTITIES],
        "relations": [{"type": r.type, "head": r.head, "tail": r.tail} for r in RELATIONS],
    }]), encoding="utf-8")
    reader = SpertReader(TINY_BERT, max_length=16)
    assert len(list(reader.read(str(path)))) == 4
    lines = [r.getMessage() for r in caplog.records if "overlapping windows" in r.getMessage()]
    assert lines == [
        f"{path}: 1 of 1 sentences longer than 16 word pieces read in 4 overlapping windows (sharing up to 4 "
        "pieces); 1 gold entities and 1 gold relations lie in no single window (left out of the labels); 0 words "
        "longer than a window cut; {'sentences': 1, 'windowed_sentences': 1, 'windows': 4, 'cut_words': 0, "
        "'entities_outside_windows': 1, 'relations_outside_windows': 1}"
    ]


def test_prediction_merges_the_windows_into_one_record_with_original_indices():
    predictor = OraclePredictor(GoldOracle(), SpertReader(TINY_BERT, max_length=16))
    merged = predictor.predict_document(_gold())
    assert merged.tokens == WORDS and merged.sentences == [(0, 40)]
    # every item some window holds, once, at its place in the sentence; B across word 14 included
    assert _keys(merged) == (
        [(1, 2, "A"), (11, 12, "C"), (13, 15, "B"), (21, 22, "D"), (28, 30, "E")],
        [((11, "C"), (21, "D"), "near"), ((13, "B"), (11, "C"), "back")],
    )
    # in window order, each from its owning window
    assert [e.type for e in merged.entities] == ["A", "C", "B", "D", "E"]
    assert merged.metadata["warnings"][-1] == (
        "sentence 1: 5 pairs of entities are never together in one window: relations between them cannot be found"
    )
    record = predictor.predict_json({"id": "t", "tokens": WORDS})  # no annotations: nothing predicted, said so
    assert record["entities"] == [] and len(record["warnings"]) == 1
    assert "4 overlapping windows" in record["warnings"][0]


def test_without_overlap_the_entity_across_the_chunk_boundary_is_lost_and_reported():
    predictor = OraclePredictor(GoldOracle(), SpertReader(TINY_BERT, max_length=16, window_overlap=0))
    merged = predictor.predict_document(_gold())
    assert (13, 15, "B") not in _keys(merged)[0]
    assert "2 entities and 3 relations lie in no single window" in merged.metadata["warnings"][1]


def test_merging_takes_only_owned_items_and_adds_missing_relation_arguments():
    reader = SpertReader(TINY_BERT, max_length=16)
    windows = reader.windows.sentences(_gold())
    # window 1 also predicts an entity at word 11 of another type: word 11 belongs to window 0, so it is ignored
    windows[1] = windows[1].with_annotations(windows[1].entities + [Entity(1, 2, "X")], windows[1].relations)
    # window 0 misses C, which window 1's relation "near" needs: it is added from window 1
    windows[0] = windows[0].with_annotations([e for e in windows[0].entities if e.type != "C"], [])
    merged = merge_windows(_gold().without_annotations(), windows)
    assert _keys(merged) == (
        [(1, 2, "A"), (11, 12, "C"), (13, 15, "B"), (21, 22, "D"), (28, 30, "E")],
        [((11, "C"), (21, "D"), "near"), ((13, "B"), (11, "C"), "back")],
    )
    assert len(merged.entities) == 5 and len(merged.relations) == 2  # no duplicates


def test_the_metric_counts_each_item_once_in_its_owning_window():
    reader = SpertReader(TINY_BERT, max_length=16)
    windows = reader.windows.sentences(_gold())
    metric = JointExtractionMetric()
    metric(windows, windows)
    assert sum(metric._counts["ner"]["tp"].values()) == 5  # C, D, E sit in two windows each
    assert sum(metric._counts["rel_strict"]["tp"].values()) == 2
    # a window predicting an item it does not own changes nothing; missing an owned one is a miss
    predicted = list(windows)
    predicted[1] = windows[1].with_annotations(windows[1].entities + [Entity(1, 2, "X")], windows[1].relations)
    predicted[2] = windows[2].with_annotations([e for e in windows[2].entities if e.type != "E"], [])
    metric.reset()
    metric(predicted, windows)
    counts = metric._counts["ner"]
    assert (sum(counts["tp"].values()), sum(counts["fp"].values()), sum(counts["fn"].values())) == (4, 0, 1)


def test_marked_entity_windows_keep_the_given_entities_and_take_relations_once():
    reader = MarkedEntityReader(TINY_BERT, max_length=18)  # 14 pieces for words, as above
    document = _gold()
    instances = reader.document_to_instances(document)
    # one instance per (window, main entity the window holds wholly): C, D and E twice
    assert len(instances) == 2 + 3 + 2 + 1
    predicted = [i["metadata"]["document"] for i in instances]  # gold relations of each main entity
    merged = merge_windows(document.with_annotations(document.entities, []), predicted)
    assert [e.type for e in merged.entities] == ["A", "B", "C", "D", "E", "L"]  # the given ones, in order
    assert sorted((r.head, r.tail, r.type) for r in merged.relations) == [(1, 2, "back"), (2, 3, "near")]


def test_marked_entity_windows_with_both_directions_take_each_relation_once():
    reader = MarkedEntityReader(TINY_BERT, max_length=18, directions="both")
    document = _gold()
    instances = reader.document_to_instances(document)
    predicted = [i["metadata"]["document"] for i in instances]  # each relation in the instances of both entities
    assert sum(len(d.relations) for d in predicted) > 2
    merged = merge_windows(document.with_annotations(document.entities, []), predicted)
    assert sorted((r.head, r.tail, r.type) for r in merged.relations) == [(1, 2, "back"), (2, 3, "near")]


def test_a_relation_predicted_by_several_parts_is_kept_once_with_its_highest_score():
    document = Document.from_tokens("d", ["a", "b", "c"], entities=[Entity(0, 1, "A"), Entity(2, 3, "B")])
    sentence = document.split_sentences()[0]

    def part(*relations):
        return sentence.with_annotations(sentence.entities, list(relations))

    parts = [part(Relation(0, 1, "r", score=0.6)), part(Relation(0, 1, "r", score=0.9), Relation(1, 0, "r", score=0.2)),
             part(Relation(0, 1, "r", score=0.7))]
    merged = merge_windows(document.without_annotations(), parts)
    assert [(r.head, r.tail, r.type, r.score) for r in merged.relations] == [(0, 1, "r", 0.9), (1, 0, "r", 0.2)]
    # an unscored copy never replaces a scored one; a scored one replaces an unscored one
    unscored = part(Relation(0, 1, "r"))
    merged = merge_windows(document.without_annotations(), [unscored, parts[0], unscored])
    assert [r.score for r in merged.relations] == [0.6]


def test_a_model_trains_evaluates_and_predicts_on_windowed_sentences(tmp_path):
    """The whole path with windows: spert on the fixtures with 8-piece windows (6 for words, 2 shared)."""
    import json

    from allennlp.commands.train import train_model
    from allennlp.common import Params

    root = Path(__file__).resolve().parents[2]
    spert = root / "fixtures" / "spert_json"
    ext_vars = {
        "TRANSFORMER_MODEL": TINY_BERT, "TRAIN_DATA_PATH": str(spert / "conll04_like_train.json"),
        "VALIDATION_DATA_PATH": str(spert / "conll04_like_dev.json"),
        "TEST_DATA_PATH": str(spert / "conll04_like_test.json"), "NUM_EPOCHS": "1",
        "BATCH_SIZE": "4",
    }
    params = Params.from_file(str(root / "training_configs" / "spert" / "conll04.jsonnet"), ext_vars=ext_vars)
    params["dataset_reader"]["max_length"] = 8
    params.pop("validation_dataset_reader", None)
    params.pop("evaluate_on_test", None)
    model = train_model(params, serialization_dir=str(tmp_path / "run"))
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert 0.0 <= metrics["validation_ner_f1"] <= 1.0
    log = (tmp_path / "run" / "out.log").read_text(encoding="utf-8").splitlines()
    logged = [line for line in log if "overlapping windows (sharing up to 2 pieces)" in line]
    assert any("conll04_like_train.json" in m for m in logged) and any("conll04_like_dev.json" in m for m in logged)

    model.eval()
    reader = SpertReader(TINY_BERT, max_length=8)
    words = json.loads((spert / "conll04_like_train.json").read_text())[0]["tokens"]
    record = JointExtractionPredictor(model, reader).predict_json({"id": "w", "tokens": words})
    assert record["tokens"] == words and "overlapping windows" in record["warnings"][0]
    spans = [(e["start"], e["end"], e["type"]) for e in record["entities"]]
    assert len(spans) == len(set(spans)) and all(0 <= s < e <= len(words) for s, e, _ in spans)
    pairs = [(r["head"], r["tail"], r["type"]) for r in record["relations"]]
    assert len(pairs) == len(set(pairs)) and all(0 <= h < len(spans) and 0 <= t < len(spans) for h, t, _ in pairs)
