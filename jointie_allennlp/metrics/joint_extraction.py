"""The one metric every approach reports: NER and relation extraction P/R/F1 over documents."""
from collections import Counter
from dataclasses import replace
from typing import Dict, Hashable, Iterable, List, Sequence, Set, Tuple

import torch
import torch.distributed as dist
from allennlp.common.util import is_distributed
from allennlp.nn.util import dist_reduce_sum
from allennlp.training.metrics import Metric

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.keys import item_keys
from jointie_allennlp.data.windows import owned_items

_TASKS = ("ner", "rel_strict", "rel_boundaries")
_COUNTS = ("tp", "fp", "fn")


def extraction_keys(document: Document) -> Dict[str, Set[Tuple[str, Hashable]]]:
    """
    The comparable items of a document per task (`item_keys` as sets). Of a window of a long
    sentence only the items it owns count (`jointie_allennlp.data.windows.owned_items`), so items
    in the overlap of two windows are counted once.
    """
    entity_keys, strict, boundaries = item_keys(document)
    owned = owned_items(document)
    if owned is not None:
        entities, relations = owned
        entity_keys = [key for key, keep in zip(entity_keys, entities) if keep]
        strict = [key for key, keep in zip(strict, relations) if keep]
        boundaries = [key for key, keep in zip(boundaries, relations) if keep]
    return dict(zip(_TASKS, (set(keys) for keys in (entity_keys, strict, boundaries))))


def _prf(true_positives: int, false_positives: int, false_negatives: int) -> Tuple[float, float, float]:
    precision = true_positives / (true_positives + false_positives) if true_positives + false_positives else 0.0
    recall = true_positives / (true_positives + false_negatives) if true_positives + false_negatives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@Metric.register("joint_extraction")
