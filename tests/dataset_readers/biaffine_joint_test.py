import json
import logging

import pytest
from allennlp.data import Vocabulary
from allennlp.data.data_loaders import SimpleDataLoader

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.tagging import tags_to_entities
from jointie_allennlp.data.windows import merge_windows
from jointie_allennlp.dataset_readers.biaffine_joint import BiaffineJointReader
from jointie_allennlp.modules.entity_pairs import entity_key
from tests.conftest import TINY_BERT


@pytest.fixture(scope="module")
def reader():
    return BiaffineJointReader(TINY_BERT)


def _tags(instance):
    return list(instance["tags"].labels)


def test_bioes_round_trip_with_single_word_and_adjacent_entities(reader):
    words = ["John", "Smith", "met", "Ann", "Lee", "Bob", "in", "Paris", "IBM", "Apple"]
    entities = [
        Entity(0, 2, "Peop"),  # multi-word
        Entity(3, 5, "Peop"),  # adjacent multi-word entities of one type
        Entity(5, 6, "Peop"),
        Entity(7, 8, "Loc"),  # single word
        Entity(8, 9, "Org"),  # adjacent single-word entities
        Entity(9, 10, "Org"),
    ]
    (instance,) = reader.document_to_instances(Document.from_tokens("d", words, entities=entities))
    # BIOES written with allennlp's BIOUL letters: L = E(nd), U = S(ingle).
    assert _tags(instance) == [
        "B-Peop", "L-Peop", "O", "B-Peop", "L-Peop", "U-Peop", "O", "U-Loc", "U-Org", "U-Org"
    ]
    assert tags_to_entities(_tags(instance), "BIOUL") == entities
    assert instance["metadata"]["gold_entities"] == entities
    assert reader.report.nested_dropped == 0


def test_word_offsets_point_at_the_first_word_piece(reader):
    words = ["unaffable", "cat", "Kilimanjaro"]
    (instance,) = reader.document_to_instances(Document.from_tokens("d", words))
    pieces = [t.text for t in instance["tokens"].tokens]
    offsets = [field.sequence_index for field in instance["word_offsets"].field_list]
    counts = [end - start for start, end in reader.aligner.align(words).word_spans]
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]"
    assert offsets == [1, 1 + counts[0], 1 + counts[0] + counts[1]]
    assert not any(pieces[o].startswith("##") for o in offsets)
    assert len(pieces) == 2 + sum(counts)
    assert _tags(instance) == ["O", "O", "O"]


def test_a_sentence_beyond_max_length_is_read_in_overlapping_windows_and_reported():
    reader = BiaffineJointReader(TINY_BERT, max_length=5)  # [CLS] + 3 pieces + [SEP]; overlap 5 // 4 = 1
    words = ["a", "b", "c", "d", "e"]
    document = Document.from_tokens("d", words)
    first, second = reader.document_to_instances(document)
    offsets = [[field.sequence_index for field in i["word_offsets"].field_list] for i in (first, second)]
    assert offsets == [[1, 2, 3], [1, 2, 3]]  # every word has its word piece
    assert [i["metadata"]["document"].tokens for i in (first, second)] == [["a", "b", "c"], ["c", "d", "e"]]
    assert reader.report.truncated_words == 0
    assert reader.windows.report.windowed_sentences == 1 and reader.windows.report.windows == 2
    assert document.metadata["warnings"] == [
        "sentence 1 (5 words, 5 word pieces) is longer than the encoder's 5 word pieces: split into 2 overlapping "
        "windows (neighbours share up to 1 word pieces; every word is predicted in the window where it is most "
        "central)"
    ]


def test_gold_relations_are_keyed_by_entity_span_and_type(reader):
    entities = [Entity(0, 1, "Peop"), Entity(3, 4, "Loc")]
    document = Document.from_tokens(
        "d", ["Ann", "lives", "in", "Rome"], entities=entities, relations=[Relation(0, 1, "Live_In")]
    )
    (instance,) = reader.document_to_instances(document)
    assert instance["metadata"]["gold_relations"] == {(entity_key(entities[0]), entity_key(entities[1])): "Live_In"}
    assert set(instance["relation_types"].labels) == {"NEG", "Live_In"}
    assert set(instance["tag_inventory"].labels) == {
        "O", "B-Loc", "I-Loc", "L-Loc", "U-Loc", "B-Peop", "I-Peop", "L-Peop", "U-Peop"
    }


