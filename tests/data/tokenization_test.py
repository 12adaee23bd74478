"""`auto` segmentation follows the text's script: razdel for Cyrillic, spaCy's English rules otherwise."""
import pytest

from jointie_allennlp.data.tokenization import auto_segment, get_segmenter, is_cyrillic, razdel_segment

ENGLISH = "Mr. Smith didn't go to the U.S. office. He can't."
RUSSIAN = "Компания т.е. ООО «Ромашка» не смогла. Выручка — 3,5 млн."


def _words(text, sentences):
    return [[text[start:end] for start, end in sentence] for sentence in sentences]


def test_english_text_gets_spacy_english_tokens():
    pytest.importorskip("spacy")
    assert get_segmenter("auto") is auto_segment
    assert _words(ENGLISH, auto_segment(ENGLISH)) == [
        ["Mr.", "Smith", "did", "n't", "go", "to", "the", "U.S.", "office", "."], ["He", "ca", "n't", "."],
    ]
    assert _words(ENGLISH, razdel_segment(ENGLISH))[0][:2] == ["Mr", "."]  # what razdel would have given


def test_cyrillic_text_gets_razdel_tokens():
    assert auto_segment(RUSSIAN) == razdel_segment(RUSSIAN)
    assert _words(RUSSIAN, auto_segment(RUSSIAN))[1] == ["Выручка", "—", "3,5", "млн", "."]


def test_the_script_with_more_letters_decides():
    assert is_cyrillic(RUSSIAN) and not is_cyrillic(ENGLISH)
    assert is_cyrillic("ООО Apple") is False  # 3 Cyrillic letters, 5 Latin
    assert is_cyrillic("ООО «Ромашка» и Apple Inc") is True  # 11 Cyrillic, 8 Latin
    assert is_cyrillic("Apple Inc. и ООО") is False
