"""
The one windowing of long input, used by every reader whose model encodes word pieces, and the one
merging of window predictions, used by every predictor.

Two levels, so that no word is ever cut off silently:

1. A sentence is encoded as one sequence of at most `max_pieces` word pieces (special tokens
   included). Up to that length the encoder sees it whole; when `max_pieces` exceeds the
   encoder's window (512 for BERT), the `pretrained_transformer` indexer and embedder fold it
   into segments of `segment_length` pieces (allennlp's `max_length`), each encoded with its own
   special tokens, and unfold the result (the readers' `segment_length` option).
2. A sentence longer than `max_pieces` (a 2,000-word sentence, a 50,000-character text without
   sentence punctuation) is read here in overlapping windows of consecutive words, each of at most
   `max_pieces` pieces; neighbouring windows share up to `overlap` word pieces of whole words
   (`plan_windows`). Every window is an instance of its own. A single word longer than the whole
   budget keeps only its first pieces.

Ownership: every word belongs to the window in which it is most central (farthest from the
window's edges; the earlier window on a tie). An entity or relation belongs to the window that
owns its anchor word (an entity's first word, a relation's head's first word) when that window
holds the whole item (both arguments of a relation), otherwise to the window that holds it most
centrally; an item no window holds wholly belongs to none (`owner`). Prediction takes every item
from its owning window only (`merge_windows`: one record for the original sentence, original word
indices, no duplicates), and the metric counts every item in its owning window only
(`owned_items`, used by `JointExtractionMetric`), so the overlap is never counted twice.
Training labels of a window are what it holds wholly (`Document.sub_document`).

What this costs is reported, never silent: per document as `metadata["warnings"]` (the
predictors write them into the output record as `"warnings"`), and per read in a `WindowReport`
that the readers log: windowed sentences, windows, cut words, and gold entities and relations
that no window holds wholly (left out of the training labels). At prediction time the predictor
also warns how many pairs of predicted entities are never together in one window, so that no
relation between them can be found.
"""
import bisect
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from jointie_allennlp.data.document import Document, Entity, Relation, Span
from jointie_allennlp.data.reports import ReadReport


@dataclass
class WindowReport(ReadReport):
    """What windowing did during one read (logged by the readers)."""

    sentences: int = 0
    windowed_sentences: int = 0
    windows: int = 0
    cut_words: int = 0
    entities_outside_windows: int = 0
    relations_outside_windows: int = 0

    @property
    def lossy(self) -> bool:
        return bool(self.windowed_sentences or self.cut_words)


@dataclass(frozen=True)
class Window:
    """
    Where a window document lies (its `metadata["window"]`).

    # Parameters

    sentence : `int` number of its sentence in the document.
    index : `int` its number among the windows of that sentence.
    start : `int` document token index of its first word.
    windows : `Tuple[Span, ...]` all windows of the sentence, as document token ranges `[start, end)`.
    """

    sentence: int
    index: int
    start: int
    windows: Tuple[Span, ...]


def plan_windows(pieces: Sequence[int], budget: int, overlap: int) -> List[Span]:
    """
    Windows `[start, end)` over words of `pieces` word pieces each: every window holds at most
    `budget` pieces (a longer word counts as `budget`), a window starts with the last words of the
    previous one that fit into `overlap` pieces (at least one new word per window), and the last
    window reaches back as far as `budget` allows, so it has as much context as the others.
    """
    capped = [min(count, budget) for count in pieces]
    windows: List[Span] = []
    start = 0
    while True:
        end, used = start, 0
        while end < len(capped) and (end == start or used + capped[end] <= budget):
            used += capped[end]
            end += 1
        if end == len(capped):
            floor = windows[-1][0] + 1 if windows else 0
            while start > floor and used + capped[start - 1] <= budget:
                start -= 1
                used += capped[start]
            windows.append((start, end))
            return windows
        windows.append((start, end))
        next_start, shared = end, 0
        while next_start - 1 > start and shared + capped[next_start - 1] <= overlap:
            next_start -= 1
            shared += capped[next_start]
        start = next_start


def _centrality(window: Span, start: int, end: int) -> int:
    return min(start - window[0], window[1] - end)


def owner(windows: Sequence[Span], start: int, end: int, anchor: int) -> Optional[int]:
    """
    The window (index into `windows`) that owns an item spanning tokens `[start, end)` with its
    anchor token `anchor` (see the module docstring); `None` when no window holds it wholly.
    """
    if len(windows) == 1:
        return 0 if windows[0][0] <= start and end <= windows[0][1] else None
    holding = [number for number, (first, last) in enumerate(windows) if first <= start and end <= last]
    if not holding:
        return None
    anchor_owner = max(
        (number for number, (first, last) in enumerate(windows) if first <= anchor < last),
        key=lambda number: (_centrality(windows[number], anchor, anchor + 1), -number),
    )
    if anchor_owner in holding:
        return anchor_owner
    return max(holding, key=lambda number: (_centrality(windows[number], start, end), -number))