def test_one_instance_per_sentence_each_with_its_sentence_document(reader):
    document = Document.from_tokens(
        "doc", ["Ann", "runs", ".", "Bob", "sleeps", "."], sentences=[(0, 3), (3, 6)],
        entities=[Entity(3, 4, "Peop")],
    )
    instances = reader.document_to_instances(document)
    assert len(instances) == 2
    sentences = [i["metadata"]["document"] for i in instances]
    assert [s.tokens for s in sentences] == [["Ann", "runs", "."], ["Bob", "sleeps", "."]]
    assert sentences[1].entities == [Entity(0, 1, "Peop")]
    assert _tags(instances[1]) == ["U-Peop", "O", "O"]
    assert merge_windows(document.without_annotations(), sentences).entities == document.entities


def test_nested_and_overlapping_entities_are_dropped_counted_and_logged(tmp_path, caplog):
    sentence = {
        "tokens": ["Bank", "of", "China", "in", "Beijing", "today"],
        "entities": [
            {"type": "Org", "start": 0, "end": 3},
            {"type": "Loc", "start": 2, "end": 3},  # nested in the Org
            {"type": "Loc", "start": 4, "end": 5},
            {"type": "Other", "start": 4, "end": 6},  # contains Beijing; the longer entity wins
        ],
        "relations": [
            {"type": "OrgBased_In", "head": 0, "tail": 2},  # its tail (Beijing) is dropped
            {"type": "Located_In", "head": 1, "tail": 2},  # its head (nested Loc) is dropped
        ],
    }
    path = tmp_path / "data.json"
    path.write_text(json.dumps([sentence]))
    reader = BiaffineJointReader(TINY_BERT)
    with caplog.at_level(logging.WARNING, logger="jointie_allennlp.dataset_readers.biaffine_joint"):
        (instance,) = list(reader.read(str(path)))
    # Longer entities win: Org [0,3) and Other [4,6) stay; Loc [2,3) and Loc [4,5) are nested in them.
    assert _tags(instance) == ["B-Org", "I-Org", "L-Org", "O", "B-Other", "L-Other"]
    assert reader.report.as_dict() == {
        "sentences": 1, "entities": 4, "nested_dropped": 2, "overlapping_dropped": 0,
        "relations": 2, "relations_dropped": 2, "truncated_words": 0,
    }
    assert instance["metadata"]["gold_relations"] == {}
    # The gold document keeps every entity, so the metric counts the dropped ones as missed.
    assert len(instance["metadata"]["document"].entities) == 4
    assert any("cannot express 2 nested and 0 overlapping" in r.getMessage() for r in caplog.records)


def test_partly_overlapping_entity_is_counted_as_overlap(reader):
    document = Document.from_tokens(
        "d", ["a", "b", "c", "d"], entities=[Entity(0, 3, "X"), Entity(2, 4, "Y")]
    )
    reader.report.__init__()
    (instance,) = reader.document_to_instances(document)
    assert _tags(instance) == ["B-X", "I-X", "L-X", "O"]
    assert (reader.report.nested_dropped, reader.report.overlapping_dropped) == (0, 1)


def test_instances_index_and_batch(reader):
    documents = [
        Document.from_tokens("a", ["Ann", "lives", "in", "Rome"], entities=[Entity(0, 1, "Peop"), Entity(3, 4, "Loc")],
                             relations=[Relation(0, 1, "Live_In")]),
        Document.from_tokens("b", ["Hi"]),
    ]
    instances = [i for d in documents for i in reader.document_to_instances(d)]
    vocab = Vocabulary.from_instances(instances)
    assert vocab.get_token_index("NEG", "relation_labels") >= 0
    loader = SimpleDataLoader(instances, batch_size=2)
    loader.index_with(vocab)
    batch = next(iter(loader))
    assert batch["word_offsets"].shape == (2, 4, 1)
    assert batch["word_offsets"][1, 1:, 0].tolist() == [-1, -1, -1]  # padding
    assert batch["tags"].shape == (2, 4)


def test_long_sentences_are_folded_into_segments_not_cut():
    reader = BiaffineJointReader(TINY_BERT, max_length=64, segment_length=8)
    words = [f"w{i}" for i in range(20)]
    (instance,) = reader.document_to_instances(Document.from_tokens("d", words, entities=[Entity(18, 20, "X")]))
    offsets = [field.sequence_index for field in instance["word_offsets"].field_list]
    assert -1 not in offsets and reader.report.truncated_words == 0
    vocab = Vocabulary.from_instances([instance])
    instance.index_fields(vocab)
    tensors = instance.as_tensor_dict()["tokens"]["tokens"]
    # allennlp's folding: [CLS] + 6 pieces + [SEP] per segment, and a mask over the segments.
    assert "segment_concat_mask" in tensors
    assert len(tensors["token_ids"]) > len(instance["tokens"].tokens)
