"""
brat standoff (`.txt` + `.ann`) reading and writing.

Reading keeps everything: text annotations (`T`) and binary relations (`R`) become
`Entity`/`Relation` (with their brat ids); lines the document model cannot represent
(discontinuous entities, events, attributes, normalizations, notes, equivalences, and relations
that point at such annotations) are counted and kept verbatim in
`document.metadata["brat_unsupported"]`, and written back unchanged.

Sentences and tokens come from a segmenter (razdel by default). A token that an entity
boundary cuts is split at the boundary; sentences that an entity or a relation crosses are
merged. Both are counted in the `BratReport`.

The `annotation.conf` of a brat directory, when present, declares the types; a relation type
whose arguments include `<REL-TYPE>:symmetric` or `<REL-TYPE>:symmetric-transitive` (e.g.
`Equiv  Arg1:Entity, Arg2:Entity, <REL-TYPE>:symmetric-transitive`) is symmetric in every
document read from that directory.
"""
import bisect
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from jointie_allennlp.data.document import Document, Entity, Relation, Span
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.json_text import decode_utf8
from jointie_allennlp.data.output import check_output, encodable, output_directory, write_output
from jointie_allennlp.data.reports import ReadReport
from jointie_allennlp.data.tokenization import Segmenter, razdel_segment, split_at_boundaries

PathLike = Union[str, os.PathLike]

ANNOTATION_CONF = "annotation.conf"
_SYMMETRIC_FLAGS = ("<REL-TYPE>:symmetric", "<REL-TYPE>:symmetric-transitive")

_UNSUPPORTED_KINDS = {
    "E": "events",
    "A": "attributes",
    "M": "attributes",
    "N": "normalizations",
    "#": "notes",
    "*": "equivalences",
}


@dataclass
class BratReport(ReadReport):
    """Counts of what a brat read did; every field is a count."""

    documents: int = 0
    entities: int = 0
    relations: int = 0
    split_tokens: int = 0
    merged_sentences: int = 0
    discontinuous_entities: int = 0
    whitespace_only_entities: int = 0
    relations_to_unsupported: int = 0
    events: int = 0
    attributes: int = 0
    normalizations: int = 0
    notes: int = 0
    equivalences: int = 0

    @property
    def kept_verbatim(self) -> int:
        return (
            self.discontinuous_entities
            + self.whitespace_only_entities
            + self.relations_to_unsupported
            + self.events
            + self.attributes
            + self.normalizations
            + self.notes
            + self.equivalences
        )


