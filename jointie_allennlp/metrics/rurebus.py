"""The RuREBus 2020 shared task's scoring convention, on top of the shared metric."""
from dataclasses import replace
from typing import Dict, Sequence

from jointie_allennlp.data.document import Document
from jointie_allennlp.metrics.joint_extraction import evaluate_documents, extraction_keys


def rurebus_summary(predicted: Sequence[Document], gold: Sequence[Document], metrics: Dict[str, float]) -> Dict:
    """
    The shared task's scores (its `eval_scripts`), micro over all documents:

    * subtask 1: entities, exact span and type (the shared metric's `ner`);
    * relations: a predicted relation is correct when its type and both entities (span and type)
      match a gold relation **in either direction** (the shared task ignores direction): the
      shared metric's `rel_strict` with every relation type treated as symmetric. Reported as
      subtask 2 ("given entities") when every predicted document has exactly the gold entities
      (spans and types), else as subtask 3 ("predicted entities", end to end).

    `metrics` are the shared metric's scores of the same documents (for subtask 1); the directed
    `rel_strict` is repeated for comparison.
    """
    given = all(extraction_keys(p)["ner"] == extraction_keys(g)["ner"] for p, g in zip(predicted, gold))
    types = frozenset(r.type for d in (*predicted, *gold) for r in d.relations)
    undirected = evaluate_documents(
        [replace(d, symmetric_relation_types=types) for d in predicted],
        [replace(d, symmetric_relation_types=types) for d in gold],
        per_type=False,
    )

    def triple(scores: Dict[str, float], task: str) -> Dict[str, float]:
        return {name: scores[f"{task}_{name}"] for name in ("precision", "recall", "f1")}

    subtask = 2 if given else 3
    return {
        "entities": "given (gold)" if given else "predicted",
        "subtask_1_ner": triple(metrics, "ner"),
        f"subtask_{subtask}_relations": triple(undirected, "rel_strict"),
        f"subtask_{subtask}_relations_directed": triple(metrics, "rel_strict"),
    }
