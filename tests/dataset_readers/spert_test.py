import pytest
from allennlp.data import Vocabulary

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.windows import merge_windows
from jointie_allennlp.dataset_readers.spert import ENTITY_NAMESPACE, RELATION_NAMESPACE, SpertReader
from tests.conftest import FIXTURES, TINY_BERT


@pytest.fixture(scope="module")
def reader():
    return SpertReader(TINY_BERT)


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


def test_long_sentences_are_windowed_and_items_in_no_window_reported(caplog):
    reader = SpertReader(TINY_BERT, max_length=5)  # 3 pieces per window, neighbours share 1
    document = Document.from_tokens(
        "long", ["a", "b", "c", "d", "e", "f"], entities=[Entity(0, 1, "X"), Entity(2, 4, "Z"), Entity(5, 6, "Y")],
        relations=[Relation(0, 2, "R"), Relation(1, 2, "S"), Relation(1, 1, "Self")],
    )
    instances = reader.document_to_instances(document, labelled=True)
    sentences = [i["metadata"]["document"] for i in instances]
    # windows a-c, c-e and (the last reaching back to 3 pieces) d-f
    assert [s.tokens for s in sentences] == [["a", "b", "c"], ["c", "d", "e"], ["d", "e", "f"]]
    assert [i["word_spans"].tensor.tolist() for i in instances][1] == [[1, 2], [2, 3], [3, 4]]
    # each window's gold is what it holds wholly: Z ("c d") in the second window only
    assert [[(e.start, e.end, e.type) for e in s.entities] for s in sentences] == [
        [(0, 1, "X")], [(0, 2, "Z")], [(2, 3, "Y")]
    ]
    assert [s.relations for s in sentences] == [[], [Relation(0, 0, "Self")], []]
    assert reader.truncated_words == 0
    assert reader.windows.report.relations_outside_windows == 2  # X-Z and Z-Y span 4 words each
    assert document.metadata["warnings"][-1] == "0 entities and 2 relations lie in no single window and are left out"
    merged = merge_windows(document.without_annotations(), sentences)  # gold as the prediction
    assert [(e.start, e.end, e.type) for e in merged.entities] == [(0, 1, "X"), (2, 4, "Z"), (5, 6, "Y")]
    assert merged.relations == [Relation(1, 1, "Self")]
    assert merged.metadata["warnings"][-1] == (
        "sentence 1: 3 pairs of entities are never together in one window: relations between them cannot be found"
    )


def test_a_word_longer_than_the_window_keeps_its_first_pieces_with_a_warning():
    reader = SpertReader(TINY_BERT, max_length=6)
    word = "a" * 40  # 40 word pieces with the tiny BERT
    document = Document.from_tokens("w", ["a", word, "b"])
    instances = reader.document_to_instances(document)
    spans = [i["word_spans"].tensor.tolist() for i in instances]
    assert spans == [[[1, 2]], [[1, 5]], [[1, 2]]]
    assert any(w.startswith(f"word 1 ({len(word)} characters,") and "only its first 4 are used" in w
               for w in document.metadata["warnings"])


def test_bad_annotation_names_the_document(reader):
    document = Document.from_tokens("broken-doc", ["a", "b"], entities=[Entity(1, 5, "X")])
    with pytest.raises(ValueError, match="broken-doc"):
        reader.document_to_instances(document)