def read_text_file(path: PathLike) -> str:
    """
    Reads UTF-8 text exactly as stored (no newline translation); names the line of a bad byte, or
    the encoding of UTF-16 / UTF-32 text (`jointie_allennlp.data.formats.json_text.decode_utf8`).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise FormatError(f"cannot read: {error.strerror or error}", path=str(path)) from None
    return decode_utf8(data, str(path))


@dataclass
class _TextBound:
    source_id: str
    type: str
    start: int
    end: int
    line: int


def _parse_annotations(
    ann_path: PathLike, text: str, report: BratReport
) -> Tuple[List[_TextBound], List[Tuple[str, str, str, str, int]], List[str], Dict[str, str]]:
    """Parses an .ann file into text-bound annotations, relations and verbatim lines."""
    text_bounds: List[_TextBound] = []
    relations: List[Tuple[str, str, str, str, int]] = []
    unsupported: List[str] = []
    unsupported_ids = set()
    seen_ids = set()
    unsupported_targets: List[Tuple[int, List[str]]] = []
    line_suffixes: Dict[str, str] = {}
    ann_text = read_text_file(ann_path)
    lines = ann_text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip():
            continue
        kind = line[0]
        parts = line.split("\t")
        annotation_id = parts[0]
        if kind != "#" and annotation_id in seen_ids:
            raise FormatError(f"duplicate annotation id {annotation_id!r}", str(ann_path), number)
        seen_ids.add(annotation_id)
        if kind == "T":
            parts = line.split("\t", 2)
            if len(parts) != 3:
                raise FormatError(
                    "text-bound annotation needs 3 tab-separated fields (id, 'type start end', text)",
                    str(ann_path),
                    number,
                )
            type_and_offsets = parts[1].split(" ", 1)
            if len(type_and_offsets) != 2:
                raise FormatError(f"missing offsets in {parts[1]!r}", str(ann_path), number)
            entity_type, offsets = type_and_offsets
            fragments = []
            for fragment in offsets.split(";"):
                bounds = fragment.split(" ")
                try:
                    start, end = (int(b) for b in bounds)
                except ValueError:
                    raise FormatError(f"bad offsets {offsets!r}", str(ann_path), number) from None
                if start >= end:
                    raise FormatError(
                        f"offsets {start} {end}: "
                        + ("a zero-length span" if start == end else "the start is after the end"),
                        str(ann_path),
                        number,
                    )
                if not 0 <= start < end <= len(text):
                    raise FormatError(
                        f"offsets {start} {end} outside the text (length {len(text)})",
                        str(ann_path),
                        number,
                    )
                fragments.append((start, end))
            covered = " ".join(text[s:e] for s, e in fragments)
            if covered != parts[2]:
                raise FormatError(
                    f"annotation text {parts[2]!r} does not match the text at its offsets {covered!r}",
                    str(ann_path),
                    number,
                )
            if len(fragments) > 1:
                report.discontinuous_entities += 1
                unsupported.append(line)
                unsupported_ids.add(annotation_id)
                continue
            start, end = fragments[0]
            if not text[start:end].strip():
                report.whitespace_only_entities += 1
                unsupported.append(line)
                unsupported_ids.add(annotation_id)
                continue
            text_bounds.append(_TextBound(annotation_id, entity_type, start, end, number))
        elif kind == "R":
            fields_ = parts[1].split(" ") if len(parts) > 1 else []
            if len(fields_) != 3 or not all(":" in a for a in fields_[1:]):
                raise FormatError(
                    "relation needs 'type Arg1:<id> Arg2:<id>'", str(ann_path), number
                )
            relation_type = fields_[0]
            (role1, head), (role2, tail) = (a.split(":", 1) for a in fields_[1:])
            if (role1, role2) == ("Arg1", "Arg2"):
                relations.append((annotation_id, relation_type, head, tail, number))
                if len(parts) > 2:
                    # e.g. a trailing tab: kept so the line is written back unchanged
                    line_suffixes[annotation_id] = "\t" + "\t".join(parts[2:])
            else:
                # Other roles cannot be written back from the model: keep the line verbatim.
                report.relations_to_unsupported += 1
                unsupported.append(line)
        elif kind in _UNSUPPORTED_KINDS:
            unsupported_targets.append((number, _referenced_ids(kind, parts)))
            counter = _UNSUPPORTED_KINDS[kind]
            setattr(report, counter, getattr(report, counter) + 1)
            unsupported.append(line)
            if kind == "E":
                unsupported_ids.add(annotation_id)
        else:
            raise FormatError(f"unknown annotation kind {kind!r}", str(ann_path), number)

    for number, line in unsupported_targets:
        for target in line:
            if target not in seen_ids:
                raise FormatError(f"annotation refers to unknown annotation {target!r}", str(ann_path), number)
    known_ids = {t.source_id for t in text_bounds}
    kept_relations = []
    for relation in relations:
        relation_id, relation_type, head, tail, number = relation
        for argument in (head, tail):
            if argument not in known_ids and argument not in unsupported_ids:
                raise FormatError(
                    f"relation {relation_id} refers to unknown annotation {argument!r}",
                    str(ann_path),
                    number,
                )
        if head in unsupported_ids or tail in unsupported_ids:
            report.relations_to_unsupported += 1
            unsupported.append(lines[number - 1].rstrip("\r"))
        else:
            kept_relations.append(relation)
    return text_bounds, kept_relations, unsupported, line_suffixes


def _referenced_ids(kind: str, parts: List[str]) -> List[str]:
    """The annotation ids an event, attribute, normalization, note or equivalence line points at."""
    fields_ = parts[1].split(" ") if len(parts) > 1 else []
    if kind == "E":  # E1\tType:T1 Role:T2 ...
        return [f.split(":", 1)[1] for f in fields_ if ":" in f]
    if kind == "*":  # *\tEquiv T1 T2 ...
        return fields_[1:]
    return fields_[1:2]  # A1\tName T1 [value], N1\tReference T1 db:id, #1\tAnnotatorNotes T1


def _merge_groups(sentence_count: int, constraints: Sequence[Tuple[int, int]]) -> List[Span]:
    """Groups consecutive sentences so every constraint `(first, last)` lies in one group."""
    joined = [False] * max(sentence_count - 1, 0)
    for first, last in constraints:
        for k in range(first, last):
            joined[k] = True
    groups = []
    start = 0
    for k in range(sentence_count):
        if k == sentence_count - 1 or not joined[k]:
            groups.append((start, k + 1))
            start = k + 1
    return groups


@dataclass
class AnnotationConf:
    """
    What a brat `annotation.conf` declares.

    # Parameters

    entity_types : `List[str]` the annotatable types of its `[entities]` section, in order.
    relation_types : `List[str]` the types of its `[relations]` section, in order.
    symmetric_relation_types : `FrozenSet[str]` the relation types marked `<REL-TYPE>:symmetric`
        or `<REL-TYPE>:symmetric-transitive`.
    """

    entity_types: List[str]
    relation_types: List[str]
    symmetric_relation_types: FrozenSet[str]


def read_annotation_conf(path: PathLike) -> AnnotationConf:
    """
    Reads the `[entities]` and `[relations]` sections of a brat `annotation.conf` (other sections,
    comments `#`, macros `<NAME>=...` and abstract `!Type`s are skipped). A relation line is
    `Type[|Type...]  Arg1:..., Arg2:...[, <REL-TYPE>:symmetric[-transitive]]`; a line of another
    shape raises `FormatError` naming the file and line.
    """
    section = None
    entity_types: List[str] = []
    relation_types: List[str] = []
    symmetric = set()
    for number, raw in enumerate(read_text_file(path).splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if line.startswith("<") and "=" in line.split(None, 1)[0]:
            continue  # a macro definition
        if section == "entities":
            name = line.split(None, 1)[0]
            if not name.startswith("!"):
                entity_types.append(name)
        elif section == "relations":
            fields_ = line.split(None, 1)
            if len(fields_) != 2 or ":" not in fields_[1]:
                raise FormatError(
                    "a relation line is 'Type  Arg1:<types>, Arg2:<types>[, <REL-TYPE>:symmetric]'",
                    str(path),
                    number,
                )
            names = [n for n in fields_[0].split("|") if n and not n.startswith("<")]
            arguments = [a.strip() for a in fields_[1].split(",")]
            relation_types.extend(names)
            if any(a in _SYMMETRIC_FLAGS for a in arguments):
                symmetric.update(names)
    return AnnotationConf(entity_types, relation_types, frozenset(symmetric))


def symmetric_types_in_directory(directory: PathLike) -> FrozenSet[str]:
    """The symmetric relation types the `annotation.conf` of a brat directory declares (none without one)."""
    conf = Path(directory) / ANNOTATION_CONF
    return read_annotation_conf(conf).symmetric_relation_types if conf.is_file() else frozenset()


def read_brat(
    txt_path: PathLike,
    ann_path: Optional[PathLike] = None,
    segmenter: Segmenter = razdel_segment,
    report: Optional[BratReport] = None,
    symmetric_relation_types: Optional[Iterable[str]] = None,
) -> Document:
    """
    Reads one brat document. `ann_path` defaults to the `.ann` beside the `.txt`; a missing
    `.ann` gives a document without annotations. Counts go into `report` when given.
    `symmetric_relation_types` defaults to those of the `annotation.conf` beside the `.txt`.
    """
    txt_path = Path(txt_path)
    ann_path = Path(ann_path) if ann_path is not None else txt_path.with_suffix(".ann")
    local = BratReport(documents=1)
    text = read_text_file(txt_path)
    if ann_path.exists():
        text_bounds, relations, unsupported, line_suffixes = _parse_annotations(
            ann_path, text, local
        )
    else:
        text_bounds, relations, unsupported, line_suffixes = [], [], [], {}

    boundaries = [b for t in text_bounds for b in (t.start, t.end)]
    sentences_tokens: List[List[Span]] = []
    for sentence in segmenter(text):
        pieces, split = split_at_boundaries(sentence, boundaries)
        local.split_tokens += split
        sentences_tokens.append(pieces)

    token_offsets: List[Span] = [span for sentence in sentences_tokens for span in sentence]
    token_sentence: List[int] = [n for n, sentence in enumerate(sentences_tokens) for _ in sentence]
    token_starts = [s for s, _ in token_offsets]
    token_ends = [e for _, e in token_offsets]

    entities: List[Entity] = []
    entity_index: Dict[str, int] = {}
    constraints: List[Tuple[int, int]] = []
    for bound in text_bounds:
        first = bisect.bisect_right(token_ends, bound.start)
        last = bisect.bisect_left(token_starts, bound.end)  # one past the last overlapping token
        if first >= last:
            raise FormatError(
                f"annotation {bound.source_id} covers no token", str(ann_path), bound.line
            )
        covered = (token_offsets[first][0], token_offsets[last - 1][1])
        char_span = None if covered == (bound.start, bound.end) else (bound.start, bound.end)
        entity_index[bound.source_id] = len(entities)
        entities.append(
            Entity(first, last, bound.type, source_id=bound.source_id, char_span=char_span)
        )
        constraints.append((token_sentence[first], token_sentence[last - 1]))

    document_relations = []
    for relation_id, relation_type, head, tail, _ in relations:
        head_index, tail_index = entity_index[head], entity_index[tail]
        document_relations.append(
            Relation(head_index, tail_index, relation_type, source_id=relation_id)
        )
        sentence_numbers = [
            token_sentence[entities[i].start] for i in (head_index, tail_index)
        ]
        constraints.append((min(sentence_numbers), max(sentence_numbers)))

    groups = _merge_groups(len(sentences_tokens), constraints)
    local.merged_sentences = len(sentences_tokens) - len(groups)
    sentence_first_token = [0]
    for sentence in sentences_tokens:
        sentence_first_token.append(sentence_first_token[-1] + len(sentence))
    sentences = [
        (sentence_first_token[first], sentence_first_token[last]) for first, last in groups
    ]
    local.entities = len(entities)
    local.relations = len(document_relations)
    if report is not None:
        report.add(local)
    if symmetric_relation_types is None:
        symmetric_relation_types = symmetric_types_in_directory(txt_path.parent)
    return Document(
        id=txt_path.stem,
        text=text,
        tokens=[text[s:e] for s, e in token_offsets],
        token_offsets=token_offsets,
        sentences=sentences,
        entities=entities,
        relations=document_relations,
        symmetric_relation_types=frozenset(symmetric_relation_types),
        metadata={
            key: value
            for key, value in (("brat_unsupported", unsupported), ("brat_line_suffixes", line_suffixes))
            if value
        },
    )


def read_brat_directory(
    directory: PathLike, segmenter: Segmenter = razdel_segment, report: Optional[BratReport] = None
) -> Iterator[Document]:
    """
    Reads every `*.txt` (with its `.ann` when present) in a directory, sorted by name; relation types
    its `annotation.conf` marks symmetric are symmetric in every document.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FormatError("not a directory of brat files", path=str(directory))
    txt_files = sorted(directory.glob("*.txt"))
    for ann in sorted(directory.glob("*.ann")):
        if not ann.with_suffix(".txt").exists():
            raise FormatError("annotation file without its .txt", path=str(ann))
    symmetric = symmetric_types_in_directory(directory)
    for txt in txt_files:
        yield read_brat(txt, segmenter=segmenter, report=report, symmetric_relation_types=symmetric)