def _relation_span(entities: Sequence[Entity], relation: Relation) -> Tuple[int, int, int]:
    head, tail = entities[relation.head], entities[relation.tail]
    return min(head.start, tail.start), max(head.end, tail.end), head.start


def owned_items(document: Document) -> Optional[Tuple[List[bool], List[bool]]]:
    """
    For a window document (`metadata["window"]`, as `SentenceWindows` makes them): per entity and
    per relation whether this window owns it. `None` for any other document (it owns everything).
    """
    window: Optional[Window] = document.metadata.get("window")
    if window is None:
        return None
    shift = window.start

    def owns(start: int, end: int, anchor: int) -> bool:
        return owner(window.windows, start + shift, end + shift, anchor + shift) == window.index

    entities = [owns(e.start, e.end, e.start) for e in document.entities]
    relations = [owns(*_relation_span(document.entities, r)) for r in document.relations]
    return entities, relations


class SentenceWindows:
    """
    Reads the sentences of a document that do not fit into `max_pieces` word pieces in
    overlapping windows (see the module docstring).

    # Parameters

    pieces_per_word : `Callable[[Sequence[str]], List[int]]` the number of word pieces of every
        word of a sentence (e.g. `WordpieceAligner.pieces_per_word`).
    max_pieces : `int` word pieces per sentence the model encodes, special tokens included.
    reserved : `int`, optional (default = `0`) further pieces every sequence needs (special
        tokens and markers the reader adds).
    overlap : `int`, optional (default = a quarter of `max_pieces`, at most half the pieces left
        for words) word pieces neighbouring windows share; at most half the pieces left for words.
        An entity of up to `overlap` pieces always lies wholly in some window.
    """

    def __init__(
        self,
        pieces_per_word: Callable[[Sequence[str]], List[int]],
        max_pieces: int,
        reserved: int = 0,
        overlap: Optional[int] = None,
    ) -> None:
        self.pieces_per_word = pieces_per_word
        self.max_pieces = max_pieces
        self.budget = max(1, max_pieces - reserved)
        if overlap is None:
            overlap = min(max_pieces // 4, self.budget // 2)
        if not 0 <= overlap <= self.budget // 2:
            raise ValueError(
                f"window_overlap {overlap} must be between 0 and {self.budget // 2} (half of the "
                f"{self.budget} word pieces a window of {max_pieces} has for words)"
            )
        self.overlap = overlap
        self.report = WindowReport()

    def sentences(self, document: Document) -> List[Document]:
        """
        One document per window: per sentence the sentence itself, or its windows when it is too
        long (`metadata["window"]` says where). Warnings go to `document.metadata["warnings"]`,
        counts to `self.report`.
        """
        warnings: List[str] = []
        plans = []
        for number, (start, end) in enumerate(document.sentences):
            self.report.sentences += 1
            plans.append(self._windows(document, number, start, end, warnings))
        if all(len(windows) == 1 for windows in plans):
            if warnings:
                document.metadata.setdefault("warnings", []).extend(warnings)
            return document.split_sentences()
        self._count_uncovered(document, plans, warnings)
        document.metadata.setdefault("warnings", []).extend(warnings)
        result = []
        for number, windows in enumerate(plans):
            for index, (start, end) in enumerate(windows):
                metadata: Dict = {"sentence_of": (document.id, number, start)}
                name = f"{document.id}#{number}"
                if len(windows) > 1:
                    metadata["window"] = Window(number, index, start, tuple(windows))
                    name = f"{name}.{index}"
                result.append(document.sub_document(start, end, name, metadata))
        return result

    def _windows(self, document: Document, number: int, start: int, end: int, warnings: List[str]) -> List[Span]:
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
        windows = [(start + first, start + last) for first, last in plan_windows(pieces, self.budget, self.overlap)]
        if len(windows) > 1:
            self.report.windowed_sentences += 1
            self.report.windows += len(windows)
            warnings.append(
                f"sentence {number + 1} ({end - start} words, {sum(pieces)} word pieces) is longer than the "
                f"encoder's {self.max_pieces} word pieces: split into {len(windows)} overlapping windows "
                f"(neighbours share up to {self.overlap} word pieces; every word is predicted in the window "
                "where it is most central)"
            )
        return windows

    def _count_uncovered(self, document: Document, plans: List[List[Span]], warnings: List[str]) -> None:
        """Counts (and warns about) the entities and relations no window holds wholly."""
        sentence_of = document.sentence_index_of_token()
        lost_entities = sum(
            1 for e in document.entities if owner(plans[sentence_of[e.start]], e.start, e.end, e.start) is None
        )
        lost_relations = 0
        for relation in document.relations:
            start, end, anchor = _relation_span(document.entities, relation)
            if owner(plans[sentence_of[start]], start, end, anchor) is None:
                lost_relations += 1
        if lost_entities or lost_relations:
            self.report.entities_outside_windows += lost_entities
            self.report.relations_outside_windows += lost_relations
            warnings.append(
                f"{lost_entities} entities and {lost_relations} relations lie in no single window and are left out"
            )


def _entity_key(entity: Entity) -> Tuple[int, int, str]:
    return entity.start, entity.end, entity.type


def merge_windows(document: Document, predicted: Sequence[Document], relations: bool = True) -> Document:
    """
    Puts the predictions of per-sentence and per-window documents (as `Document.split_sentences` or
    `SentenceWindows.sentences` made them, several per window allowed) back into a copy of
    `document`: its own entities first (e.g. given ones), then every predicted entity and relation
    taken from the window that owns it (`owned_items`), in original token indices, each once (a
    relation predicted by several parts, e.g. from both its entities by `marked_entity`, with its
    highest score). The arguments of a taken relation are added when their own window did not
    predict them. Warnings of the predicted documents are kept, prefixed with their sentence (and
    window, both counted from 1); with `relations`, a windowed sentence also warns how many pairs
    of its entities share no window.
    """
    entities = list(document.entities)
    index_of = {_entity_key(entity): number for number, entity in enumerate(entities)}
    merged_relations: List[Relation] = []
    position_of: Dict[Tuple[int, int, str], int] = {}  # (head, tail, type) -> its place in merged_relations
    warnings: List[str] = []
    windowed: Dict[int, Tuple[Span, ...]] = {}

    def add(entity: Entity, first_token: int, char_start: int) -> int:
        char_span = entity.char_span
        if char_span is not None:
            char_span = (char_span[0] + char_start, char_span[1] + char_start)
        moved = replace(entity, start=entity.start + first_token, end=entity.end + first_token, char_span=char_span)
        key = _entity_key(moved)
        if key not in index_of:
            index_of[key] = len(entities)
            entities.append(moved)
        return index_of[key]

    for part in predicted:
        _, number, first_token = part.metadata["sentence_of"]
        char_start = document.token_offsets[first_token][0] if document.tokens else 0
        owned = owned_items(part)
        owned_entities, owned_relations = owned if owned is not None else (None, None)
        new_index: Dict[int, int] = {}
        for index, entity in enumerate(part.entities):
            if owned_entities is None or owned_entities[index]:
                new_index[index] = add(entity, first_token, char_start)
        for index, relation in enumerate(part.relations):
            if owned_relations is not None and not owned_relations[index]:
                continue
            head = new_index.get(relation.head)
            head = head if head is not None else add(part.entities[relation.head], first_token, char_start)
            tail = new_index.get(relation.tail)
            tail = tail if tail is not None else add(part.entities[relation.tail], first_token, char_start)
            key = (head, tail, relation.type)
            moved = replace(relation, head=head, tail=tail)
            if key not in position_of:
                position_of[key] = len(merged_relations)
                merged_relations.append(moved)
            elif _higher_score(moved, merged_relations[position_of[key]]):
                merged_relations[position_of[key]] = moved
        window: Optional[Window] = part.metadata.get("window")
        where = f"sentence {number + 1}" if window is None else f"sentence {number + 1} window {window.index + 1}"
        if window is not None:
            windowed[number] = window.windows
        warnings.extend(f"{where}: {w}" for w in part.metadata.get("warnings", []) if f"{where}: {w}" not in warnings)
    if relations:
        for number, windows in sorted(windowed.items()):
            pairs = _pairs_in_no_window(entities, windows)
            if pairs:
                warnings.append(
                    f"sentence {number + 1}: {pairs} pairs of entities are never together in one window: "
                    "relations between them cannot be found"
                )
    merged = document.with_annotations(entities, merged_relations)
    if warnings:
        merged.metadata["warnings"] = list(document.metadata.get("warnings", [])) + warnings
    return merged


def _higher_score(relation: Relation, than: Relation) -> bool:
    """Whether `relation` is scored above `than` (a score beats none)."""
    if relation.score is None:
        return False
    return than.score is None or relation.score > than.score


def _pairs_in_no_window(entities: Sequence[Entity], windows: Sequence[Span]) -> int:
    """How many pairs of the entities inside the windows' range share no window (O(n log n))."""
    first, last = windows[0][0], windows[-1][1]
    inside = sorted((e.start, e.end) for e in entities if first <= e.start and e.end <= last)
    starts = [start for start, _ in windows]
    later_ends: List[int] = []  # ends of the entities starting at or after the current one
    count = 0
    for start, end in reversed(inside):
        # the windows are ordered by start and by end: the last one starting at or before `start` reaches farthest
        reach = windows[bisect.bisect_right(starts, start) - 1][1]
        count += len(later_ends) if end > reach else len(later_ends) - bisect.bisect_right(later_ends, reach)
        bisect.insort(later_ends, end)
    return count
