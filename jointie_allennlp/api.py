"""
The Python front door: load an archive once, then predict texts, token lists or documents.

    >>> import jointie_allennlp as ji, spacy
    >>> model = ji.load("model.tar.gz")                     # doctest: +SKIP
    >>> doc = model("John Smith works for Acme.")           # doctest: +SKIP
    >>> [(doc.entity_text(e), e.type) for e in doc.entities]  # doctest: +SKIP
    [('John Smith', 'Peop'), ('Acme', 'Org')]
    >>> [(r.head, r.tail, r.type) for r in doc.relations]   # doctest: +SKIP
    [(0, 1, 'Work_For')]
    >>> docs = list(model.pipe(["Anna lives in Oslo.", {"id": "b", "tokens": ["Bob", "left"]}]))  # doctest: +SKIP
    >>> ji.to_spacy(doc, spacy.blank("en")).ents            # doctest: +SKIP
    (John Smith, Acme)

Predictions are `Document`s: entities are token spans of `doc.tokens`, whose character offsets
(`doc.token_offsets`, `doc.char_span(entity)`) are into the text given. Input goes through the
archive's predictor (`predict_documents`), as under `jointie predict`, `allennlp predict` and the
server: raw text is split as the model's training files were, and a sentence longer than the
encoder's window is predicted in overlapping windows, so there is no length limit.

Bad input raises `InputError` (a `ValueError`) saying what is wrong; the command line and the server
answer such input with an error record instead.
"""
import logging
import re
from dataclasses import replace
from itertools import islice
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from jointie_allennlp.data.document import Document, Span
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.text import align_tokens
from jointie_allennlp.data.spacy_doc import SpacyRelation, to_spacy
from jointie_allennlp.predictors.loading import load_predictor
from jointie_allennlp.predictors.lines import first_surrogate

__all__ = ["InputError", "JointModel", "SpacyRelation", "load", "load_predictor", "to_spacy"]

logger = logging.getLogger(__name__)

#: what `JointModel` predicts from: a text, a `Document`, or a dict with `text` and/or `tokens`
Input = Union[str, Document, Mapping[str, Any]]

_NOT_SPACE = re.compile(r"\S")


class InputError(ValueError):
    """
    An input the model cannot predict, and why.

    # Parameters

    reason : `str` what is wrong with the input.
    index : `Optional[int]` the input's position in `JointModel.pipe` (`None` for a single call).
    """

    def __init__(self, reason: str, index: Optional[int] = None) -> None:
        self.reason = reason
        self.index = index
        super().__init__(f"input {index}: {reason}" if index is not None else reason)


