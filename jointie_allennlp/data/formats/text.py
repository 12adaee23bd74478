"""
Raw input for prediction: JSON lines with `{"text": ...}` or `{"tokens": [...]}` (one sentence)
or `{"tokens": [[...], [...]]}` (several sentences), an optional `"id"`, and optionally gold
`"entities"`/`"relations"` in SpERT form (token indices) for evaluation. A line with both
`text` and `tokens` keeps the given tokens, found in the text in order (`align_tokens`), so
character offsets point into that text. A plain `.txt` file is one document.
"""
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from jointie_allennlp.data.document import Document, Span
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import read_text_file
from jointie_allennlp.data.formats.json_text import loads, split_lines
from jointie_allennlp.data.formats.spert_json import document_from_spert_dict
from jointie_allennlp.data.output import encodable
from jointie_allennlp.data.tokenization import Segmenter, razdel_segment

PathLike = Union[str, os.PathLike]


def document_from_text(document_id: str, text: str, segmenter: Segmenter = razdel_segment) -> Document:
    """Segments a text into sentences and tokens with character offsets."""
    sentences_tokens = segmenter(text)
    offsets: List[Span] = [span for sentence in sentences_tokens for span in sentence]
    sentences: List[Span] = []
    position = 0
    for sentence in sentences_tokens:
        sentences.append((position, position + len(sentence)))
        position += len(sentence)
    return Document(
        id=document_id,
        text=text,
        tokens=[text[s:e] for s, e in offsets],
        token_offsets=offsets,
        sentences=sentences,
    )


def align_tokens(text: str, tokens: Sequence[str]) -> List[Span]:
    """
    The character offsets of `tokens` in `text`: each token found where the previous one ended,
    after white space only. Raises `ValueError` naming the first token that is not there.
    """
    offsets: List[Span] = []
    position = 0
    for number, token in enumerate(tokens):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            raise ValueError(f"token {number} {token!r} is past the end of the text")
        if not text.startswith(token, position):
            found = text[position : position + max(len(token), 10)]
            raise ValueError(
                f"token {number} {token!r} is not in the text at character {position} "
                f"(the text there: {found!r}); tokens must be the text's own, in order, between white space"
            )
        offsets.append((position, position + len(token)))
        position += len(token)
    return offsets


def _with_text(document: Document, text: Any, path: Optional[str], line: Optional[int]) -> Document:
    """`document` (built from tokens) placed in `text`; `FormatError` naming the line when it does not fit."""
    if not isinstance(text, str):
        raise FormatError("'text' must be a string", path, line, document.id)
    try:
        offsets = align_tokens(text, document.tokens)
    except ValueError as error:
        raise FormatError(str(error), path, line, document.id) from None
    document.text = text
    document.token_offsets = offsets
    return document


def document_from_json(
    item: Any, default_id: str, segmenter: Segmenter = razdel_segment, path: str = None, line: int = None
) -> Document:
    """Builds a document from one input JSON object (`text` or `tokens`); raises `FormatError`."""
    if not isinstance(item, dict):
        raise FormatError("expected a JSON object", path, line, default_id)
    document_id = str(item.get("id", item.get("orig_id", default_id)))
    if "tokens" in item:
        tokens = item["tokens"]
        if tokens and all(isinstance(t, list) for t in tokens):
            flat = [t for sentence in tokens for t in sentence]
            document = document_from_spert_dict({**item, "tokens": flat}, document_id, path=path, line=line)
            bounds, position = [], 0
            for sentence in tokens:
                bounds.append((position, position + len(sentence)))
                position += len(sentence)
            document.sentences = [b for b in bounds if b[1] > b[0]]
        else:
            document = document_from_spert_dict(item, document_id, path=path, line=line)
        return _with_text(document, item["text"], path, line) if "text" in item else document
    if "text" in item:
        if not isinstance(item["text"], str):
            raise FormatError("'text' must be a string", path, line, document_id)
        if item.get("entities"):
            raise FormatError(
                "gold 'entities' need 'tokens' (token indices); give tokens with them",
                path,
                line,
                document_id,
            )
        return document_from_text(document_id, item["text"], segmenter)
    raise FormatError("a line needs 'text' or 'tokens'", path, line, document_id)


def read_jsonl(
    path: PathLike, segmenter: Segmenter = razdel_segment
) -> Iterator[Tuple[int, Union[Document, FormatError], Dict[str, Any]]]:
    """
    Yields `(line number, document or the error of that line, the parsed JSON)` for each
    non-empty line, so a caller can skip (and count) a bad line instead of failing the run. A
    lone surrogate in a line (which a JSON `\\udXXX` escape can carry) is read as U+FFFD.
    """
    text = read_text_file(path)
    stem = Path(path).stem
    # Lines end at "\r\n", "\n" or "\r" only: str.splitlines would also split inside a JSON
    # string at U+0085, U+2028, U+2029 and other separators that JSON writers may leave unescaped.
    for number, line in enumerate(split_lines(text[1:] if text.startswith("\ufeff") else text), start=1):
        if not line.strip():
            continue
        try:
            item = encodable(loads(line, str(path), number))  # a lone surrogate (a JSON escape) as U+FFFD
        except FormatError as error:
            yield number, error, {}
            continue
        try:
            yield number, document_from_json(item, f"{stem}:{number}", segmenter, str(path), number), item
        except FormatError as error:
            yield number, error, item if isinstance(item, dict) else {}


def read_plain_text(path: PathLike, segmenter: Segmenter = razdel_segment) -> Document:
    """A plain text file as one document named by its stem."""
    return document_from_text(Path(path).stem, read_text_file(path), segmenter)
