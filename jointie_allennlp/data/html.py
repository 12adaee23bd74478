"""
A self-contained HTML view of documents: the text with its entities marked, and the relations.

With gold documents it is an error-analysis view: every predicted entity and relation is marked
correct or spurious, every gold one that was not predicted is shown as missed (compared as the
shared metric compares: entities by span and type, relations strictly), with a legend, counts
per document and for the whole page.
"""
import html
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.keys import item_keys

STATUSES = ("correct", "spurious", "missed")
STATUS_COLOURS = {"correct": "#a5e8b0", "spurious": "#ff9e9e", "missed": "#ffd27a"}
STATUS_BORDERS = {"correct": "#1b7a2e", "spurious": "#c62828", "missed": "#b36b00"}

_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; line-height: 2.2; }
.doc { border-bottom: 1px solid #ccc; padding: 1em 0; }
mark { padding: 0.1em 0.2em; border-radius: 0.3em; border: 1px solid #999; }
mark sub { font-size: 0.65em; font-weight: bold; color: #333; }
table { border-collapse: collapse; line-height: 1.4; margin-top: 0.5em; }
td, th { padding: 0.1em 0.6em; border: 1px solid #ddd; text-align: left; }
.error { color: #a00; }
.counts { line-height: 1.4; color: #333; }
.legend { line-height: 1.6; padding: 0.5em; border: 1px solid #ccc; }
.legend span.key { display: inline-block; padding: 0 0.5em; margin-right: 0.5em; border-radius: 0.3em; }
""" + "".join(
    f"mark.{s}, tr.{s} td:first-child, .legend span.key.{s} {{ background: {STATUS_COLOURS[s]}; "
    f"border: 2px {'dashed' if s == 'missed' else 'solid'} {STATUS_BORDERS[s]}; }}\n"
    for s in STATUSES
)
_COLOURS = ["#ffe08a", "#a7e3ff", "#c8f7c5", "#ffc9de", "#e0ccff", "#ffd8b0", "#d0f0f0", "#f0f0a0"]


@dataclass
class _Mark:
    start: int
    end: int
    label: str
    css_class: str = "entity"
    style: str = ""


@dataclass
class _Row:
    status: str  # "" without gold
    head: str
    type: str
    tail: str
    score: str


@dataclass
class Comparison:
    """One document's items with their status against gold (all "" without gold)."""

    marks: List[_Mark] = field(default_factory=list)
    rows: List[_Row] = field(default_factory=list)
    counts: Dict[str, Dict[str, int]] = field(default_factory=dict)  # task -> status -> n

    @property
    def has_errors(self) -> bool:
        return any(c.get("spurious", 0) or c.get("missed", 0) for c in self.counts.values())


def above(document: Document, min_score: Optional[float]) -> Document:
    """The document without the entities (and their relations) and relations scored below `min_score`."""
    if min_score is None:
        return document
    keep = [i for i, e in enumerate(document.entities) if e.score is None or e.score >= min_score]
    position = {old: new for new, old in enumerate(keep)}
    relations = [
        Relation(position[r.head], position[r.tail], r.type, score=r.score)
        for r in document.relations
        if r.head in position and r.tail in position and (r.score is None or r.score >= min_score)
    ]
    return document.with_annotations([document.entities[i] for i in keep], relations)


def _entity_label(prefix: str, index: int, entity: Entity) -> str:
    return f"{prefix}{index}:{entity.type}" + (f" {entity.score:.2f}" if entity.score is not None else "")


def _argument(document: Document, prefix: str, index: int) -> str:
    return f"{prefix}{index}: {document.entity_text(document.entities[index])}"


def _score(relation: Relation) -> str:
    return "" if relation.score is None else f"{relation.score:.2f}"


def compare(predicted: Document, gold: Optional[Document], colours: Mapping[str, str]) -> Comparison:
    """Marks and relation rows of `predicted`, with their status against `gold` when given."""
    result = Comparison()
    if gold is None:
        for index, entity in enumerate(predicted.entities):
            start, end = predicted.char_span(entity)
            result.marks.append(_Mark(start, end, _entity_label("", index, entity), "entity",
                                      f"background:{colours[entity.type]}"))
        for relation in predicted.relations:
            result.rows.append(_Row("", _argument(predicted, "", relation.head), relation.type,
                                    _argument(predicted, "", relation.tail), _score(relation)))
        return result
    if gold.text != predicted.text:
        raise ValueError(f"document {predicted.id!r}: the gold text differs from the predicted text")
    symmetric = predicted.symmetric_relation_types | gold.symmetric_relation_types
    predicted = predicted.with_annotations(predicted.entities, predicted.relations)
    gold = gold.with_annotations(gold.entities, gold.relations)
    predicted.symmetric_relation_types = gold.symmetric_relation_types = symmetric
    predicted_entities, predicted_relations, _ = item_keys(predicted)
    gold_entities, gold_relations, _ = item_keys(gold)
    counts = {"entities": dict.fromkeys(STATUSES, 0), "relations": dict.fromkeys(STATUSES, 0)}
    gold_entity_set, gold_relation_set = set(gold_entities), set(gold_relations)
    for index, (entity, key) in enumerate(zip(predicted.entities, predicted_entities)):
        status = "correct" if key in gold_entity_set else "spurious"
        counts["entities"][status] += 1
        start, end = predicted.char_span(entity)
        result.marks.append(_Mark(start, end, _entity_label("", index, entity), f"entity {status}"))
    predicted_entity_set = set(predicted_entities)
    for index, (entity, key) in enumerate(zip(gold.entities, gold_entities)):
        if key not in predicted_entity_set:
            counts["entities"]["missed"] += 1
            start, end = gold.char_span(entity)
            result.marks.append(_Mark(start, end, _entity_label("g", index, entity), "entity missed"))
    for relation, key in zip(predicted.relations, predicted_relations):
        status = "correct" if key in gold_relation_set else "spurious"
        counts["relations"][status] += 1
        result.rows.append(_Row(status, _argument(predicted, "", relation.head), relation.type,
                                _argument(predicted, "", relation.tail), _score(relation)))
    predicted_relation_set = set(predicted_relations)
    for relation, key in zip(gold.relations, gold_relations):
        if key not in predicted_relation_set:
            counts["relations"]["missed"] += 1
            result.rows.append(_Row("missed", _argument(gold, "g", relation.head), relation.type,
                                    _argument(gold, "g", relation.tail), ""))
    result.counts = counts
    return result


def _marked_text(text: str, marks: List[_Mark]) -> str:
    # Opening and closing events; nested marks close inner-first, open outer-first; marks with
    # the same span close in the reverse order of opening.
    events: List[Tuple[int, int, int, int, str]] = []
    for index, mark in enumerate(marks):
        style = f' style="{mark.style}"' if mark.style else ""
        events.append((mark.start, 1, -(mark.end - mark.start), index, f'<mark class="{mark.css_class}"{style}>'))
        events.append((mark.end, 0, mark.end - mark.start, -index, f"<sub>{html.escape(mark.label)}</sub></mark>"))
    events.sort(key=lambda e: e[:4])
    parts, position = [], 0
    for offset, _, _, _, tag in events:
        parts.append(html.escape(text[position:offset]))
        parts.append(tag)
        position = offset
    parts.append(html.escape(text[position:]))
    return "".join(parts).replace("\n", "<br>\n")


def _counts_text(counts: Dict[str, Dict[str, int]]) -> str:
    return "; ".join(
        f"{task}: " + ", ".join(f'<span class="n-{s}">{n[s]} {s}</span>' for s in STATUSES)
        for task, n in counts.items()
    )


def render_html(
    documents: Iterable[Document],
    title: str = "Predictions",
    gold: Optional[Mapping[str, Document]] = None,
    min_score: Optional[float] = None,
    errors_only: bool = False,
    preamble: str = "",
) -> str:
    """
    One HTML page for the documents (entities coloured by type, relations in a table).

    # Parameters

    documents : the predicted (or any) documents; `metadata["error"]` is shown.
    gold : `Mapping[str, Document]`, optional gold documents by id: marks every entity and
        relation correct, spurious or missed (documents without gold are shown plainly).
    min_score : `float`, optional predicted entities and relations scored below it are left out
        (before comparing with gold, so a gold item predicted only below it is missed).
    errors_only : `bool`, optional (default = `False`) only documents with a spurious or missed
        item, or an error.
    preamble : `str`, optional HTML placed under the title (e.g. a form).
    """
    documents = [above(d, min_score) for d in documents]
    types = sorted({e.type for d in documents for e in d.entities})
    colours = {t: _COLOURS[i % len(_COLOURS)] for i, t in enumerate(types)}
    totals = {"entities": dict.fromkeys(STATUSES, 0), "relations": dict.fromkeys(STATUSES, 0)}
    body, shown = [], 0
    for document in documents:
        reference = gold.get(document.id) if gold is not None else None
        comparison = compare(document, reference, colours)
        error = document.metadata.get("error")
        if errors_only and not (comparison.has_errors or error):
            continue
        shown += 1
        for task, counts in comparison.counts.items():
            for status, n in counts.items():
                totals[task][status] += n
        body.append(f'<div class="doc" id="{html.escape(document.id, quote=True)}"><h3>{html.escape(document.id)}</h3>')
        if error:
            body.append(f'<p class="error">{html.escape(str(error))}</p>')
        if comparison.counts:
            body.append(f'<p class="counts">{_counts_text(comparison.counts)}</p>')
        elif gold is not None:
            body.append('<p class="counts">no gold for this document</p>')
        body.append(f"<p>{_marked_text(document.text, comparison.marks)}</p>")
        if comparison.rows:
            status_column = "<th>status</th>" if gold is not None else ""
            body.append(f"<table><tr>{status_column}<th>head</th><th>relation</th><th>tail</th><th>score</th></tr>")
            for row in comparison.rows:
                status = f'<td>{row.status}</td>' if gold is not None else ""
                row_class = f' class="{row.status}"' if row.status else ""
                body.append(
                    f"<tr{row_class}>{status}<td>{html.escape(row.head)}</td><td>{html.escape(row.type)}</td>"
                    f"<td>{html.escape(row.tail)}</td><td>{row.score}</td></tr>"
                )
            body.append("</table>")
        body.append("</div>")
    header = []
    if gold is not None:
        legend = "".join(f'<span class="key {s}">{s}</span>' for s in STATUSES)
        header.append(
            f'<div class="legend">{legend}<br>Entities by span and type, relations strictly (both '
            f"entities' spans and types), as the metric; <i>g</i>-numbered items are gold ones not "
            f"predicted. Totals over the {shown} documents shown: {_counts_text(totals)}</div>"
        )
    filters = [f"score ≥ {min_score}"] if min_score is not None else []
    if errors_only:
        filters.append("documents with errors only")
    if filters:
        header.append(f'<p class="counts">Filters: {html.escape(", ".join(filters))}</p>')
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>\n{preamble}"
        + "\n".join(header + body)
        + "\n</body></html>\n"
    )


def render_file(
    source: str,
    destination: str,
    gold: Optional[str] = None,
    tokenizer: str = "razdel",
    min_score: Optional[float] = None,
    errors_only: bool = False,
    overwrite: bool = False,
    progress: Optional[Callable[[Iterable, str], Iterable]] = None,
) -> Dict[str, object]:
    """
    Writes the HTML view of `source` (prediction JSON lines, brat, SpERT JSON; `read_any`) to
    `destination` through `jointie_allennlp.data.output.open_output` (never over an input, over
    an existing file only with `overwrite`, complete or not at all). A line of `source` or `gold`
    that is not a readable record is left out and counted; one bad record never stops the page.
    `progress` wraps the loop over the documents of `source` as they are read (a progress bar).

    # Returns

    `{"documents", "failed_inputs", "with_gold", "html", "skipped", "skipped_lines"}`; `skipped`
    counts the lines left out (of both files), `skipped_lines` lists the first of them.
    """
    from jointie_allennlp.data.errors import FormatError
    from jointie_allennlp.data.formats.reading import gold_of, read_any, skipped_summary
    from jointie_allennlp.data.output import check_output, write_output

    check_output(destination, (source, gold), overwrite)  # before the (long) reading
    skipped: List[Tuple[int, str]] = []
    documents = read_any(source, tokenizer, skipped, progress=progress)
    gold_skipped: List[Tuple[int, str]] = []
    gold_documents = gold_of(documents, gold, tokenizer, gold_skipped)
    try:
        page = render_html(documents, Path(source).name, gold_documents, min_score, errors_only)
    except ValueError as error:
        raise FormatError(str(error), path=gold or source) from None
    write_output(destination, page, (source, gold), overwrite)
    summary = skipped_summary(skipped)
    if gold_skipped:
        summary["skipped"] += len(gold_skipped)
        summary["gold_skipped_lines"] = skipped_summary(gold_skipped)["skipped_lines"]
    return {
        "documents": len(documents),
        "failed_inputs": sum(1 for d in documents if "error" in d.metadata),
        "with_gold": sum(d.id in gold_documents for d in documents) if gold_documents else 0,
        "html": str(destination),
        **summary,
    }
