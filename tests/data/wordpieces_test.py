from jointie_allennlp.data.wordpieces import WordpieceAligner


def test_alignment_covers_every_word(fixtures_dir):
    aligner = WordpieceAligner(str(fixtures_dir / "tiny_bert"))
    words = ["Администрация", "края", "Zzyzx", "\u200b", "."]
    alignment = aligner.align(words)
    texts = [t.text for t in alignment.wordpieces]
    assert texts[0] == "[CLS]" and texts[-1] == "[SEP]"
    assert alignment.word_spans[0] == (1, 2) and texts[1] == "администрация"
    start, end = alignment.word_spans[2]
    assert end - start > 1 and "".join(t.lstrip("#") for t in texts[start:end]) == "zzyzx"
    start, end = alignment.word_spans[3]  # a word the tokenizer drops becomes [UNK]
    assert texts[start:end] == ["[UNK]"]
    assert alignment.truncated_words == 0
    assert all(t.text_id is not None for t in alignment.wordpieces)


def test_truncation_cuts_a_suffix_of_words(fixtures_dir):
    aligner = WordpieceAligner(str(fixtures_dir / "tiny_bert"), max_length=6)
    alignment = aligner.align(["края", "края", "Zzyzx", "края", "."])
    assert alignment.word_spans == [(1, 2), (2, 3), None, None, None]
    assert alignment.truncated_words == 3
    assert len(alignment.wordpieces) == 4