def _fresh_ids(prefix: str, taken: set) -> Iterator[str]:
    number = 1
    while True:
        candidate = f"{prefix}{number}"
        number += 1
        if candidate not in taken:
            yield candidate


def brat_fragments(text: str, start: int, end: int) -> List[Span]:
    """
    The brat fragments of the characters `[start, end)` of `text`: one per line the span touches,
    pieces of white space only left out (the whole span when every piece is white space).
    """
    fragments = []
    position = start
    for piece in text[start:end].split("\n"):
        piece_start, piece_end = position, position + len(piece)
        position = piece_end + 1
        if piece.strip():
            fragments.append((piece_start, piece_end))
    return fragments or [(start, end)]


def _offsets_field(text: str, start: int, end: int) -> str:
    """brat offsets; a span across line breaks is written as one fragment per line."""
    return ";".join(f"{s} {e}" for s, e in brat_fragments(text, start, end))


def ann_lines(document: Document) -> List[str]:
    """The `.ann` lines for a document: T lines, R lines, then lines kept verbatim."""
    unsupported = document.metadata.get("brat_unsupported", [])
    suffixes = document.metadata.get("brat_line_suffixes", {})
    taken = {e.source_id for e in document.entities if e.source_id}
    taken |= {r.source_id for r in document.relations if r.source_id}
    taken |= {line.split("\t", 1)[0] for line in unsupported}
    new_entity_ids = _fresh_ids("T", taken)
    new_relation_ids = _fresh_ids("R", taken)
    for kind, annotations in (("entity", document.entities), ("relation", document.relations)):
        for index, annotation in enumerate(annotations):
            if not annotation.type or any(c.isspace() for c in annotation.type):
                raise FormatError(
                    f"{kind} {index} type {annotation.type!r}: a brat type is one word without white space",
                    document=document.id,
                )
    entity_ids = []
    lines = []
    for entity in document.entities:
        entity_id = entity.source_id or next(new_entity_ids)
        entity_ids.append(entity_id)
        start, end = document.char_span(entity)
        offsets = _offsets_field(document.text, start, end)
        covered = " ".join(
            document.text[int(a):int(b)] for a, b in (f.split(" ") for f in offsets.split(";"))
        )
        lines.append(f"{entity_id}\t{entity.type} {offsets}\t{covered}")
    for relation in document.relations:
        relation_id = relation.source_id or next(new_relation_ids)
        lines.append(
            f"{relation_id}\t{relation.type} Arg1:{entity_ids[relation.head]} "
            f"Arg2:{entity_ids[relation.tail]}{suffixes.get(relation.source_id, '')}"
        )
    lines.extend(unsupported)
    return lines


