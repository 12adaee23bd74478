"""A self-contained HTML view of documents: the text with its entities marked, and the relations."""
import html
from typing import Dict, Iterable, List, Tuple

from jointie_allennlp.data.document import Document

_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; line-height: 2.2; }
.doc { border-bottom: 1px solid #ccc; padding: 1em 0; }
mark { padding: 0.1em 0.2em; border-radius: 0.3em; border: 1px solid #999; }
mark sub { font-size: 0.65em; font-weight: bold; color: #333; }
table { border-collapse: collapse; line-height: 1.4; margin-top: 0.5em; }
td, th { padding: 0.1em 0.6em; border: 1px solid #ddd; text-align: left; }
.error { color: #a00; }
"""
_COLOURS = ["#ffe08a", "#a7e3ff", "#c8f7c5", "#ffc9de", "#e0ccff", "#ffd8b0", "#d0f0f0", "#f0f0a0"]


def _colour_of(types: Iterable[str]) -> Dict[str, str]:
    return {t: _COLOURS[i % len(_COLOURS)] for i, t in enumerate(sorted(set(types)))}


def _marked_text(document: Document, colours: Dict[str, str]) -> str:
    # Opening and closing events; nested entities close inner-first, open outer-first.
    events: List[Tuple[int, int, int, str]] = []
    for index, entity in enumerate(document.entities):
        start, end = document.char_span(entity)
        label = f"{index}:{entity.type}" + (f" {entity.score:.2f}" if entity.score is not None else "")
        events.append((start, 1, -(end - start), f'<mark style="background:{colours[entity.type]}">'))
        events.append((end, 0, end - start, f"<sub>{html.escape(label)}</sub></mark>"))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    parts, position = [], 0
    for offset, _, _, tag in events:
        parts.append(html.escape(document.text[position:offset]))
        parts.append(tag)
        position = offset
    parts.append(html.escape(document.text[position:]))
    return "".join(parts).replace("\n", "<br>\n")


def render_html(documents: Iterable[Document], title: str = "Predictions") -> str:
    """One HTML page for the documents (entities coloured by type, relations in a table)."""
    documents = list(documents)
    colours = _colour_of(e.type for d in documents for e in d.entities)
    body = []
    for document in documents:
        body.append(f'<div class="doc"><h3>{html.escape(document.id)}</h3>')
        if document.metadata.get("error"):
            body.append(f'<p class="error">{html.escape(str(document.metadata["error"]))}</p>')
        body.append(f"<p>{_marked_text(document, colours)}</p>")
        if document.relations:
            body.append("<table><tr><th>head</th><th>relation</th><th>tail</th><th>score</th></tr>")
            for relation in document.relations:
                head, tail = document.entities[relation.head], document.entities[relation.tail]
                score = "" if relation.score is None else f"{relation.score:.2f}"
                body.append(
                    f"<tr><td>{relation.head}: {html.escape(document.entity_text(head))}</td>"
                    f"<td>{html.escape(relation.type)}</td>"
                    f"<td>{relation.tail}: {html.escape(document.entity_text(tail))}</td><td>{score}</td></tr>"
                )
            body.append("</table>")
        body.append("</div>")
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>\n" + "\n".join(body) + "\n</body></html>\n"
    )
