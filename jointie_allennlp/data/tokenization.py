"""Sentence and word segmentation with character offsets (razdel, white space, spaCy blank)."""
import bisect
import re
from typing import Callable, Dict, List, Sequence, Tuple

from jointie_allennlp.data.document import Span

# A segmenter maps a text to sentences, each a list of token character spans.
Segmenter = Callable[[str], List[List[Span]]]


def razdel_segment(text: str) -> List[List[Span]]:
    """Sentences by `razdel.sentenize`, tokens by `razdel.tokenize` (Russian; fine for English)."""
    import razdel

    sentences = []
    for sentence in razdel.sentenize(text):
        tokens = [
            (sentence.start + token.start, sentence.start + token.stop)
            for token in razdel.tokenize(sentence.text)
        ]
        if tokens:
            sentences.append(tokens)
    return sentences


_NON_SPACE = re.compile(r"\S+")


def whitespace_segment(text: str) -> List[List[Span]]:
    """One sentence per non-empty line, tokens split on white space."""
    sentences = []
    position = 0
    for line in text.splitlines(keepends=True):
        tokens = [(position + m.start(), position + m.end()) for m in _NON_SPACE.finditer(line)]
        if tokens:
            sentences.append(tokens)
        position += len(line)
    return sentences


_SPACY_CACHE: Dict[str, object] = {}


def spacy_blank_segmenter(language: str = "en") -> Segmenter:
    """
    spaCy's rule-based tokenizer for `language` (`spacy.blank`, no model download) with its
    rule-based `sentencizer` (`LazySpecialCasesPipeline`: built once per language, its special
    cases added as texts need them).
    """

    def segment(text: str) -> List[List[Span]]:
        nlp = _SPACY_CACHE.get(language)
        if nlp is None:
            from jointie_allennlp.data.lazy_spacy import LazySpecialCasesPipeline

            nlp = _SPACY_CACHE.setdefault(language, LazySpecialCasesPipeline(language))
        sentences = []
        for sentence in nlp(text).sents:
            tokens = [(t.idx, t.idx + len(t.text)) for t in sentence if not t.is_space]
            if tokens:
                sentences.append(tokens)
        return sentences

    return segment


_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")


def is_cyrillic(text: str) -> bool:
    """Whether `text` has more Cyrillic than Latin letters."""
    return len(_CYRILLIC.findall(text)) > len(_LATIN.findall(text))


def auto_segment(text: str) -> List[List[Span]]:
    """
    The segmenter of the text's script: razdel for a text with more Cyrillic than Latin letters,
    else spaCy's English rules (`spacy:en`; razdel when spaCy, the `spacy` extra, is not installed).
    """
    if is_cyrillic(text):
        return razdel_segment(text)
    try:
        import spacy  # noqa: F401
    except ImportError:
        return razdel_segment(text)
    return spacy_blank_segmenter("en")(text)


def get_segmenter(name: str) -> Segmenter:
    """`razdel`, `whitespace`, `spacy` / `spacy:<lang>` (blank tokenizer), or `auto` (by script)."""
    if name == "auto":
        return auto_segment
    if name == "razdel":
        return razdel_segment
    if name == "whitespace":
        return whitespace_segment
    if name == "spacy" or name.startswith("spacy:"):
        return spacy_blank_segmenter(name.partition(":")[2] or "en")
    raise ValueError(f"unknown tokenizer {name!r}; use auto, razdel, whitespace or spacy[:<lang>]")


def split_at_boundaries(
    tokens: Sequence[Span], boundaries: Sequence[int]
) -> Tuple[List[Span], int]:
    """
    Splits every token that has a boundary strictly inside it, so that each boundary falls
    between tokens. Returns the new tokens and how many tokens were split. White space
    that a split exposes at a piece's edge is trimmed by the caller's text check.
    """
    cuts = sorted(set(boundaries))
    result: List[Span] = []
    split_count = 0
    for start, end in tokens:
        low = bisect.bisect_right(cuts, start)
        high = bisect.bisect_left(cuts, end)
        inner = cuts[low:high]
        if not inner:
            result.append((start, end))
            continue
        split_count += 1
        edges = [start, *inner, end]
        result.extend((a, b) for a, b in zip(edges, edges[1:]) if b > a)
    return result, split_count


def strip_whitespace_tokens(text: str, tokens: Sequence[Span]) -> List[Span]:
    """Trims white space off token edges and drops tokens that are only white space."""
    result = []
    for start, end in tokens:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            result.append((start, end))
    return result
