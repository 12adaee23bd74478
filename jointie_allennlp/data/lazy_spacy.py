"""
spaCy's blank pipeline (rule-based tokenizer + `sentencizer`) whose tokenizer special cases are
added when a text first needs them. Building the English tokenizer's 1,300-odd special cases takes
about as long as a one-line prediction's model pass; a special case can only apply to a text that
holds its tokens, so adding the ones a text holds before tokenizing it gives the same tokens.
"""
import threading
from typing import Dict, List

#: the spaCy tokenizer factory that `spacy.blank` builds without special cases
TOKENIZER_WITHOUT_SPECIAL_CASES = "jointie_allennlp.tokenizer_without_special_cases.v1"
#: after this many texts every special case left is added at once (a long input pays the build once)
EAGER_AFTER_TEXTS = 32


def _register_tokenizer() -> None:
    import spacy
    from spacy.language import create_tokenizer

    if TOKENIZER_WITHOUT_SPECIAL_CASES in spacy.registry.tokenizers:
        return

    @spacy.registry.tokenizers(TOKENIZER_WITHOUT_SPECIAL_CASES)
    def tokenizer_without_special_cases():
        build = create_tokenizer()

        def make(nlp):
            defaults = type("Defaults", (nlp.Defaults,), {"tokenizer_exceptions": {}})
            return build(type("Language", (), {"vocab": nlp.vocab, "Defaults": defaults})())

        return make


def _without_space(text: str) -> str:
    return "".join(text.split())


class LazySpecialCasesPipeline:
    """
    `spacy.blank(language)` with a `sentencizer`, tokenizing as it does; the tokenizer's special
    cases (`Defaults.tokenizer_exceptions`) are added when a text holds their characters (white
    space aside, as spaCy matches them token by token), and all at once after `EAGER_AFTER_TEXTS`
    texts. Calls are serialized by a lock (adding a special case changes the tokenizer).

    # Parameters

    language : `str` a spaCy language code (`en`, `de`, ...).
    """

    def __init__(self, language: str) -> None:
        import spacy

        _register_tokenizer()
        tokenizer = {"@tokenizers": TOKENIZER_WITHOUT_SPECIAL_CASES}
        self.nlp = spacy.blank(language, config={"nlp": {"tokenizer": tokenizer}})
        self.nlp.add_pipe("sentencizer")
        self._pending: Dict[str, List[dict]] = dict(self.nlp.Defaults.tokenizer_exceptions)
        self._keys = {key: _without_space(key) for key in self._pending}
        self._texts = 0
        self._lock = threading.Lock()

    def _add_special_cases(self, text: str) -> None:
        self._texts += 1
        if self._texts > EAGER_AFTER_TEXTS:
            found = list(self._pending)
        else:
            compact = _without_space(text)
            found = [key for key in self._pending if self._keys[key] in compact]
        for key in found:
            self.nlp.tokenizer.add_special_case(key, self._pending.pop(key))

    def __call__(self, text: str):
        """The spaCy `Doc` of `text`."""
        with self._lock:
            if self._pending:
                self._add_special_cases(text)
            return self.nlp(text)
