"""
`spert_mt`: Lu & Xue (2023), "Dealing with negative samples with multi-task learning on span-based
joint entity-relation extraction" (SpERT.MT), on the span machinery of `spert`.
"""
from typing import Dict

import torch
from allennlp.data import Vocabulary
from allennlp.models import Model
from allennlp.modules import TextFieldEmbedder
from torch import nn
from torch.nn import functional

from jointie_allennlp.models.spert import GoldSpans, SpertModel
from jointie_allennlp.modules.concatenated_linear import linear_over_parts
from jointie_allennlp.modules.span_decoding import argmax_above
from jointie_allennlp.modules.span_losses import iou_scaled_bce, pairwise_ranking_loss
from jointie_allennlp.modules.span_sampling import span_iou


@Model.register("spert_mt")
class SpertMTModel(SpertModel):
    """
    SpERT.MT (Lu & Xue 2023) on SpERT's spans, pairs and sampling.

    Each stage has an identification head (one logit: entity / related or not) and a
    classification head (type scores `s^T W_c`, no bias, no "none" class). Classification loss:
    pairwise ranking loss (`pairwise_ranking_loss`, γ, m+, m-: only the highest-scoring wrong class
    is pushed down; negative samples only have that term). Entity identification loss: IoU-scaled
    BCE (`iou_scaled_bce`, δ) with ENIoU = the largest IoU of the span with a gold entity span;
    relation identification loss: BCE. Stage loss `α·identification + β·classification`, total
    entity + relation stage. The relation input adds both spans' entity class scores:
    `[span 1; width 1] ∘ context ∘ [span 2; width 2] ∘ p(s1) ∘ p(s2)` (the swapped pair in the
    swapped order). Prediction uses class scores only: the best class if its score reaches the
    threshold (θ), else none; spans classified as none do not form relation candidates; a pair gets
    at most one relation type.

    Without multi-task learning (`multi_task=False`, the paper's "-MTL" ablation) each stage is
    the original single-step multi-class classifier: one softmax over the types plus "none"
    (cross-entropy; a pair with several gold types spreads its target over them), predicted when
    "none" is not the argmax, scored by its probability; θ, the ranking loss and the IoU-scaled loss
    are then not used, and `p(s)` in the relation input is the entity logits including "none".

    # Parameters

    All of `spert`'s (defaults `neg_entity_count` = `neg_relation_count` = 120; `rel_filter_threshold`
    is not used; `loss_reduction`, default `"sum"` as in the paper's equations, applies to each
    stage's identification and classification losses), and:

    multi_task : `bool`, optional (default = `True`) `False`: the "-MTL" ablation (see above).
    iou_scaled_loss : `bool`, optional (default = `True`) `False`: ENIoU = 0 in the entity
        identification loss (ablation "without IoU-scaled loss"; the δ weighting stays).
    entity_logits_in_relations : `bool`, optional (default = `True`) `False`: the relation input
        lacks `p(s1)`, `p(s2)` (ablation "without entity logits").
    detach_entity_logits : `bool`, optional (default = `False`) `True`: `p(s1)`, `p(s2)` enter the
        relation input without gradient, so the relation loss does not move the entity scores that
        θ reads (the paper does not say; the default lets gradients flow).
    entity_threshold, relation_threshold : `float`, optional (default = `0.85`) θ on raw class
        scores, separately for entities and relations (choose them on dev with
        `python -m jointie_allennlp tune-threshold`).
    alpha, beta : `float`, optional (default = `1.0`) weights of the identification and
        classification losses in each stage.
    gamma, margin_positive, margin_negative : `float`, optional (default = `2.0`, `2.5`, `0.5`)
    delta : `float`, optional (default = `0.25`)
    """

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        neg_entity_count: int = 120,
        neg_relation_count: int = 120,
        multi_task: bool = True,
        iou_scaled_loss: bool = True,
        entity_logits_in_relations: bool = True,
        detach_entity_logits: bool = False,
        entity_threshold: float = 0.85,
        relation_threshold: float = 0.85,
        alpha: float = 1.0,
        beta: float = 1.0,
        gamma: float = 2.0,
        margin_positive: float = 2.5,
        margin_negative: float = 0.5,
        delta: float = 0.25,
        loss_reduction: str = "sum",
        **kwargs,
    ) -> None:
        self.multi_task = multi_task
        self.entity_logits_in_relations = entity_logits_in_relations
        super().__init__(
            vocab,
            text_field_embedder,
            neg_entity_count=neg_entity_count,
            neg_relation_count=neg_relation_count,
            loss_reduction=loss_reduction,
            **kwargs,
        )
        self.iou_scaled_loss = iou_scaled_loss
        self.detach_entity_logits = detach_entity_logits
        self.entity_threshold = entity_threshold
        self.relation_threshold = relation_threshold
        self.alpha, self.beta = alpha, beta
        self.gamma, self.delta = gamma, delta
        self.margin_positive, self.margin_negative = margin_positive, margin_negative

    def _build_heads(self) -> None:
        entity_dim = self.hidden_dim + self.span_dim
        relation_dim = self._relation_input_dim()
        types, relation_types = len(self.entity_types), len(self.relation_types)
        if self.multi_task:
            self.entity_classifier = nn.Linear(entity_dim, types, bias=False)
            self.relation_classifier = nn.Linear(relation_dim, relation_types, bias=False)
            self.entity_identifier = nn.Linear(entity_dim, 1)
            self.relation_identifier = nn.Linear(relation_dim, 1)
        else:  # single-step: softmax over the types and "none" (index 0)
            self.entity_classifier = nn.Linear(entity_dim, types + 1)
            self.relation_classifier = nn.Linear(relation_dim, relation_types + 1)

    def _relation_input_dim(self) -> int:
        logits = len(self.entity_types) + (0 if self.multi_task else 1)
        extra = 2 * logits if self.entity_logits_in_relations else 0
        return self.hidden_dim + 2 * self.span_dim + extra

    def _entity_scores(self, representation):
        scores = {"logits": linear_over_parts(self.entity_classifier, representation)}
        if self.multi_task:  # (the identification heads only feed the loss)
            scores["identification"] = linear_over_parts(self.entity_identifier, representation).squeeze(-1)
        return scores

    def _relation_features(self, entity_scores, batch, head, tail):
        if not self.entity_logits_in_relations:
            return []
        logits = entity_scores["logits"]
        if self.detach_entity_logits:
            logits = logits.detach()
        return [logits[batch, head], logits[batch, tail]]

    def _relation_scores(self, representation):
        scores = {"logits": self.relation_classifier(representation)}
        if self.multi_task:  # (the identification heads only feed the loss)
            scores["identification"] = self.relation_identifier(representation).squeeze(-1)
        return scores

    def _ranking(self, scores, targets):
        return pairwise_ranking_loss(scores, targets, self.gamma, self.margin_positive, self.margin_negative)

    def _entity_loss(self, scores, labels, mask, spans, gold: GoldSpans) -> torch.Tensor:
        if not self.multi_task:
            return super()._entity_loss(scores, labels, mask, spans, gold)
        logits = scores["logits"][mask]
        label = labels[mask]
        targets = functional.one_hot(label, len(self.entity_types) + 1)[:, 1:].to(logits.dtype)
        loss = self.beta * self._reduce(self._ranking(logits, targets))
        if self.iou_scaled_loss:
            iou = span_iou(spans, gold.entity_spans, gold.entity_mask)[mask]
        else:
            iou = torch.zeros_like(label, dtype=logits.dtype)
        identification = iou_scaled_bce(scores["identification"][mask], (label > 0).float(), iou, self.delta)
        return loss + self.alpha * self._reduce(identification)

    def _relation_loss(self, scores, targets) -> torch.Tensor:
        related = targets.sum(-1, keepdim=True) > 0
        if not self.multi_task:
            distribution = torch.cat([(~related).to(targets.dtype), targets], dim=-1)
            distribution = distribution / distribution.sum(-1, keepdim=True)
            return self._reduce(functional.cross_entropy(scores["logits"], distribution, reduction="none"))
        loss = self.beta * self._reduce(self._ranking(scores["logits"], targets))
        identification = functional.binary_cross_entropy_with_logits(
            scores["identification"], related.squeeze(-1).to(targets.dtype), reduction="none"
        )
        return loss + self.alpha * self._reduce(identification)

    def _decode_entity_scores(self, scores):
        if not self.multi_task:
            return super()._decode_entity_scores(scores)
        return argmax_above(scores["logits"], self.entity_threshold)

    def _decode_relation_scores(self, scores):
        if self.multi_task:
            classes, best, accepted = argmax_above(scores["logits"], self.relation_threshold)
        else:
            best, classes = scores["logits"].softmax(-1).max(-1)
            accepted, classes = classes > 0, classes - 1
        rows = accepted.nonzero(as_tuple=True)[0]
        return rows, classes[rows], best[rows]

    def thresholds(self) -> Dict[str, float]:
        if not self.multi_task:  # "-MTL" decodes by softmax argmax
            return {}
        return {"entity_threshold": self.entity_threshold, "relation_threshold": self.relation_threshold}