def load(
    archive: str,
    predictor: Optional[str] = None,
    *,
    cuda_device: int = -1,
    overrides: Union[str, Dict[str, Any], None] = None,
    batch_size: int = 32,
    predictor_args: Optional[Dict[str, Any]] = None,
    precision: str = "auto",
) -> "JointModel":
    """
    A `JointModel` predicting with an archive (loaded by `jointie_allennlp.predictors.loading.load_predictor`:
    a missing or damaged archive, an unknown predictor or predictor argument raise `FormatError`,
    a `ValueError`, naming it).

    # Parameters

    archive : `str` a `model.tar.gz` (or its directory) from `allennlp train` / `jointie train`.
    predictor : `str`, optional a registered predictor (default: the model's own).
    cuda_device : `int`, optional (default = `-1`, the CPU).
    overrides : `str` or `Dict`, optional overrides of the archive's config,
        e.g. `{"model.relation_threshold": 0.5}`.
    batch_size : `int`, optional (default = `32`) instances (sentences or windows) per forward pass,
        and the number of inputs `JointModel.pipe` groups by default.
    predictor_args : `Dict`, optional further arguments of the predictor (e.g. `{"tokenizer": "razdel"}`).
    precision : `str`, optional (default = `"auto"`) `auto`, `fp32`, `bf16` or `int8` (see `load_predictor`);
        the choice is `model.precision`.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    arguments = {"batch_size": batch_size, **(predictor_args or {})}
    loaded = load_predictor(
        str(archive), predictor, predictor_args=arguments, cuda_device=cuda_device, overrides=overrides,
        precision=precision,
    )
    return JointModel(loaded, batch_size=batch_size, name=str(archive))


class JointModel:
    """
    A loaded model: `model(input)` gives one predicted `Document`, `model.pipe(inputs)` many.

    An input is a text (`str`), a `Document` (its own annotations are ignored, except by predictors
    that take given entities, such as `marked_entity`), or a dict `{"id"?, "text"}`,
    `{"id"?, "tokens": [...]}` (one sentence of words), `{"id"?, "tokens": [[...], ...]}` (sentences),
    or `{"text", "tokens"}`: the tokens located in the text, so offsets are into that text. An input
    without an id gets its position (`"0"`, `"1"`, ...) as document id.

    # Parameters

    predictor : a predictor of this package (see `load_predictor`).
    batch_size : `int`, optional (default = `32`) inputs `pipe` groups into one predictor call.
    name : `str`, optional what the model was loaded from (shown by `repr`).
    """

    def __init__(self, predictor, batch_size: int = 32, name: Optional[str] = None) -> None:
        self.predictor = predictor
        self.batch_size = batch_size
        self.name = name

    def __repr__(self) -> str:
        return f"JointModel({self.name!r}, predictor={type(self.predictor).__name__})"

    @property
    def model(self):
        """The allennlp `Model`."""
        return self.predictor._model

    @property
    def precision(self):
        """The `PrecisionChoice` the model predicts in (`None` for a predictor not loaded by `load_predictor`)."""
        return getattr(self.predictor, "precision", None)

    @property
    def entity_types(self) -> List[str]:
        return list(self._types().get("entity_types", []))

    @property
    def relation_types(self) -> List[str]:
        return list(self._types().get("relation_types", []))

    def _types(self) -> Dict[str, List[str]]:
        types = getattr(self.model, "extraction_types", None)
        return types() if types is not None else {}

    # ------------------------------------------------------------------ prediction

    def __call__(self, item: Input) -> Document:
        """The predicted document of one input; raises `InputError` when the input is bad."""
        document = self.document(item, default_id="0")
        return self._predict([document], first=None)[0]

    def pipe(self, items: Iterable[Input], batch_size: Optional[int] = None) -> Iterator[Document]:
        """
        The predicted documents of `items`, in their order, read lazily and predicted `batch_size`
        inputs at a time (their sentences pooled into forward passes). A bad input raises
        `InputError` naming its position once the documents before it are yielded.
        """
        if isinstance(items, (str, bytes, Document, Mapping)):
            raise InputError(
                f"pipe takes an iterable of inputs, not one {type(items).__name__}; call the model for one"
            )
        try:
            iterator = iter(items)
        except TypeError:
            raise InputError(f"pipe takes an iterable of inputs, got {type(items).__name__}") from None
        size = self.batch_size if batch_size is None else batch_size
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {size!r}")
        return self._pipe(iterator, size)

    def _pipe(self, iterator: Iterator[Input], size: int) -> Iterator[Document]:
        position = 0
        while True:
            batch: List[Document] = []
            error: Optional[InputError] = None
            for item in islice(iterator, size):
                try:
                    batch.append(self.document(item, default_id=str(position)))
                except InputError as bad:
                    error = InputError(bad.reason, index=position)
                    break
                position += 1
            yield from self._predict(batch, first=position - len(batch))
            if error is not None:
                raise error
            if len(batch) < size:
                return

    def _predict(self, documents: Sequence[Document], first: Optional[int]) -> List[Document]:
        if not documents:
            return []
        results = self.predictor.predict_documents(documents)
        for offset, (document, result) in enumerate(zip(documents, results)):
            if isinstance(result, Exception):
                where = f"input {first + offset} " if first is not None else ""
                result.add_note(f"while predicting {where}(document {document.id!r})")
                raise result
        return results

    # ------------------------------------------------------------------ input

    def document(self, item: Input, default_id: str = "0") -> Document:
        """The input as the `Document` the predictor is given; raises `InputError` (see the class docstring)."""
        if isinstance(item, Document):
            check_document(item)
            return item
        if isinstance(item, str):
            return self._built({"id": default_id, "text": item})
        if isinstance(item, Mapping):
            return self._built(dict(item) if "id" in item else {"id": default_id, **item})
        hint = "; decode bytes first" if isinstance(item, (bytes, bytearray)) else ""
        raise InputError(
            f"expected a text (str), a Document or a dict with 'text' or 'tokens', got {type(item).__name__}{hint}"
        )

    def _built(self, record: Dict[str, Any]) -> Document:
        if "text" not in record and "tokens" not in record:
            raise InputError(f"a dict input needs 'text' or 'tokens'; it has {sorted(map(str, record))}")
        if "text" in record:
            text = record["text"]
            if not isinstance(text, str):
                raise InputError(f"'text' must be a str, got {type(text).__name__}")
            if not text.strip():
                raise InputError("the text is empty" if not text else "the text is only white space")
        surrogate = first_surrogate(record)
        if surrogate:
            raise InputError(f"{surrogate} (not a Unicode character)")
        tokens_given = "tokens" in record
        try:
            document = self.predictor.input_document(
                {key: value for key, value in record.items() if key != "text"} if tokens_given else record, None
            )
        except FormatError as error:
            raise InputError(error.message) from None
        if not document.tokens:
            raise InputError("no tokens: 'tokens' is empty" if tokens_given else "the text has no tokens")
        if tokens_given and "text" in record:
            offsets = locate_tokens(record["text"], document.tokens)
            document = replace(document, text=record["text"], token_offsets=offsets)
        return document


def locate_tokens(text: str, tokens: Sequence[str]) -> List[Span]:
    """
    The character offsets of `tokens` in `text`, where they must follow one another separated by
    white space only (`align_tokens`) and cover the text up to trailing white space; raises
    `InputError` naming the first token that does not match, or the text left over.
    """
    try:
        offsets = align_tokens(text, tokens)
    except ValueError as error:
        raise InputError(f"tokens do not match the text: {error}") from None
    position = offsets[-1][1] if offsets else 0
    rest = _NOT_SPACE.search(text, position)
    if rest:
        raise InputError(
            f"tokens do not match the text: the text goes on after the last token at character {rest.start()} "
            f"({text[rest.start() : rest.start() + 20]!r})"
        )
    return offsets


def check_document(document: Document) -> None:
    """Raises `InputError` unless `document` can be predicted: tokens that are the text at their offsets,
    in order, sentences covering them, annotations in range, no lone surrogate."""
    if not isinstance(document.text, str):
        raise InputError(f"document {document.id!r}: 'text' must be a str, got {type(document.text).__name__}")
    if not document.tokens:
        raise InputError(f"document {document.id!r} has no tokens")
    surrogate = first_surrogate(document.text, "the text")
    if surrogate:
        raise InputError(f"document {document.id!r}: {surrogate} (not a Unicode character)")
    position = 0
    for index, (token, offsets) in enumerate(zip(document.tokens, document.token_offsets)):
        start, end = _pair(offsets)
        if start is None or not position <= start < end <= len(document.text):
            raise InputError(
                f"document {document.id!r}: token {index} has offsets {offsets!r}, not a non-empty range "
                f"within the text after the previous token"
            )
        if document.text[start:end] != token:
            raise InputError(
                f"document {document.id!r}: token {index} {token!r} does not match the text at [{start}, {end}) "
                f"({document.text[start:end]!r})"
            )
        position = end
    expected = 0
    for start, end in document.sentences:
        if start != expected or end <= start:
            raise InputError(
                f"document {document.id!r}: sentences {document.sentences!r} do not cover the tokens in order"
            )
        expected = end
    if expected != len(document.tokens):
        raise InputError(f"document {document.id!r}: sentences end at token {expected} of {len(document.tokens)}")
    try:
        document.validate()
    except ValueError as error:
        raise InputError(str(error)) from None


def _pair(offsets: Any) -> Tuple[Optional[int], Optional[int]]:
    if isinstance(offsets, (tuple, list)) and len(offsets) == 2 and all(
        isinstance(value, int) and not isinstance(value, bool) for value in offsets
    ):
        return offsets[0], offsets[1]
    return None, None
