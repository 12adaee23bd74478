"""
What every approach's model shares: predicted `Document`s, the shared metric, bf16 inference and
training, decoding at a grid of thresholds.
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.models import Model

from jointie_allennlp.data.document import Document
from jointie_allennlp.metrics.joint_extraction import JointExtractionMetric
from jointie_allennlp.precision.training import bf16_training_enabled


def without_trainable_pooler(embedder: torch.nn.Module) -> torch.nn.Module:
    """
    Freezes the pooler of every Hugging Face transformer inside `embedder` (allennlp's
    `pretrained_transformer` embedders return the word-piece vectors and never use it), so that
    every trainable parameter takes part in the loss, as distributed training (DDP) requires.
    Returns `embedder`.
    """
    for name, parameter in embedder.named_parameters():
        if ".pooler." in f".{name}":
            parameter.requires_grad_(False)
    return embedder


def relations_at_threshold(documents: Sequence[Document], threshold: float) -> List[Document]:
    """The documents without their relations scored below `threshold` (unscored ones are kept)."""
    return [
        d.with_annotations(d.entities, [r for r in d.relations if r.score is None or r.score >= threshold])
        for d in documents
    ]



def _float32_outputs(output):
    """The bfloat16 tensors of a forward pass's output (a dict, possibly nested) as float32: what
    follows (allennlp's `forward_on_instances` turns them into numpy arrays, which have no bfloat16)
    sees float32 as without autocast."""
    if isinstance(output, dict):
        return {key: _float32_outputs(value) for key, value in output.items()}
    if torch.is_tensor(output) and output.dtype == torch.bfloat16:
        return output.float()
    return output

class JointExtractionModel(Model):
    """
    Base class of the approaches' models. A subclass decodes its scores into one predicted
    `Document` per instance, returns them under `output_dict["document"]`, and calls
    `score_documents` with the instances' gold documents; `get_metrics` then reports the
    shared `JointExtractionMetric` (computed when not training, so training stays fast; in
    training mode `get_metrics` reports no scores rather than zeros: the progress bar shows the loss).

    A model whose decoding has thresholds names them in `thresholds()` and implements
    `_threshold_encoding` and `_decode_at_thresholds`; `predict_with_thresholds` then decodes a
    batch at every point of a threshold grid from one encoder pass (`tune-threshold`).

    # Parameters

    vocab : `Vocabulary`
    metric_per_type : `bool`, optional (default = `True`) also report per-type scores.
    bf16_inference : `bool`, optional (default = `False`) outside training, run every forward pass
        under `torch.autocast("cpu", dtype=torch.bfloat16)` (matrix products in bfloat16; faster on
        CPUs with bf16 instructions). One switch for `predict`, `evaluate` and every predictor:
        `-o '{"model.bf16_inference": true}'`. Training is never affected.
    bf16_training : `bool` or `"auto"`, optional (default = `False`) in training, run every forward
        pass under the same autocast (mixed precision: weights, gradients and optimizer state stay
        float32); `"auto"`: where the CPU has native bf16 instructions (`jointie_allennlp.precision`).
        The configs set it from `BF16_TRAINING` (`auto`, `1`, `0`).
    """

    def __init__(
        self,
        vocab: Vocabulary,
        metric_per_type: bool = True,
        bf16_inference: bool = False,
        bf16_training: Union[bool, str] = False,
        **kwargs,
    ) -> None:
        super().__init__(vocab, **kwargs)
        self._metric = JointExtractionMetric(per_type=metric_per_type)
        self.bf16_inference = bf16_inference
        self.bf16_training = bf16_training_enabled(bf16_training)

    def __call__(self, *args, **kwargs):
        if (self.bf16_training if self.training else self.bf16_inference):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return _float32_outputs(super().__call__(*args, **kwargs))
        return super().__call__(*args, **kwargs)

    def score_documents(
        self, predicted: Sequence[Document], gold: Optional[Sequence[Document]]
    ) -> None:
        """Adds a batch to the metric (skipped while training or without gold documents)."""
        if gold is not None and not self.training:
            self._metric(predicted, gold)

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        if self.training:
            if reset:
                self._metric.reset()
            return {}
        return self._metric.get_metric(reset=reset)

    def extraction_types(self) -> Dict[str, List[str]]:
        """
        The entity and relation types the model predicts, from its vocabulary: `entity_labels`,
        or the entity types of the tags in `entity_tags` / `ner_tags`, and `relation_labels`
        without the "no relation" labels (`NEG`, `0`).
        """
        namespaces = self.vocab.get_namespaces()

        def tokens(namespace: str) -> List[str]:
            return list(self.vocab.get_index_to_token_vocabulary(namespace).values()) if namespace in namespaces else []

        entities = set(tokens("entity_labels"))
        for namespace in ("entity_tags", "ner_tags"):
            entities.update(tag.split("-", 1)[1] for tag in tokens(namespace) if "-" in tag)
        relations = set(tokens("relation_labels")) - {"NEG", "0"}
        return {"entity_types": sorted(entities), "relation_types": sorted(relations)}

    def thresholds(self) -> Dict[str, float]:
        """
        The decision thresholds in use, by model option name: at most an `entity_threshold` and one
        relation threshold (empty: decoding has none).
        """
        return {}

    def _threshold_encoding(self, batch: Dict[str, Any]) -> Any:
        """What decoding `batch` at any thresholds needs, computed once (by default nothing)."""
        return None

    def _decode_at_thresholds(self, batch: Dict[str, Any], encoding: Any) -> List[Document]:
        """The documents of `batch` decoded at the thresholds the model holds now."""
        raise NotImplementedError

    def predict_with_thresholds(
        self,
        batch: Dict[str, Any],
        entity_thresholds: List[Optional[float]],
        relation_thresholds: List[float],
    ) -> Dict[Tuple[Optional[float], float], List[Document]]:
        """
        Predictions of one batch (the data loader's tensor dict) at every (entity θ, relation θ) of
        a grid, with one encoder pass (`_threshold_encoding`). For each entity θ the relations are
        decoded at the lowest relation θ and then filtered by score, which equals decoding at each
        relation θ. Entity thresholds apply only to models that have one (`entity_threshold`);
        the others take `[None]`. The model's own thresholds are restored afterwards.
        """
        saved = self.thresholds()
        if not saved:
            raise ConfigurationError(f"{type(self).__name__} with these options decodes without thresholds")
        relation_option = next(name for name in saved if name != "entity_threshold")
        encoding = self._threshold_encoding(batch)
        results: Dict[Tuple[Optional[float], float], List[Document]] = {}
        try:
            for entity_threshold in entity_thresholds:
                if "entity_threshold" in saved:
                    setattr(self, "entity_threshold", entity_threshold)
                setattr(self, relation_option, min(relation_thresholds))
                decoded = self._decode_at_thresholds(batch, encoding)
                for relation_threshold in relation_thresholds:
                    results[entity_threshold, relation_threshold] = relations_at_threshold(decoded, relation_threshold)
        finally:
            for name, value in saved.items():
                setattr(self, name, value)
        return results

    @staticmethod
    def documents_of(metadata: List[Dict]) -> List[Document]:
        return [m["document"] if isinstance(m, dict) else m for m in metadata]
