"""
The RuREBus 2020 shared task's scoring (its `eval_scripts`: `evaluate_ners.py`, `evaluate_rels.py`),
and the set-based variant on top of the shared metric.

`rurebus_summary` scores as the shared task's script does, on the brat form of the documents:

* an entity is `(type, start, end)` at the character offsets its brat line carries
  (`jointie_allennlp.data.formats.brat.brat_fragments`); one the brat form writes in several
  fragments (it crosses a line break) is not scored, as the script skips discontinuous entities;
* subtask 1 (entities) sweeps the gold and the predicted entities of a document together, each
  side sorted by start offset (ties keep the document's order, which is the order of the `.ann`
  lines): equal entities are a true positive; otherwise the one that starts first, or lies wholly
  before the other, is a false negative (gold) or a false positive (prediction) and is passed;
  two different entities that start at the same offset are both counted wrong and both passed.
  So a gold `(ACT, 0, 10)` against predictions `(ACT, 0, 5)`, `(ACT, 0, 10)` is TP 0, FP 2, FN 1,
  and a prediction repeated is a false positive;
* relations (subtasks 2 and 3): a gold relation is a true positive when some predicted relation
  has its type and the same two entities (type and offsets) **in either direction**, else a false
  negative; a predicted relation without such a gold relation is a false positive. Neither side
  is matched one to one: two gold relations that one prediction matches are two true positives.
  Reported as subtask 2 ("given entities") when every predicted document has exactly the gold
  entities, else as subtask 3 ("predicted entities", end to end);
* counts are summed over all documents (micro); F1 is 0 when precision and recall are both 0.

`rurebus_set_summary` is the set-based variant: the shared metric's `ner` for subtask 1 and its
`rel_strict` with every relation type symmetric for the relations (each distinct item counts
once; spans by the character offsets of their tokens).

An annotation of white space only counts in the script but is not a `Document` entity
(`jointie_allennlp.data.formats.brat` keeps it verbatim); the RuREBus data has none.
"""
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.formats.brat import brat_fragments
from jointie_allennlp.metrics.joint_extraction import evaluate_documents, extraction_keys

BratEntity = Tuple[str, int, int]  # (type, start, end), character offsets


