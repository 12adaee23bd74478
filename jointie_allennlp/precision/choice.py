"""
The inference precision of a loaded model: `resolve_precision` chooses it (and says why),
`apply_precision` sets it, `prediction_drift` measures what int8 changes on given instances.

* `fp32`: float32 throughout.
* `bf16`: every forward pass under `torch.autocast("cpu", dtype=torch.bfloat16)` (the model's
  `bf16_inference` switch): fast where the CPU has bf16 instructions, slower elsewhere.
* `int8`: dynamically quantized linear layers (`jointie_allennlp.precision.int8`).
* `auto`: `bf16` where the CPU has native bf16 instructions (`has_native_bf16`), `fp32` otherwise;
  given instances to check on (e.g. the archive's own dev data), `int8` when its strict F1 scores
  there stay within `max_f1_drift` of the model's current precision.
"""
import copy
import logging
from dataclasses import asdict, dataclass, field
from typing import Dict, FrozenSet, List, Optional, Sequence

import torch

from jointie_allennlp.precision import cpu
from jointie_allennlp.precision.cpu import NATIVE_BF16_FLAGS, has_native_bf16, precision_flags
from jointie_allennlp.precision.int8 import DEFAULT_INT8, INT8_CANDIDATES, int8_candidate

logger = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16", "int8")
#: the scores whose change `prediction_drift` bounds
DRIFT_METRICS = ("ner_f1", "rel_strict_f1")


@dataclass(frozen=True)
class PrecisionChoice:
    """
    The precision a model predicts in, and why.

    # Parameters

    precision : `str` `fp32`, `bf16` or `int8`.
    requested : `str` what was asked for (`auto`, `fp32`, `bf16`, `int8`).
    reason : `str` one sentence: why this precision.
    cpu_flags : `List[str]` the CPU's precision flags seen (`cpu.PRECISION_FLAGS`).
    drift : `Dict`, optional the int8 drift measured (`prediction_drift`), when one was.
    """

    precision: str
    requested: str
    reason: str
    cpu_flags: List[str] = field(default_factory=list)
    drift: Optional[Dict[str, object]] = None

    def summary(self) -> str:
        """One line for a log or standard error: `precision: bf16 (auto: ...)`."""
        return f"precision: {self.precision} ({self.requested}: {self.reason})"

    def as_dict(self) -> Dict[str, object]:
        """The choice as JSON-ready metadata (e.g. a field `precision` of a run's metadata)."""
        return {key: value for key, value in asdict(self).items() if value is not None}


def check_precision(requested: str) -> str:
    """`requested` if it is one of `PRECISIONS`; else a `ValueError` naming the option and the choices."""
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {requested!r}")
    return requested


def _hardware_choice(requested: str, features: FrozenSet[str]) -> PrecisionChoice:
    flags = precision_flags(features)
    native = sorted(features & NATIVE_BF16_FLAGS)
    if has_native_bf16(features):
        return PrecisionChoice("bf16", requested, f"the CPU has native bf16 instructions ({', '.join(native)})", flags)
    return PrecisionChoice("fp32", requested, "the CPU has no native bf16 instructions", flags)


