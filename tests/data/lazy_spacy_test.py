"""LazySpecialCasesPipeline tokenizes exactly as spacy.blank + sentencizer, adding special cases as texts need them."""
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from jointie_allennlp.data import lazy_spacy
from jointie_allennlp.data.lazy_spacy import LazySpecialCasesPipeline
from jointie_allennlp.data.tokenization import get_segmenter

_FULL = spacy.blank("en")
_FULL.add_pipe("sentencizer")
_KEYS = sorted(_FULL.Defaults.tokenizer_exceptions)
_FRAGMENTS = st.one_of(
    st.sampled_from(_KEYS),
    st.sampled_from(["IBM", "works", "for", "John", "New", "York", "5", "pm", "U.S", "etc", "ca", "n't", "'s"]),
    st.sampled_from([".", ",", "(", ")", "!", "?", "'", '"', ":", "-", "--", "...", "$", "%"]),
    st.text(alphabet="abcXYZ.'-:)( ", min_size=1, max_size=4),
)
_SEPARATORS = st.sampled_from(["", " ", "  ", "\n", "\t", " \n "])


def _tokens_and_sentences(doc):
    return [(t.idx, t.text, t.is_sent_start) for t in doc]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_FRAGMENTS, _SEPARATORS), min_size=1, max_size=25))
def test_a_fresh_pipeline_tokenizes_every_text_as_spacy_blank(parts):
    text = "".join(fragment + separator for fragment, separator in parts)
    lazy = LazySpecialCasesPipeline("en")
    assert _tokens_and_sentences(lazy(text)) == _tokens_and_sentences(_FULL(text))


def test_only_the_special_cases_a_text_holds_are_added_then_all_after_enough_texts():
    lazy = LazySpecialCasesPipeline("en")
    assert lazy.nlp.tokenizer.rules == {}
    doc = lazy("They don't stay.")
    assert [t.text for t in doc] == ["They", "do", "n't", "stay", "."]
    added = set(lazy.nlp.tokenizer.rules)
    assert "don't" in added and "a.m." not in added and len(added) < len(_KEYS) / 4
    for _ in range(lazy_spacy.EAGER_AFTER_TEXTS):
        lazy("Plain words.")
    assert set(lazy.nlp.tokenizer.rules) == set(_KEYS)
    assert [t.text for t in lazy("At 5 a.m. we left.")] == [t.text for t in _FULL("At 5 a.m. we left.")]


def test_the_spacy_segmenter_gives_spacys_spans_and_sentences():
    text = "Mr. Smith didn't go. He stayed in the U.S. with Mrs. Jones!"
    expected = [[(t.idx, t.idx + len(t.text)) for t in sentence] for sentence in _FULL(text).sents]
    assert get_segmenter("spacy:en")(text) == expected
    assert len(expected) == 2
