"""Words -> transformer word pieces, with the word-piece range of every word."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from allennlp.common import cached_transformers
from allennlp.data import Token
from allennlp.data.fields import IndexField, ListField, TextField

from jointie_allennlp.data.reports import ReadReport


@dataclass
class WordpieceAlignment:
    """
    # Parameters

    wordpieces : `List[Token]` word pieces with `text_id` and `type_id`, special tokens included,
        ready for a `TextField` with a `pretrained_transformer` indexer.
    word_spans : `List[Optional[Tuple[int, int]]]` per word the word-piece range `[start, end)`
        in `wordpieces`; `None` for a word cut off by `max_length`.
    truncated_words : `int` how many words did not fit.
    """

    wordpieces: List[Token]
    word_spans: List[Optional[Tuple[int, int]]]
    truncated_words: int


@dataclass
class WordpieceReport(ReadReport):
    """What a read of word pieces lost: words cut off by `max_length` (logged after each read)."""

    truncated_words: int = 0

    def losses(self) -> List[str]:
        return [f"{self.truncated_words} words cut off by max_length"] if self.truncated_words else []


def word_offsets_field(
    alignment: WordpieceAlignment, tokens: TextField, words: Optional[List[int]] = None
) -> ListField:
    """Per word the index of its first word piece (-1 for a word cut off); `words` picks the words."""
    spans = alignment.word_spans if words is None else [alignment.word_spans[w] for w in words]
    return ListField([IndexField(-1 if span is None else span[0], tokens) for span in spans])


class WordpieceAligner:
    """
    Splits words into word pieces with a Hugging Face fast tokenizer in one call per sentence
    (`is_split_into_words`), keeping each word's word-piece range. A word the tokenizer turns
    into nothing (e.g. a lone control character) becomes the unknown token, so every word has
    at least one piece.

    # Parameters

    model_name : `str` Hugging Face model name or local path.
    max_length : `int`, optional (default = `512`) word pieces per sequence, special tokens included.
    tokenizer_kwargs : `Dict`, optional passed to `AutoTokenizer.from_pretrained`.
    """

    def __init__(self, model_name: str, max_length: int = 512, tokenizer_kwargs: Optional[Dict] = None) -> None:
        self.tokenizer = cached_transformers.get_tokenizer(model_name, **(tokenizer_kwargs or {}))
        if not self.tokenizer.is_fast:
            raise ValueError(f"{model_name}: a fast (Rust) tokenizer is needed for word alignment")
        self.max_length = max_length
        self._prefix_length = _prefix_length(self.tokenizer)

    @property
    def special_tokens(self) -> int:
        """Special tokens around one sequence ([CLS] and [SEP] for BERT)."""
        return self.tokenizer.num_special_tokens_to_add(pair=False)

    def _piece_ids(self, words: Sequence[str]) -> List[List[int]]:
        tokenizer = self.tokenizer
        encoding = tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
        ids_per_word: List[List[int]] = [[] for _ in words]
        for piece_id, word_id in zip(encoding["input_ids"], encoding.word_ids()):
            if word_id is not None:
                ids_per_word[word_id].append(piece_id)
        return [pieces or [tokenizer.unk_token_id] for pieces in ids_per_word]

    def pieces_per_word(self, words: Sequence[str]) -> List[int]:
        """How many word pieces each word becomes (at least one)."""
        return [len(pieces) for pieces in self._piece_ids(words)]

    def align(self, words: Sequence[str]) -> WordpieceAlignment:
        """
        The word pieces of a sentence. A word with more pieces than fit into `max_length` keeps
        its first pieces; once the budget is used up the remaining words are cut off (`None`
        spans; `jointie_allennlp.data.windows` splits long sentences so that this does not happen).
        """
        tokenizer = self.tokenizer
        ids_per_word = self._piece_ids(words)
        budget = self.max_length - self.special_tokens
        body: List[int] = []
        spans: List[Optional[Tuple[int, int]]] = []
        full_up = False
        for pieces in ids_per_word:
            pieces = pieces[:budget]
            full_up = full_up or len(body) + len(pieces) > budget
            if full_up:  # this word and every later one are cut off
                spans.append(None)
                continue
            spans.append((len(body), len(body) + len(pieces)))
            body.extend(pieces)
        full = tokenizer.build_inputs_with_special_tokens(body)
        shift = self._prefix_length
        spans = [None if s is None else (s[0] + shift, s[1] + shift) for s in spans]
        pieces_text = tokenizer.convert_ids_to_tokens(full)
        wordpieces = [Token(text=text, text_id=piece_id, type_id=0) for text, piece_id in zip(pieces_text, full)]
        return WordpieceAlignment(wordpieces, spans, sum(1 for s in spans if s is None))


def _prefix_length(tokenizer) -> int:
    """Number of special tokens placed before a single sequence ([CLS] for BERT)."""
    marker = tokenizer.unk_token_id
    return tokenizer.build_inputs_with_special_tokens([marker]).index(marker)
