"""What every approach's model shares: predicted `Document`s, the shared metric, bf16 inference and training."""
from typing import Dict, List, Optional, Sequence, Union

import torch
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


class JointExtractionModel(Model):
    """
    Base class of the approaches' models. A subclass decodes its scores into one predicted
    `Document` per instance, returns them under `output_dict["document"]`, and calls
    `score_documents` with the instances' gold documents; `get_metrics` then reports the
    shared `JointExtractionMetric` (computed when not training, so training stays fast; in
    training mode `get_metrics` reports no scores rather than zeros: the progress bar shows the loss).

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
                return super().__call__(*args, **kwargs)
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

    @staticmethod
    def documents_of(metadata: List[Dict]) -> List[Document]:
        return [m["document"] if isinstance(m, dict) else m for m in metadata]
