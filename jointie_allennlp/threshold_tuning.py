"""
Choosing decision thresholds on dev without retraining (`jointie tune-threshold ARCHIVE DEV`).

The archived model encodes every dev batch once; its span and pair scores are then decoded at
every grid point (the model's `predict_with_thresholds`) and scored with the shared metric. The
entity threshold is chosen by NER F1 (it alone decides the entities), the relation threshold by
relation F1 at that entity threshold. Models: `spert` (relation threshold `rel_filter_threshold`),
`spert_mt` (`entity_threshold`, `relation_threshold`), `marked_entity` (`relation_threshold`,
on the given entities of its instances: subtask 2) and `deeper_task_specificity` (Θ,
`relation_threshold`).
"""
import math
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import torch

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.metrics.joint_extraction import JointExtractionMetric

DEFAULT_SPERT_MT_GRID = [round(0.25 * i, 2) for i in range(-2, 13)]  # -0.5 .. 3.0 on raw class scores
DEFAULT_SPERT_GRID = [round(0.1 * i, 1) for i in range(1, 10)]  # sigmoid probabilities


def check_grid(values: Optional[Sequence[float]], option: str, probabilities: bool = False) -> None:
    """
    Raises `FormatError` naming `option` (e.g. `--relation-grid`) when a grid value is not a finite
    number, or, for thresholds on `probabilities`, lies outside [0, 1].
    """
    for value in values or ():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise FormatError(f"{option}: {value!r} is not a finite number")
        if probabilities and not 0 <= value <= 1:
            raise FormatError(f"{option}: {value!r} is outside [0, 1] (this model's thresholds are probabilities)")


def check_gold(instances: Sequence, dev_path: str, relations_needed: bool, entities_needed: bool) -> Dict[str, int]:
    """
    The gold entity and relation counts of the dev instances; `FormatError` naming `dev_path` when
    the thresholds would be chosen on no gold at all (every F1 of the grid 0).
    """
    from jointie_allennlp.models.base import JointExtractionModel

    documents = JointExtractionModel.documents_of([instance["metadata"].metadata for instance in instances])
    counts = {"entities": sum(len(d.entities) for d in documents),
              "relations": sum(len(d.relations) for d in documents)}
    missing = [kind for kind, needed in (("entities", entities_needed), ("relations", relations_needed))
               if needed and not counts[kind]]
    if missing:
        raise FormatError(
            f"the dev data has no gold {' and no gold '.join(missing)}: every score of the grid would be 0, "
            "so no threshold can be chosen; give annotated dev data",
            path=dev_path,
        )
    return counts


def tune_thresholds(
    archive_file: str,
    dev_path: str,
    entity_grid: Optional[Sequence[float]] = None,
    relation_grid: Optional[Sequence[float]] = None,
    batch_size: int = 8,
    metric: str = "rel_strict_f1",
    overrides: str = "",
    progress: Optional[Callable[[Iterable, str], Iterable]] = None,
) -> Dict[str, object]:
    """
    Scores a threshold grid on `dev_path` and returns the best setting per task; `progress`, when
    given, wraps the loop over dev batches (e.g. in a progress bar).

    # Returns

    `{"model", "options": {option: best value}, "best": {task: {...}}, "grid": [...], "overrides"}`
    where every grid row has the thresholds and the metric's `ner_f1`, `rel_strict_f1` and
    `rel_boundaries_f1`; `overrides` applies the choice to `allennlp evaluate` / `predict`.
    """
    from allennlp.data.data_loaders import SimpleDataLoader
    from allennlp.nn import util

    from jointie_allennlp.predictors.loading import load_checked_archive

    check_grid(entity_grid, "--entity-grid")
    check_grid(relation_grid, "--relation-grid")
    archive = load_checked_archive(archive_file, overrides=overrides)
    model = archive.model
    if not hasattr(model, "predict_with_thresholds"):
        raise ValueError(f"{archive_file}: model {type(model).__name__} has no thresholds to tune")
    options = model.thresholds()
    if not options:
        raise ValueError(f"{archive_file}: this {type(model).__name__} decodes without thresholds")
    has_entity = "entity_threshold" in options
    if entity_grid is None:
        entity_grid = DEFAULT_SPERT_MT_GRID if has_entity else []
    if relation_grid is None:
        relation_grid = DEFAULT_SPERT_MT_GRID if has_entity else DEFAULT_SPERT_GRID
    probabilities = not has_entity  # spert_mt's thresholds are on raw class scores, the others' on probabilities
    check_grid(entity_grid, "--entity-grid", probabilities)
    check_grid(relation_grid, "--relation-grid", probabilities)
    entity_grid = sorted(set(entity_grid)) if has_entity else [None]
    relation_grid = sorted(set(relation_grid))
    if not entity_grid or not relation_grid:
        raise ValueError("empty threshold grid")

    instances = list(archive.validation_dataset_reader.read(dev_path))
    if not instances:
        raise ValueError(f"{dev_path}: no instances")
    check_gold(instances, dev_path, relations_needed=True, entities_needed=has_entity)
    loader = SimpleDataLoader(instances, batch_size=batch_size)
    loader.index_with(model.vocab)
    metrics: Dict[Tuple, JointExtractionMetric] = {}
    model.eval()
    with torch.no_grad():
        for batch in (progress(loader, "dev batches") if progress else loader):
            batch = util.move_to_device(batch, model._get_prediction_device())
            gold = model.documents_of(batch["metadata"])
            decoded = model.predict_with_thresholds(batch, list(entity_grid), list(relation_grid))
            for key, predicted in decoded.items():
                metrics.setdefault(key, JointExtractionMetric(per_type=False))(predicted, gold)

    grid: List[Dict[str, object]] = []
    ordered = sorted(metrics.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))
    for (entity_threshold, relation_threshold), scores in ordered:
        values = scores.get_metric(reset=True)
        row: Dict[str, object] = {"entity_threshold": entity_threshold, "relation_threshold": relation_threshold}
        row.update({k: values[k] for k in ("ner_f1", "rel_strict_f1", "rel_boundaries_f1")})
        grid.append(row)
    relation_option = next(name for name in options if name != "entity_threshold")
    # ties go to the threshold closest to the model's current one (then the lower)
    current = options.get("entity_threshold", 0.0), options[relation_option]

    def best(rows, key, column, reference):
        return max(rows, key=lambda r: (r[key], -abs((r[column] or 0) - reference), -(r[column] or 0)))

    chosen: Dict[str, object] = {}
    best_by_task: Dict[str, Dict[str, object]] = {}
    if has_entity:
        best_entity = best(grid, "ner_f1", "entity_threshold", current[0])
        chosen["entity_threshold"] = best_entity["entity_threshold"]
        best_by_task["entities"] = best_entity
    at_entity = [r for r in grid if r["entity_threshold"] == chosen.get("entity_threshold")]
    best_relation = best(at_entity, metric, "relation_threshold", current[1])
    chosen[relation_option] = best_relation["relation_threshold"]
    best_by_task["relations"] = best_relation
    overrides_out = "{" + ", ".join(f'"model.{k}": {v}' for k, v in chosen.items()) + "}"
    return {
        "model": type(model).__name__,
        "dev": dev_path,
        "current": options,
        "options": chosen,
        "best": best_by_task,
        "overrides": overrides_out,
        "grid": grid,
    }