def write_brat(
    document: Document, directory: PathLike, name: Optional[str] = None, overwrite: bool = False
) -> Path:
    """
    Writes `<name>.txt` and `<name>.ann` (name defaults to `safe_file_stem` of the document id),
    each through `jointie_allennlp.data.output.open_output`: an existing file is an `OutputError`
    unless `overwrite`. Returns the .ann path.
    """
    directory = Path(directory)
    stem = name or safe_file_stem(document.id)
    text_path, ann_path = directory / f"{stem}.txt", directory / f"{stem}.ann"
    lines = ann_lines(document)
    for path in (text_path, ann_path):
        check_output(path, overwrite=overwrite)
    write_output(text_path, encodable(document.text).encode("utf-8"), overwrite=overwrite)
    write_output(ann_path, "".join(encodable(line) + "\n" for line in lines).encode("utf-8"), overwrite=overwrite)
    return ann_path


@dataclass
class BratWriteReport:
    """
    What `write_brat_directory` wrote: counts, and every document whose file name is not its id.

    # Parameters

    documents, entities, relations : `int` counts written.
    renamed : `List[str]` `"<id> -> <file stem>"` for each document written under another name.
    """

    documents: int = 0
    entities: int = 0
    relations: int = 0
    renamed: List[str] = field(default_factory=list)

    def as_dict(self) -> Dict[str, object]:
        return {"documents": self.documents, "entities": self.entities, "relations": self.relations,
                "renamed": list(self.renamed)}


