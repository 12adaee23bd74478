"""
The one windowing of long input, used by every reader whose model encodes word pieces.

Two levels, so that no word is ever cut off silently:

1. A sentence is encoded as one sequence of at most `max_pieces` word pieces (special tokens
   included). Up to that length the encoder sees it whole; when `max_pieces` exceeds the
   encoder's window (512 for BERT), the `pretrained_transformer` indexer and embedder fold it
   into windows of `segment_length` pieces (allennlp's `max_length`), each encoded with its own
   special tokens, and unfold the result (the readers' `segment_length` option).
2. A sentence longer than `max_pieces` (a 2,000-word sentence, a 50,000-character text without
   sentence punctuation) is split here into chunks of consecutive words of at most `max_pieces`
   pieces, each predicted as a sentence of its own. A chunk boundary never cuts a (gold or
   given) entity when a boundary outside entities exists. A single word longer than the whole
   budget keeps only its first pieces.

What this costs is reported, never silent: per document as `metadata["warnings"]` (the
predictors write them into the output record as `"warnings"`), and per read in a `WindowReport`
that the readers log (split sentences, chunks, cut words, gold entities and relations across
chunk boundaries, which are left out of the training labels).
"""
from dataclasses import asdict, dataclass, replace
from typing import Callable, Dict, List, Sequence, Tuple

from jointie_allennlp.data.document import Document, Span


@dataclass
class WindowReport:
    """What windowing did during one read (logged by the readers)."""

    sentences: int = 0
    split_sentences: int = 0
    chunks: int = 0
    cut_words: int = 0
    entities_across_chunks: int = 0
    relations_across_chunks: int = 0

    def as_dict(self) -> Dict[str, int]:
        return asdict(self)

    @property
    def lossy(self) -> bool:
        return bool(self.split_sentences or self.cut_words)


class SentenceWindows:
    """
    Splits the sentences of a document that do not fit into `max_pieces` word pieces.

    # Parameters

    pieces_per_word : `Callable[[Sequence[str]], List[int]]` the number of word pieces of every
        word of a sentence (e.g. `WordpieceAligner.pieces_per_word`).
    max_pieces : `int` word pieces per sentence the model encodes, special tokens included.
    reserved : `int`, optional (default = `0`) further pieces every sequence needs (special
        tokens and markers the reader adds).
    """

    def __init__(self, pieces_per_word: Callable[[Sequence[str]], List[int]], max_pieces: int, reserved: int = 0):
        self.pieces_per_word = pieces_per_word
        self.max_pieces = max_pieces
        self.budget = max(1, max_pieces - reserved)
        self.report = WindowReport()

    def sentences(self, document: Document) -> List[Document]:
        """
        `document.split_sentences()`, with every sentence longer than the budget split into
        chunks; warnings go to `document.metadata["warnings"]`, counts to `self.report`.
        """
        warnings: List[str] = []
        bounds: List[Span] = []
        for number, (start, end) in enumerate(document.sentences):
            self.report.sentences += 1
            bounds.extend(self._chunks(document, number, start, end, warnings))
        if len(bounds) == len(document.sentences):
            if warnings:
                document.metadata.setdefault("warnings", []).extend(warnings)
            return document.split_sentences()
        entities, relations, lost_entities, lost_relations = _within(document, bounds)
        if lost_entities or lost_relations:
            self.report.entities_across_chunks += lost_entities
            self.report.relations_across_chunks += lost_relations
            warnings.append(
                f"{lost_entities} entities and {lost_relations} relations cross a chunk boundary "
                "and are left out"
            )
        document.metadata.setdefault("warnings", []).extend(warnings)
        chunked = replace(document, sentences=bounds, entities=entities, relations=relations)
        return chunked.split_sentences()

    def _chunks(self, document: Document, number: int, start: int, end: int, warnings: List[str]) -> List[Span]:
        words = document.tokens[start:end]
        # a word has at most one piece per UTF-8 byte, plus one (a separate word-start piece):
        # short sentences need no tokenizer call
        if sum(len(word.encode("utf-8", "surrogatepass")) + 1 for word in words) <= self.budget:
            return [(start, end)]
        pieces = self.pieces_per_word(words)
        for index, count in enumerate(pieces):
            if count > self.budget:
                self.report.cut_words += 1
                warnings.append(
                    f"word {start + index} ({len(words[index])} characters, {count} word pieces) is longer than "
                    f"the encoder's {self.max_pieces} word pieces: only its first {self.budget} are used"
                )
        if sum(min(count, self.budget) for count in pieces) <= self.budget:
            return [(start, end)]
        inside = _inside_entities(document, start, end)
        capped = [min(count, self.budget) for count in pieces]
        chunks: List[Span] = []
        chunk_start, used, last_free = start, 0, None
        for index, count in enumerate(capped):
            word = start + index
            if word > chunk_start and word not in inside:
                last_free = word  # a chunk may begin here without cutting an entity
            if used + count > self.budget and word > chunk_start:
                cut = last_free if last_free is not None else word
                carried = sum(capped[cut - start : index])
                if carried + count > self.budget:  # no boundary outside entities fits: cut here
                    cut, carried = word, 0
                chunks.append((chunk_start, cut))
                chunk_start, used = cut, carried
                last_free = next((w for w in range(word, cut, -1) if w not in inside), None)
            used += count
        chunks.append((chunk_start, end))
        self.report.split_sentences += 1
        self.report.chunks += len(chunks)
        warnings.append(
            f"sentence {number + 1} ({end - start} words, {sum(pieces)} word pieces) is longer than the encoder's "
            f"{self.max_pieces} word pieces: split into {len(chunks)} chunks predicted separately "
            "(entities and relations across chunk boundaries cannot be found)"
        )
        return chunks


def _inside_entities(document: Document, start: int, end: int) -> set:
    """Token positions in `[start, end)` where a chunk may not begin without cutting an entity."""
    inside = set()
    for entity in document.entities:
        if entity.start < end and entity.end > start:
            inside.update(range(entity.start + 1, entity.end))
    return inside


def _within(document: Document, bounds: List[Span]) -> Tuple[list, list, int, int]:
    """The entities inside one chunk and the relations between them (re-indexed), and the counts left out."""
    chunk_of = [0] * len(document.tokens)
    for number, (start, end) in enumerate(bounds):
        for token in range(start, end):
            chunk_of[token] = number
    kept: Dict[int, int] = {}
    entities = []
    for index, entity in enumerate(document.entities):
        if chunk_of[entity.start] == chunk_of[entity.end - 1]:
            kept[index] = len(entities)
            entities.append(entity)
    relations = []
    for relation in document.relations:
        if relation.head in kept and relation.tail in kept:
            head, tail = document.entities[relation.head], document.entities[relation.tail]
            if chunk_of[head.start] == chunk_of[tail.start]:
                relations.append(replace(relation, head=kept[relation.head], tail=kept[relation.tail]))
    return entities, relations, len(document.entities) - len(entities), len(document.relations) - len(relations)
