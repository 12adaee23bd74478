import json

import pytest

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.text import align_tokens, document_from_json, document_from_text, read_jsonl
from jointie_allennlp.data.tokenization import get_segmenter, split_at_boundaries, whitespace_segment


def test_razdel_text_has_sentences_and_offsets():
    text = "Выручка выросла на 5%. Прибыль упала."
    document = document_from_text("r", text)
    assert document.tokens[:4] == ["Выручка", "выросла", "на", "5"]
    assert len(document.sentences) == 2
    for token, (start, end) in zip(document.tokens, document.token_offsets):
        assert text[start:end] == token


def test_whitespace_and_spacy_segmenters():
    text = "John met Mary.\nThey left."
    assert [len(s) for s in whitespace_segment(text)] == [3, 2]
    sentences = get_segmenter("spacy:en")(text)
    assert [text[s:e] for s, e in sentences[0]] == ["John", "met", "Mary", "."]
    with pytest.raises(ValueError, match="unknown tokenizer"):
        get_segmenter("nltk")


def test_split_at_boundaries():
    assert split_at_boundaries([(0, 10), (11, 15)], [3, 10, 13]) == ([(0, 3), (3, 10), (11, 13), (13, 15)], 2)


def test_tokens_input_single_and_multi_sentence():
    one = document_from_json({"id": "a", "tokens": ["John", "left", "."]}, "x")
    assert one.id == "a" and one.text == "John left ." and one.sentences == [(0, 3)]
    many = document_from_json({"tokens": [["John", "left", "."], ["Bye", "."]]}, "x")
    assert many.id == "x" and many.sentences == [(0, 3), (3, 5)] and many.tokens[3] == "Bye"
    gold = document_from_json(
        {"tokens": ["John", "left"], "entities": [{"type": "Peop", "start": 0, "end": 1}]}, "x"
    )
    assert gold.entities[0].type == "Peop"


def test_jsonl_bad_lines_are_reported_not_fatal(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"id": "ok", "text": "Fine text."}),
                "{not json",
                json.dumps({"id": "no-text"}),
                "",
                json.dumps({"text": "Second fine."}),
            ]
        ),
        encoding="utf-8",
    )
    results = list(read_jsonl(path))
    assert [line for line, _, _ in results] == [1, 2, 3, 5]
    assert [type(d).__name__ for _, d, _ in results] == ["Document", "FormatError", "FormatError", "Document"]
    assert str(results[1][1]).startswith(f"{path}:2: invalid JSON")
    assert "document 'no-text'" in str(results[2][1]) and "needs 'text' or 'tokens'" in str(results[2][1])
    assert results[3][1].id == "in:5"


def test_text_with_gold_entities_is_rejected():
    with pytest.raises(FormatError, match="need 'tokens'"):
        document_from_json({"text": "a b", "entities": [{"type": "X", "start": 0, "end": 1}]}, "x")
    assert document_from_json({"text": "a b", "entities": []}, "x").tokens == ["a", "b"]


def test_jsonl_lines_split_only_at_newline(tmp_path):
    """U+2028 / U+0085 written raw by another JSON writer stay inside their record."""
    path = tmp_path / "raw.jsonl"
    texts = ["Anna\u2028met Boris.", "Bob\u0085left\u2029.", "Carl\x0bstayed."]
    path.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\r\n"
                            for i, t in enumerate(texts)), encoding="utf-8")
    read = list(read_jsonl(path))
    assert [number for number, _, _ in read] == [1, 2, 3]
    assert [document.text for _, document, _ in read] == texts


def test_text_and_tokens_the_tokens_are_placed_in_the_text():
    item = {"id": "t", "text": "  Anna  met\tBoris.\n", "tokens": ["Anna", "met", "Boris", "."],
            "entities": [{"type": "PER", "start": 2, "end": 3}]}
    document = document_from_json(item, "x")
    assert document.text == item["text"] and document.token_offsets == [(2, 6), (8, 11), (12, 17), (17, 18)]
    assert [document.text[s:e] for s, e in document.token_offsets] == document.tokens
    assert document.entity_text(document.entities[0]) == "Boris"
    nested = document_from_json({"text": "A b. C d.", "tokens": [["A", "b", "."], ["C", "d", "."]]}, "x")
    assert nested.sentences == [(0, 3), (3, 6)] and nested.token_offsets[3] == (5, 6)


def test_text_and_tokens_that_do_not_match_name_the_line():
    expected = r"^in.jsonl:4, document 'x': token 1 'saw' is not in the text at character 5"
    with pytest.raises(FormatError, match=expected):
        document_from_json({"text": "Anna met Boris", "tokens": ["Anna", "saw", "Boris"]}, "x", path="in.jsonl", line=4)
    with pytest.raises(FormatError, match="token 1 'Boris' is not in the text"):  # skipping a word is not allowed
        document_from_json({"text": "Anna met Boris", "tokens": ["Anna", "Boris"]}, "x")
    with pytest.raises(FormatError, match="'text' must be a string"):
        document_from_json({"text": 5, "tokens": ["a"]}, "x")


def test_text_and_tokens_predictions_point_into_the_text():
    from jointie_allennlp.data.document import Entity
    from jointie_allennlp.data.schema import document_from_prediction_json, prediction_to_json

    item = {"id": "t", "text": "Anna  met Boris.", "tokens": ["Anna", "met", "Boris", "."]}
    document = document_from_json(item, "x")
    record = prediction_to_json(document.with_annotations([Entity(2, 3, "PER", score=0.9)], []), item)
    assert record["text"] == item["text"]
    entity = record["entities"][0]
    assert (entity["char_start"], entity["char_end"], entity["text"]) == (10, 15, "Boris")
    assert item["text"][entity["char_start"]:entity["char_end"]] == "Boris"
    assert document_from_prediction_json(record).token_offsets == document.token_offsets


def test_align_tokens_names_a_token_past_the_end_of_the_text():
    assert align_tokens(" John  Smith ", ["John", "Smith"]) == [(1, 5), (7, 12)]
    with pytest.raises(ValueError, match=r"^token 1 'Smith' is past the end of the text$"):
        align_tokens("John ", ["John", "Smith"])