def write_brat_directory(
    documents: Iterable[Document], directory: PathLike, inputs: Iterable[Optional[PathLike]] = (),
    overwrite: bool = False,
) -> BratWriteReport:
    """
    Writes every document as brat files into `directory`, built beside it and moved into place
    when all are written (`jointie_allennlp.data.output.output_directory`: an existing non-empty
    directory is replaced as a whole only with `overwrite`, an input is never the output). Ids
    that are not safe file names are renamed (`safe_file_stem`) and listed in the report;
    ids that would share a file name are refused before anything is written.
    """
    documents = list(documents)
    refuse_file_stem_clashes([d.id for d in documents], str(directory))
    report = BratWriteReport()
    with output_directory(directory, inputs, overwrite) as building:
        for document in documents:
            stem = safe_file_stem(document.id)
            if stem != document.id:
                report.renamed.append(f"{document.id} -> {stem}")
            write_brat(document, building, name=stem)
            report.documents += 1
            report.entities += len(document.entities)
            report.relations += len(document.relations)
    return report


#: characters never kept in a file name: path separators, and those some file systems refuse
_UNSAFE_IN_NAMES = set('/\\<>:"|?*')
#: the longest file stem written, in UTF-8 bytes (file names are at most 255 bytes)
MAX_STEM_BYTES = 200


