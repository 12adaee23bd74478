from pathlib import Path

import pytest
from allennlp.data import Vocabulary

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.dataset_readers.spert import ENTITY_NAMESPACE, RELATION_NAMESPACE, SpanJointReader

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TINY_BERT = str(FIXTURES / "tiny_bert")


@pytest.fixture(scope="module")
def reader():
    return SpanJointReader(TINY_BERT)


def test_word_spans_index_the_word_pieces(reader):
    document = Document.from_tokens("d", ["Maria", "Lopez", "moved", "to", "Denver"], entities=[Entity(0, 2, "Peop")])
    (instance,) = reader.document_to_instances(document)
    pieces = [t.text for t in instance["tokens"].tokens]
    spans = instance["word_spans"].tensor.tolist()
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]"
    assert spans[0][0] == 1 and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert spans[-1][1] == len(pieces) - 1
    assert instance["metadata"]["document"].entities == [Entity(0, 2, "Peop")]
    assert instance["metadata"]["labelled"] is False  # the predictor's path
    assert "entity_types" not in instance.fields


def test_read_file_is_labelled_and_fills_the_vocabulary(reader):
    instances = list(reader.read(str(FIXTURES / "spert_json" / "conll04_like_train.json")))
    assert instances and all(i["metadata"]["labelled"] for i in instances)
    vocab = Vocabulary.from_instances(instances)
    assert {"Peop", "Loc", "Org"} <= set(vocab.get_token_to_index_vocabulary(ENTITY_NAMESPACE))
    assert "Work_For" in vocab.get_token_to_index_vocabulary(RELATION_NAMESPACE)
    assert "@@UNKNOWN@@" not in vocab.get_token_to_index_vocabulary(ENTITY_NAMESPACE)


def test_one_instance_per_sentence_of_a_brat_document(reader):
    instances = list(reader.read(str(FIXTURES / "brat")))
    ids = [i["metadata"]["document"].metadata["sentence_of"][0] for i in instances]
    assert len(instances) > len(set(ids))  # several sentences per document


def test_truncated_words_are_marked_and_counted():
    reader = SpanJointReader(TINY_BERT, max_length=5)
    document = Document.from_tokens(
        "long", ["a", "b", "c", "d", "e", "f"], entities=[Entity(0, 1, "X"), Entity(5, 6, "Y")],
        relations=[Relation(0, 1, "R")],
    )
    (instance,) = reader.document_to_instances(document)
    spans = instance["word_spans"].tensor.tolist()
    assert spans[:3] == [[1, 2], [2, 3], [3, 4]] and spans[3:] == [[-1, -1]] * 3
    assert reader.truncated_words == 3


def test_bad_annotation_names_the_document(reader):
    document = Document.from_tokens("broken-doc", ["a", "b"], entities=[Entity(1, 5, "X")])
    with pytest.raises(ValueError, match="broken-doc"):
        reader.document_to_instances(document)