@dataclass
class Counts:
    """True positives, false positives and false negatives, and the scores they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __iadd__(self, other: "Counts") -> "Counts":
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return self

    def scores(self) -> Dict[str, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1, "tp": self.tp, "fp": self.fp, "fn": self.fn}


def brat_entities(document: Document) -> List[Optional[BratEntity]]:
    """
    Every entity of the document as the script reads it from the `.ann` line the document's brat
    form has: `(type, start, end)`, or `None` for one written in several fragments.
    """
    entities: List[Optional[BratEntity]] = []
    for entity in document.entities:
        fragments = brat_fragments(document.text, *document.char_span(entity))
        entities.append((entity.type, *fragments[0]) if len(fragments) == 1 else None)
    return entities


def entity_counts(predicted: Document, gold: Document) -> Counts:
    """Subtask 1 counts of one document: the sweep over both sides sorted by start offset."""
    gold_entities = sorted((e for e in brat_entities(gold) if e is not None), key=lambda e: e[1])
    predicted_entities = sorted((e for e in brat_entities(predicted) if e is not None), key=lambda e: e[1])
    counts = Counts()
    g = p = 0
    while g < len(gold_entities) and p < len(predicted_entities):
        (_, gold_start, gold_end), (_, predicted_start, predicted_end) = gold_entities[g], predicted_entities[p]
        if gold_entities[g] == predicted_entities[p]:
            counts.tp += 1
            g, p = g + 1, p + 1
        elif gold_start >= predicted_end or gold_start > predicted_start:
            counts.fp += 1  # the prediction lies before the gold entity or starts first
            p += 1
        elif gold_end <= predicted_start or gold_start < predicted_start:
            counts.fn += 1  # the gold entity lies before the prediction or starts first
            g += 1
        else:  # the same start, another end or type
            counts.fp += 1
            counts.fn += 1
            g, p = g + 1, p + 1
    counts.fn += len(gold_entities) - g
    counts.fp += len(predicted_entities) - p
    return counts


def undirected_relations(document: Document) -> List[Tuple[str, Tuple[BratEntity, BratEntity]]]:
    """Every relation between two scored entities as `(type, its two entities in sorted order)`."""
    entities = brat_entities(document)
    keys = []
    for relation in document.relations:
        head, tail = entities[relation.head], entities[relation.tail]
        if head is not None and tail is not None:
            keys.append((relation.type, tuple(sorted((head, tail)))))
    return keys


def relation_counts(predicted: Document, gold: Document) -> Counts:
    """Subtasks 2 and 3 counts of one document: relations matched in either direction, not one to one."""
    gold_relations, predicted_relations = undirected_relations(gold), undirected_relations(predicted)
    predicted_set, gold_set = set(predicted_relations), set(gold_relations)
    tp = sum(relation in predicted_set for relation in gold_relations)
    return Counts(tp=tp, fn=len(gold_relations) - tp, fp=sum(r not in gold_set for r in predicted_relations))


def _entities_given(predicted: Sequence[Document], gold: Sequence[Document]) -> bool:
    return all(extraction_keys(p)["ner"] == extraction_keys(g)["ner"] for p, g in zip(predicted, gold))


def _triple(scores: Dict[str, float], task: str) -> Dict[str, float]:
    return {name: scores[f"{task}_{name}"] for name in ("precision", "recall", "f1")}


def rurebus_summary(
    predicted: Sequence[Document], gold: Sequence[Document], metrics: Optional[Dict[str, float]] = None
) -> Dict:
    """
    The shared task's scores of predicted against gold documents (paired by position), as its
    script computes them (see the module docstring): `subtask_1_ner` and
    `subtask_2_relations` or `subtask_3_relations`, each with precision, recall, F1 and the
    counts. `metrics`, the shared metric's scores of the same documents, adds its directed
    `rel_strict` as `subtask_<k>_relations_directed` for comparison.
    """
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predicted documents but {len(gold)} gold ones")
    entities, relations = Counts(), Counts()
    for prediction, reference in zip(predicted, gold):
        entities += entity_counts(prediction, reference)
        relations += relation_counts(prediction, reference)
    given = _entities_given(predicted, gold)
    subtask = 2 if given else 3
    summary = {
        "entities": "given (gold)" if given else "predicted",
        "subtask_1_ner": entities.scores(),
        f"subtask_{subtask}_relations": relations.scores(),
    }
    if metrics is not None:
        summary[f"subtask_{subtask}_relations_directed"] = _triple(metrics, "rel_strict")
    return summary


def rurebus_set_summary(
    predicted: Sequence[Document], gold: Sequence[Document], metrics: Dict[str, float]
) -> Dict:
    """
    The set-based variant of `rurebus_summary`: subtask 1 is the shared metric's `ner` (from
    `metrics`, the shared metric's scores of the same documents), the relations its `rel_strict`
    with every relation type symmetric; each distinct item counts once.
    """
    given = _entities_given(predicted, gold)
    types = frozenset(r.type for d in (*predicted, *gold) for r in d.relations)
    undirected = evaluate_documents(
        [replace(d, symmetric_relation_types=types) for d in predicted],
        [replace(d, symmetric_relation_types=types) for d in gold],
        per_type=False,
    )
    subtask = 2 if given else 3
    return {
        "entities": "given (gold)" if given else "predicted",
        "subtask_1_ner": _triple(metrics, "ner"),
        f"subtask_{subtask}_relations": _triple(undirected, "rel_strict"),
        f"subtask_{subtask}_relations_directed": _triple(metrics, "rel_strict"),
    }
