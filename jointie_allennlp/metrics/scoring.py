"""Scoring predicted files against gold files with the shared metric (`jointie score`)."""
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.reading import Skipped, read_any, skipped_summary
from jointie_allennlp.metrics.joint_extraction import JointExtractionMetric

Progress = Callable[[Iterable, str], Iterable]


def _spert_position_ids(path: str, documents: List[Document]) -> Optional[bool]:
    """For a SpERT JSON list of one-sentence items: whether no item names itself (None: not such a list)."""
    if Path(path).suffix != ".json" or not all("spert_index" in d.metadata for d in documents):
        return None
    return not any({"orig_id", "id"} & set(d.metadata.get("spert_extra", {})) for d in documents)


def pair_documents(
    gold: List[Document], predicted: List[Document], gold_path: str, predicted_path: str
) -> Tuple[List[Tuple[Optional[Document], Document]], str]:
    """
    `(prediction or None, gold)` for every gold document, and how they were matched: `"id"`, or
    `"position"` when both sides are SpERT JSON lists of the same length with the same tokens item
    by item and one side does not name its items (SpERT's own prediction files have no `orig_id`).
    """
    gold_unnamed, predicted_unnamed = _spert_position_ids(gold_path, gold), _spert_position_ids(
        predicted_path, predicted
    )
    differing = next(
        (n for n, (g, p) in enumerate(zip(gold, predicted)) if g.tokens != p.tokens), None
    ) if len(gold) == len(predicted) else -1
    if gold_unnamed is not None and predicted_unnamed is not None and (gold_unnamed or predicted_unnamed):
        if differing is None:
            return list(zip(predicted, gold)), "position"
        hint = (f"{len(predicted)} predicted and {len(gold)} gold items" if differing == -1
                else f"item {differing} has other tokens")
        raise FormatError(
            f"the items have no ids to match them by, and they cannot be matched by position: {hint}",
            path=predicted_path,
        )
    for path, documents in ((gold_path, gold), (predicted_path, predicted)):
        seen: Dict[str, int] = {}
        for number, document in enumerate(documents):
            if document.id in seen:
                raise FormatError(
                    f"documents {seen[document.id]} and {number} have the same id {document.id!r}", path=path
                )
            seen[document.id] = number
    by_id = {d.id: d for d in predicted}
    unknown = sorted(set(by_id) - {d.id for d in gold})
    if unknown:
        raise FormatError(f"predictions for documents not in the gold data: {unknown[:5]}", path=predicted_path)
    return [(by_id.get(g.id), g) for g in gold], "id"


def _no_progress(items: Iterable, description: str) -> Iterable:
    return items


def score_files(
    gold_path: str,
    predicted_path: str,
    tokenizer: str = "auto",
    rurebus: bool = False,
    progress: Progress = _no_progress,
    rurebus_set: bool = False,
) -> Dict[str, object]:
    """
    Scores the documents of `predicted_path` against those of `gold_path` (any format of
    `read_any`). A gold document without a prediction counts as predicted empty; the error
    records of a prediction file (inputs that failed) are left out and counted, and so are its
    lines that are not readable records (`skipped`, with the first of them in `skipped_lines`).
    Gold data must be read whole: an unreadable gold line is a `FormatError` naming it, since a
    score over part of the gold is not the score asked for.

    # Parameters

    gold_path, predicted_path : `str` brat directories, SpERT JSON, or JSON lines.
    tokenizer : `str`, optional (default = `"auto"`) the segmenter of brat and text input.
    rurebus : `bool`, optional (default = `False`) adds the RuREBus subtask summary as the shared
        task's script computes it (`"rurebus"`, `jointie_allennlp.metrics.rurebus.rurebus_summary`).
    rurebus_set : `bool`, optional (default = `False`) adds its set-based variant (`"rurebus_set"`,
        `rurebus_set_summary`: each distinct item counts once, relations in either direction).
    progress : `Callable`, optional wraps each loop over documents (e.g. in a progress bar).

    # Returns

    `documents`, `documents_without_prediction`, `prediction_errors_skipped`, `skipped`,
    `skipped_lines`, `matched_by` (`"id"` or `"position"`) and every value of
    `JointExtractionMetric(per_type=True)`.
    """
    gold_documents = read_any(gold_path, tokenizer, progress=lambda items, _: progress(items, "gold documents"))
    skipped: List[Skipped] = []
    predictions = read_any(predicted_path, tokenizer, skipped,
                           progress=lambda items, _: progress(items, "predicted documents"))
    failed = [d for d in predictions if "error" in d.metadata]
    pairs, matched_by = pair_documents(
        gold_documents, [d for d in predictions if "error" not in d.metadata], gold_path, predicted_path
    )
    missing = [g.id for p, g in pairs if p is None]
    pairs = [(p if p is not None else g.without_annotations(), g) for p, g in pairs]
    symmetric = frozenset().union(*(d.symmetric_relation_types for d in gold_documents))
    metric = JointExtractionMetric(per_type=True)
    for prediction, reference in progress(pairs, "scored documents"):
        if prediction.text != reference.text:
            raise FormatError("predicted document text differs from the gold text", document=reference.id)
        prediction.symmetric_relation_types = symmetric
        metric([prediction], [reference])
    metrics = metric.get_metric(reset=True)
    summaries = {}
    if rurebus or rurebus_set:
        from jointie_allennlp.metrics.rurebus import rurebus_set_summary, rurebus_summary

        predicted, gold = [p for p, _ in pairs], [g for _, g in pairs]
        if rurebus:
            summaries["rurebus"] = rurebus_summary(predicted, gold, metrics)
        if rurebus_set:
            summaries["rurebus_set"] = rurebus_set_summary(predicted, gold, metrics)
    return {
        **summaries,
        "documents": len(pairs),
        "documents_without_prediction": len(missing),
        "prediction_errors_skipped": len(failed),
        **skipped_summary(skipped),
        "matched_by": matched_by,
        **metrics,
    }