def resolve_precision(
    requested: str = "auto",
    model: Optional[torch.nn.Module] = None,
    *,
    drift_instances: Optional[Sequence] = None,
    max_f1_drift: float = 0.005,
    int8: str = DEFAULT_INT8,
    batch_size: int = 8,
    features: Optional[FrozenSet[str]] = None,
) -> PrecisionChoice:
    """
    The precision to predict in (see the module docstring), with the reason.

    # Parameters

    requested : `str` `auto`, `fp32`, `bf16` or `int8`.
    model : `torch.nn.Module`, optional the model; needed for the int8 drift check.
    drift_instances : `Sequence[Instance]`, optional with `auto`: instances (with gold annotations)
        on which int8 is tried; it is chosen when every score of `DRIFT_METRICS` moves by at most
        `max_f1_drift` (absolute, on the 0-1 scale).
    max_f1_drift : `float`, optional (default = `0.005`, half a point of F1).
    int8 : `str`, optional (default = `int8-encoder`) the int8 candidate (`INT8_CANDIDATES`) tried.
    batch_size : `int`, optional instances per forward pass of the drift check.
    features : `FrozenSet[str]`, optional the CPU flags (default: `cpu.cpu_features()`).
    """
    check_precision(requested)
    features = cpu.cpu_features() if features is None else features
    flags = precision_flags(features)
    if requested == "fp32":
        return PrecisionChoice("fp32", requested, "asked for", flags)
    if requested == "int8":
        return PrecisionChoice("int8", requested, f"asked for ({int8})", flags)
    if requested == "bf16":
        note = "asked for" if has_native_bf16(features) else "asked for; the CPU has no native bf16 instructions"
        return PrecisionChoice("bf16", requested, note, flags)
    if drift_instances:
        if model is None:
            raise ValueError("the int8 drift check of precision 'auto' needs the model")
        drift = prediction_drift(model, list(drift_instances), int8=int8, batch_size=batch_size)
        worst = drift["max_abs_drift"]
        if worst <= max_f1_drift:
            reason = f"{int8} moves F1 by at most {worst:.4f} on {drift['instances']} instances (bound {max_f1_drift})"
            return PrecisionChoice("int8", requested, reason, flags, drift)
        fallback = _hardware_choice(requested, features)
        reason = f"{fallback.reason}; {int8} moves F1 by {worst:.4f} > {max_f1_drift} on {drift['instances']} instances"
        return PrecisionChoice(fallback.precision, requested, reason, flags, drift)
    return _hardware_choice(requested, features)


def apply_precision(model: torch.nn.Module, precision: str, int8: str = DEFAULT_INT8) -> torch.nn.Module:
    """
    Sets `model` (a `JointExtractionModel`) to predict in `precision` (`fp32`, `bf16`, `int8`) and
    returns it: `bf16` through its `bf16_inference` switch, `int8` by quantizing it in place with
    the candidate `int8` of `INT8_CANDIDATES`. A model already quantized stays so.
    """
    if precision not in ("fp32", "bf16", "int8"):
        raise ValueError(f"apply_precision takes fp32, bf16 or int8 (resolve 'auto' first); got {precision!r}")
    if not hasattr(model, "bf16_inference"):
        raise TypeError(f"{type(model).__name__} has no bf16_inference switch (not a model of jointie_allennlp)")
    model.bf16_inference = precision == "bf16"
    if precision == "int8":
        int8_candidate(model, int8)
    model.inference_precision = precision
    return model


def evaluation_metrics(model: torch.nn.Module, instances: Sequence, batch_size: int = 8) -> Dict[str, float]:
    """The model's metrics (`get_metrics`) after one evaluation pass over `instances`, in order."""
    from allennlp.data import Batch

    model.eval()
    model.get_metrics(reset=True)
    with torch.inference_mode():
        for start in range(0, len(instances), batch_size):
            batch = Batch(list(instances[start : start + batch_size]))
            batch.index_instances(model.vocab)
            model(**batch.as_tensor_dict())
    return model.get_metrics(reset=True)


def prediction_drift(
    model: torch.nn.Module, instances: Sequence, int8: str = DEFAULT_INT8, batch_size: int = 8
) -> Dict[str, object]:
    """
    What int8 changes: `model` (left as it is) and an int8 copy of it (candidate `int8`) scored on
    `instances` (with gold annotations). Returns `reference` and `int8` (their `DRIFT_METRICS`),
    `drift` (int8 minus reference, per metric), `max_abs_drift`, `instances`, `candidate`.
    """
    if not instances:
        raise ValueError("the int8 drift check needs at least one instance")
    quantized = copy.deepcopy(model)
    apply_precision(quantized, "int8", int8)
    reference = evaluation_metrics(model, instances, batch_size)
    candidate = evaluation_metrics(quantized, instances, batch_size)
    names = [name for name in DRIFT_METRICS if name in reference]
    drift = {name: candidate[name] - reference[name] for name in names}
    return {
        "candidate": int8,
        "instances": len(instances),
        "reference": {name: reference[name] for name in names},
        "int8": {name: candidate[name] for name in names},
        "drift": drift,
        "max_abs_drift": max((abs(value) for value in drift.values()), default=0.0),
    }


__all__ = [
    "INT8_CANDIDATES", "PRECISIONS", "PrecisionChoice", "apply_precision", "check_precision",
    "evaluation_metrics", "prediction_drift", "resolve_precision",
]