class JointExtractionMetric(Metric):
    """
    Precision, recall and F1 of predicted against gold documents, for NER (strict: span and
    type), relations strict (both entity spans and types, relation type) and relations
    boundaries (both entity spans and relation type, SpERT's "without NER"). Micro scores pool
    the counts of all types; macro scores average the per-type F1 over the types that occur in
    the gold or the predictions. Symmetric relation types (of either document) match in both
    directions. Spans are compared by the character offsets of their tokens, so documents
    tokenized differently are still compared correctly. In distributed training the counts are
    summed over all workers (allennlp's `dist_reduce_sum`) before the scores are computed, so
    every worker reports the scores of all shards.

    Keys: `ner_precision`, `ner_recall`, `ner_f1`, `ner_macro_precision`, `ner_macro_recall`,
    `ner_macro_f1`, and the same with `rel_strict_` and `rel_boundaries_`; per type (when
    `per_type`): `_ner_<type>_f1` etc. (the leading `_` keeps them out of the progress bar).
    Use e.g. `"validation_metric": "+rel_strict_f1"`.

    # Parameters

    per_type : `bool`, optional (default = `True`)
        Also report precision, recall and F1 for every type.
    """

    def __init__(self, per_type: bool = True) -> None:
        self.per_type = per_type
        self.reset()

    def reset(self) -> None:
        self._counts: Dict[str, Dict[str, Counter]] = {task: {k: Counter() for k in _COUNTS} for task in _TASKS}

    def __call__(  # type: ignore[override]
        self, predicted_documents: Sequence[Document], gold_documents: Sequence[Document]
    ) -> None:
        if len(predicted_documents) != len(gold_documents):
            raise ValueError(
                f"{len(predicted_documents)} predicted documents but {len(gold_documents)} gold ones"
            )
        for predicted, gold in zip(predicted_documents, gold_documents):
            if predicted.symmetric_relation_types != gold.symmetric_relation_types:
                symmetric = predicted.symmetric_relation_types | gold.symmetric_relation_types
                predicted = _with_symmetric(predicted, symmetric)
                gold = _with_symmetric(gold, symmetric)
            predicted_keys = extraction_keys(predicted)
            gold_keys = extraction_keys(gold)
            for task in _TASKS:
                counts = self._counts[task]
                for item_type, _ in predicted_keys[task] & gold_keys[task]:
                    counts["tp"][item_type] += 1
                for item_type, _ in predicted_keys[task] - gold_keys[task]:
                    counts["fp"][item_type] += 1
                for item_type, _ in gold_keys[task] - predicted_keys[task]:
                    counts["fn"][item_type] += 1

    def _all_workers_counts(self) -> Dict[str, Dict[str, Counter]]:
        """The counts summed over the distributed workers (this worker's outside distributed training)."""
        if not is_distributed():
            return self._counts
        # The workers may have seen different types: agree on their union first (in one order).
        local_types = sorted({t for task in _TASKS for counter in self._counts[task].values() for t in counter})
        gathered: List[List[str]] = [[] for _ in range(dist.get_world_size())]
        dist.all_gather_object(gathered, local_types)
        types = sorted(set().union(*gathered))
        table = torch.tensor(
            [[[self._counts[task][k][t] for t in types] for k in _COUNTS] for task in _TASKS], dtype=torch.long
        )
        table = dist_reduce_sum(table).tolist()
        return {
            task: {
                k: Counter({t: n for t, n in zip(types, table[i][j]) if n}) for j, k in enumerate(_COUNTS)
            }
            for i, task in enumerate(_TASKS)
        }

    def get_metric(self, reset: bool = False) -> Dict[str, float]:
        metrics: Dict[str, float] = {}
        all_counts = self._all_workers_counts()
        for task in _TASKS:
            counts = all_counts[task]
            tp, fp, fn = (sum(counts[k].values()) for k in _COUNTS)
            precision, recall, f1 = _prf(tp, fp, fn)
            metrics[f"{task}_precision"] = precision
            metrics[f"{task}_recall"] = recall
            metrics[f"{task}_f1"] = f1
            types = sorted(set(counts["tp"]) | set(counts["fp"]) | set(counts["fn"]))
            per_type = {t: _prf(counts["tp"][t], counts["fp"][t], counts["fn"][t]) for t in types}
            for position, name in enumerate(("precision", "recall", "f1")):
                values = [scores[position] for scores in per_type.values()]
                metrics[f"{task}_macro_{name}"] = sum(values) / len(values) if values else 0.0
            if self.per_type:
                for item_type, (precision, recall, f1) in per_type.items():
                    metrics[f"_{task}_{item_type}_precision"] = precision
                    metrics[f"_{task}_{item_type}_recall"] = recall
                    metrics[f"_{task}_{item_type}_f1"] = f1
                    metrics[f"_{task}_{item_type}_support"] = counts["tp"][item_type] + counts["fn"][item_type]
        if reset:
            self.reset()
        return metrics


def _with_symmetric(document: Document, symmetric: Iterable[str]) -> Document:
    return replace(document, symmetric_relation_types=frozenset(symmetric))


def evaluate_documents(
    predicted_documents: Sequence[Document], gold_documents: Sequence[Document], per_type: bool = True
) -> Dict[str, float]:
    """Scores predicted against gold documents in one call."""
    metric = JointExtractionMetric(per_type=per_type)
    metric(predicted_documents, gold_documents)
    return metric.get_metric(reset=True)


def format_report(metrics: Dict[str, float]) -> List[str]:
    """A small text table of the main scores (in percent)."""
    lines = [f"{'':16s}{'P':>8s}{'R':>8s}{'F1':>8s}{'macro F1':>10s}"]
    for task in _TASKS:
        lines.append(
            f"{task:16s}"
            + "".join(f"{100 * metrics[f'{task}_{n}']:8.2f}" for n in ("precision", "recall", "f1"))
            + f"{100 * metrics[f'{task}_macro_f1']:10.2f}"
        )
    return lines
