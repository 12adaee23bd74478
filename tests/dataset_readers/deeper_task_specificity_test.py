import logging

import pytest
from allennlp.data import Vocabulary

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.dataset_readers.deeper_task_specificity import DeeperTaskSpecificityReader


def _document():
    words = ["John", "Smith", "of", "IBM", "Corp", "visited", "New", "York", "in", "1999", "."]
    entities = [Entity(0, 2, "Peop"), Entity(3, 5, "Org"), Entity(6, 8, "Loc"), Entity(7, 8, "Loc")]
    relations = [Relation(0, 1, "Work_For"), Relation(0, 1, "Member_Of"), Relation(1, 2, "OrgBased_In"),
                 Relation(0, 3, "Live_In")]
    return Document.from_tokens("d", words, entities=entities, relations=relations)


def test_bio_tags_gold_relations_and_counted_drops(caplog):
    reader = DeeperTaskSpecificityReader()
    (instance,) = reader.document_to_instances(_document())
    assert list(instance["tags"].labels) == [
        "B-Peop", "I-Peop", "O", "B-Org", "I-Org", "O", "B-Loc", "I-Loc", "O", "O", "O"
    ]
    metadata = instance["metadata"].metadata
    assert metadata["gold_entities"] == [Entity(0, 2, "Peop"), Entity(3, 5, "Org"), Entity(6, 8, "Loc")]
    # two types between one pair are both kept; the relation to the nested "York" is dropped
    assert metadata["gold_relations"] == {
        ((0, 2, "Peop"), (3, 5, "Org")): ["Work_For", "Member_Of"],
        ((3, 5, "Org"), (6, 8, "Loc")): ["OrgBased_In"],
    }
    assert reader.report.nested_dropped == 1 and reader.report.relations_dropped == 1
    assert set(instance["tokens"]._token_indexers) == {"tokens", "token_characters", "casing"}
    assert sorted(instance["relation_types"].labels) == ["Live_In", "Member_Of", "OrgBased_In", "Work_For"]


def test_bioul_scheme_and_indexed_casing():
    reader = DeeperTaskSpecificityReader(tag_scheme="BIOUL")
    (instance,) = reader.document_to_instances(_document())
    assert list(instance["tags"].labels)[:8] == ["B-Peop", "L-Peop", "O", "B-Org", "L-Org", "O", "B-Loc", "L-Loc"]
    assert "U-Loc" in instance["tag_inventory"].labels
    vocab = Vocabulary.from_instances([instance])
    instance.index_fields(vocab)
    casing = instance["tokens"].as_tensor(instance["tokens"].get_padding_lengths())["casing"]["tokens"]
    # John=title(5) of=lower(3) IBM=upper(4) 1999=numeric(1) .=other(7)
    assert [int(casing[i]) for i in (0, 2, 3, 9, 10)] == [5, 3, 4, 1, 7]


def test_read_logs_the_drops(tmp_path, caplog):
    path = tmp_path / "d.json"
    path.write_text(
        '[{"tokens": ["New", "York", "is", "big"], "entities": [{"type": "Loc", "start": 0, "end": 2},'
        ' {"type": "Loc", "start": 1, "end": 2}], "relations": []}]'
    )
    reader = DeeperTaskSpecificityReader()
    with caplog.at_level(logging.WARNING):
        instances = list(reader.read(str(path)))
    assert len(instances) == 1
    assert "1 nested" in caplog.text


def test_unknown_scheme_is_rejected():
    with pytest.raises(ValueError):
        DeeperTaskSpecificityReader(tag_scheme="IO")


def test_with_a_word_level_transformer_long_sentences_are_windowed():
    from pathlib import Path

    from allennlp.data.token_indexers import PretrainedTransformerMismatchedIndexer

    tiny_bert = str(Path(__file__).resolve().parents[2] / "fixtures" / "tiny_bert")
    assert DeeperTaskSpecificityReader().windows is None  # words and characters only: no limit
    reader = DeeperTaskSpecificityReader(
        token_indexers={"transformer": PretrainedTransformerMismatchedIndexer(tiny_bert)}, max_length=8
    )
    document = Document.from_tokens("d", ["company"] * 4)  # 4 word pieces each, 6 fit
    instances = reader.document_to_instances(document)
    assert [len(i["tokens"]) for i in instances] == [1, 1, 1, 1]
    assert reader.windows.report.windowed_sentences == 1 and reader.windows.report.windows == 4
