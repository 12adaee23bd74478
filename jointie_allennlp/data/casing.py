"""Word casing as a feature: a token indexer giving each word a casing class (embed it with `one_hot`)."""
from typing import Dict, List

from allennlp.data import Token, TokenIndexer, Vocabulary
from allennlp.data.token_indexers.token_indexer import IndexedTokenList

# The casing classes of Crone (2020) (after Reimers & Gurevych 2017), in the order they are tested.
CASING_CLASSES = ("numeric", "mostly_numeric", "lower", "upper", "title", "contains_digit", "other")


def casing_class(word: str) -> str:
    """
    The casing class of a word, tested in this order: `numeric` (only digits), `mostly_numeric`
    (more than half of the characters are digits), `lower` (all cased characters lower case),
    `upper` (all upper case), `title` (first character upper case), `contains_digit`, `other`.
    """
    digits = sum(c.isdigit() for c in word)
    if word and digits == len(word):
        return "numeric"
    if word and digits / len(word) > 0.5:
        return "mostly_numeric"
    if word.islower():
        return "lower"
    if word.isupper():
        return "upper"
    if word and word[0].isupper():
        return "title"
    if digits > 0:
        return "contains_digit"
    return "other"


@TokenIndexer.register("casing")
class CasingIndexer(TokenIndexer):
    """
    Indexes each token by its casing class (`casing_class`): ids `1..7` in `CASING_CLASSES` order,
    `0` is padding. Needs no vocabulary; pair it with the `one_hot` token embedder
    (`num_classes` = 7).

    # Parameters

    token_min_padding_length : `int`, optional (default = `0`) see `TokenIndexer`.
    """

    def __init__(self, token_min_padding_length: int = 0) -> None:
        super().__init__(token_min_padding_length)
        self._ids = {name: i + 1 for i, name in enumerate(CASING_CLASSES)}

    def count_vocab_items(self, token: Token, counter: Dict[str, Dict[str, int]]) -> None:
        pass

    def tokens_to_indices(self, tokens: List[Token], vocabulary: Vocabulary) -> IndexedTokenList:
        return {"tokens": [self._ids[casing_class(token.text or "")] for token in tokens]}

    def get_empty_token_list(self) -> IndexedTokenList:
        return {"tokens": []}