def safe_file_stem(document_id: str) -> str:
    """
    A file name for a document id: the id itself when it is a safe name; otherwise path
    separators, control characters (line breaks, tabs) and `<>:"|?*` become `_`, a leading `.`
    (a hidden file) too, and an id longer than `MAX_STEM_BYTES` UTF-8 bytes is cut.
    Spaces and any other characters stay.
    """
    stem = "".join(
        "_" if c in _UNSAFE_IN_NAMES or unicodedata.category(c) in ("Cc", "Cs") else c for c in str(document_id)
    )
    stem = stem if stem.strip() else "document"
    stem = "_" + stem[1:] if stem.startswith(".") else stem
    if len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        stem = stem.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", errors="ignore")
    return stem


def file_stem_clashes(document_ids: Iterable[str]) -> List[str]:
    """
    Why documents cannot be written under their ids into one directory: ids that give the same
    file name (`1` and `1`, `a/b` and `a_b`) and ids that would be hidden files (`.x`). Empty when
    every id gives its own file name.
    """
    problems = []
    first_with_stem: Dict[str, Tuple[int, str]] = {}
    for number, document_id in enumerate(document_ids):
        stem = safe_file_stem(document_id)
        if str(document_id).startswith("."):
            problems.append(f"document {number} id {document_id!r} starts with '.' (a hidden file)")
        elif stem in first_with_stem:
            other_number, other_id = first_with_stem[stem]
            problems.append(
                f"documents {other_number} ({other_id!r}) and {number} ({document_id!r}) "
                f"both become {stem}.txt/.ann"
            )
        else:
            first_with_stem[stem] = (number, document_id)
    return problems


def refuse_file_stem_clashes(document_ids: Iterable[str], path: str) -> None:
    """A `FormatError` naming `path` and the first five `file_stem_clashes` of `document_ids`, if any."""
    clashes = file_stem_clashes(document_ids)
    if clashes:
        raise FormatError(
            f"document ids that cannot each have their own brat files: {'; '.join(clashes[:5])}"
            + (f" (and {len(clashes) - 5} more)" if len(clashes) > 5 else "")
            + ". Nothing was written",
            path=path,
        )


class UniqueFileStems:
    """
    Gives each document written into one directory its own file stem: `safe_file_stem(id)`, or
    with `~2`, `~3`, ... appended when an earlier document took that stem.
    """

    def __init__(self) -> None:
        self._taken: set = set()

    def claim(self, document_id: str) -> str:
        stem = base = safe_file_stem(document_id)
        number = 1
        while stem in self._taken:
            number += 1
            stem = f"{base}~{number}"
        self._taken.add(stem)
        return stem
