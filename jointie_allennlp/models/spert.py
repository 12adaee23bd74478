"""
Span-based joint entity and relation extraction: `spert`, Eberts & Ulges (2020), "Span-based Joint
Entity and Relation Extraction with Transformer Pre-training" (SpERT), after the paper and its
reference implementation. `spert_mt` (models/spert_mt.py) builds on its span machinery.
"""
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models import Model
from allennlp.modules import TextFieldEmbedder
from torch import nn
from torch.nn import functional

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.dataset_readers.spert import ENTITY_NAMESPACE, RELATION_NAMESPACE
from jointie_allennlp.models.base import JointExtractionModel, without_trainable_pooler
from jointie_allennlp.modules.concatenated_linear import linear_over_parts
from jointie_allennlp.modules.entity_pairs import score_in_chunks
from jointie_allennlp.modules.span_decoding import (
    canonical_relations,
    multilabel_above,
    top_per_group,
)
from jointie_allennlp.modules.span_pooling import RangeMaxTable, context_between, word_spans_to_pieces
from jointie_allennlp.modules.span_sampling import (
    enumerate_spans,
    negative_pair_mask,
    ordered_pairs_of_selected,
    sample_from_mask,
    span_matches,
)

logger = logging.getLogger(__name__)


@dataclass
class GoldSpans:
    """A batch's gold entities and relations as padded tensors (see `SpertModel.gold_spans`)."""

    entity_spans: torch.LongTensor  # (batch, e, 2) word ranges
    entity_labels: torch.LongTensor  # (batch, e) entity class (1.. types; 0 = none)
    entity_mask: torch.BoolTensor  # (batch, e)
    relation_pairs: torch.LongTensor  # (batch, r, 2) indices into the gold entities
    relation_targets: torch.Tensor  # (batch, r, relation types) multi-hot
    relation_mask: torch.BoolTensor  # (batch, r)
    related: torch.BoolTensor  # (batch, e, e)
    symmetric_related: torch.BoolTensor  # (batch, e, e)


@Model.register("spert")
class SpertModel(JointExtractionModel):
    """
    SpERT. Every word span of up to `max_span_size` words is a candidate entity, represented as
    `[CLS; max-pool of its word pieces; width embedding]` and classified into the entity types or
    none (softmax). Ordered pairs of spans classified as entities are candidate relations,
    represented as `[context; span 1; width 1; span 2; width 2]`, the context being the max-pool of
    the word pieces between the two spans (zeros when there are none), and scored by one sigmoid
    per relation type; types scoring at least `rel_filter_threshold` are predicted (several per
    pair possible; a symmetric relation's earlier entity becomes its head).

    Training (as in the reference implementation): the gold entities plus up to
    `neg_entity_count` random non-entity spans per sentence (cross-entropy, averaged over the
    batch's samples); the gold relations plus up to `neg_relation_count` random unrelated ordered
    pairs of gold entities (binary cross-entropy averaged over types, then over samples).
    Loss = entity loss + relation loss. Samples are drawn afresh for every batch, in tensors.
    `loss_reduction="sum"` sums each stage's per-sample losses instead of averaging them (the
    reference averages; SpERT.MT's paper writes each stage's loss as a sum).
    On labelled instances in evaluation the same loss is reported (`validation_loss`), its
    negatives drawn with a fixed seed so that it is repeatable and leaves the training draws alone.

    Range max-pooling uses a sparse table (`RangeMaxTable`): exact, two gathers per span or
    context instead of masking the whole sentence per candidate.

    # Parameters

    vocab : `Vocabulary` with the `entity_labels` and `relation_labels` namespaces.
    text_field_embedder : `TextFieldEmbedder` a `pretrained_transformer` embedder over word pieces.
    max_span_size : `int`, optional (default = `10`) longest candidate span, in words.
    width_embedding_dim : `int`, optional (default = `25`)
    max_width : `int`, optional (default = `100`) rows of the width embedding (wider gold spans
        share the last row).
    dropout : `float`, optional (default = `0.1`) on the span and pair representations.
    neg_entity_count : `int`, optional (default = `100`) negative spans per training sentence.
    neg_relation_count : `int`, optional (default = `100`) negative pairs per training sentence.
    rel_filter_threshold : `float`, optional (default = `0.4`)
    max_pairs : `int`, optional (default = `1000`) relation candidates classified per chunk
        (bounds memory when many spans are classified as entities).
    max_entities_per_sentence : `int`, optional (default = `50`)
    max_relations_per_sentence : `int`, optional (default = `100`) caps of prediction: at most
        this many entities (the highest-scoring spans) and relations (the highest-scoring after
        symmetric relations are merged) are kept per sentence; the CoNLL04 / SciERC gold data has
        at most 24 entities and 17 relations per sentence. They keep decoding linear in the input
        when a weak model (early in training) calls nearly every span an entity and every pair
        related: relation candidates are all ordered pairs of entities. A sentence where a cap
        drops something gets a `warnings` entry in its prediction and is counted in the metric
        `capped_sentences` (logged once per metric period).
    loss_reduction : `str`, optional (default = `"mean"`) `"mean"` or `"sum"` of the per-sample
        losses of each stage (entity samples; relation samples).
    symmetric_negatives : `bool`, optional (default = `False`) `True`: the reversed direction of a
        symmetric gold relation may be sampled as a negative pair, as the reference implementation
        does; by default it is not, because decoding and the metric treat both directions of a
        symmetric relation as one relation.
    metric_per_type : `bool`, optional (default = `True`)
    """

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        max_span_size: int = 10,
        width_embedding_dim: int = 25,
        max_width: int = 100,
        dropout: float = 0.1,
        neg_entity_count: int = 100,
        neg_relation_count: int = 100,
        rel_filter_threshold: float = 0.4,
        max_pairs: int = 1000,
        max_entities_per_sentence: int = 50,
        max_relations_per_sentence: int = 100,
        loss_reduction: str = "mean",
        symmetric_negatives: bool = False,
        metric_per_type: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(vocab, metric_per_type=metric_per_type, **kwargs)
        if min(max_span_size, max_pairs, max_entities_per_sentence, max_relations_per_sentence) < 1:
            raise ConfigurationError(
                "max_span_size, max_pairs, max_entities_per_sentence and max_relations_per_sentence must be positive"
            )
        if loss_reduction not in ("mean", "sum"):
            raise ConfigurationError(f"loss_reduction must be 'mean' or 'sum', not {loss_reduction!r}")
        self.loss_reduction = loss_reduction
        self.symmetric_negatives = symmetric_negatives
        self.text_field_embedder = without_trainable_pooler(text_field_embedder)
        self.hidden_dim = text_field_embedder.get_output_dim()
        self.entity_types = [
            vocab.get_token_from_index(i, ENTITY_NAMESPACE) for i in range(vocab.get_vocab_size(ENTITY_NAMESPACE))
        ]
        self.relation_types = [
            vocab.get_token_from_index(i, RELATION_NAMESPACE) for i in range(vocab.get_vocab_size(RELATION_NAMESPACE))
        ]
        if not self.entity_types:
            raise ConfigurationError(f"the vocabulary has no entity types ({ENTITY_NAMESPACE!r} is empty)")
        self._entity_index = {t: i + 1 for i, t in enumerate(self.entity_types)}  # 0 = none
        self._relation_index = {t: i for i, t in enumerate(self.relation_types)}
        self.max_span_size = max_span_size
        self.max_width = max_width
        self.width_embedding = nn.Embedding(max_width, width_embedding_dim)
        self.dropout = nn.Dropout(dropout)
        self.neg_entity_count = neg_entity_count
        self.neg_relation_count = neg_relation_count
        self.rel_filter_threshold = rel_filter_threshold
        self.max_pairs = max_pairs
        self.max_entities_per_sentence = max_entities_per_sentence
        self.max_relations_per_sentence = max_relations_per_sentence
        self._capped_sentences = 0
        self.span_dim = self.hidden_dim + width_embedding_dim  # pooled span + width
        self._build_heads()
        self._init_heads()

    # ------------------------------------------------------------------ heads (overridden by spert_mt)

    def _build_heads(self) -> None:
        self.entity_classifier = nn.Linear(self.hidden_dim + self.span_dim, len(self.entity_types) + 1)
        self.relation_classifier = nn.Linear(self.hidden_dim + 2 * self.span_dim, len(self.relation_types))

    def _init_heads(self) -> None:
        # As the reference (BERT's initialisation of its added layers): N(0, 0.02), zero biases.
        for name, module in self.named_children():
            if name == "text_field_embedder":
                continue
            for parameter_name, parameter in module.named_parameters():
                if parameter_name.endswith("bias"):
                    nn.init.zeros_(parameter)
                else:
                    nn.init.normal_(parameter, std=0.02)

    def _entity_scores(self, representation: List[torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Scores of the spans whose representation `[CLS; max-pool; width]` is given in parts."""
        return {"logits": linear_over_parts(self.entity_classifier, representation)}

    def _relation_features(self, entity_scores: Dict[str, torch.Tensor], batch, head, tail) -> List[torch.Tensor]:
        """Extra per-pair features appended to `[context; span 1; width 1; span 2; width 2]`."""
        return []

    def _relation_scores(self, representation: torch.Tensor) -> Dict[str, torch.Tensor]:
        return {"logits": self.relation_classifier(representation)}

    def _reduce(self, losses: torch.Tensor) -> torch.Tensor:
        """One stage's loss from its per-sample losses (`loss_reduction`); 0 without samples."""
        if not losses.numel():
            return losses.sum()
        return losses.sum() if self.loss_reduction == "sum" else losses.mean()

    def _entity_loss(self, scores, labels, mask, spans, gold: GoldSpans) -> torch.Tensor:
        return self._reduce(functional.cross_entropy(scores["logits"][mask], labels[mask], reduction="none"))

    def _relation_loss(self, scores, targets) -> torch.Tensor:
        losses = functional.binary_cross_entropy_with_logits(scores["logits"], targets, reduction="none")
        return self._reduce(losses.mean(-1))

    def _decode_entity_scores(self, scores) -> Tuple[torch.LongTensor, torch.Tensor, torch.BoolTensor]:
        """Per candidate: entity type index (into `entity_types`), score, whether it is an entity."""
        probabilities = scores["logits"].softmax(-1)
        best, labels = probabilities.max(-1)
        return (labels - 1).clamp(min=0), best, labels > 0

    def _decode_relation_scores(self, scores) -> Tuple[torch.LongTensor, torch.LongTensor, torch.Tensor]:
        """Accepted (pair row, relation type index, score) triples."""
        return multilabel_above(torch.sigmoid(scores["logits"]), self.rel_filter_threshold)

    # ------------------------------------------------------------------ gold tensors

    def gold_spans(self, documents: List[Document], num_words: torch.LongTensor) -> GoldSpans:
        """
        The gold entities (deduplicated by span: the first type wins) and relations (merged per
        ordered pair into a multi-hot target; a symmetric relation gets its earlier entity as head)
        of a batch, as padded tensors. Entities on words cut off by the reader's `max_length` are
        left out, with their relations.
        """
        entity_rows: List[List[Tuple[int, int, int]]] = []
        relation_rows: List[Dict[Tuple[int, int], set]] = []
        for document, words in zip(documents, num_words.tolist()):
            position: Dict[Tuple[int, int], int] = {}
            remap: Dict[int, int] = {}
            entities: List[Tuple[int, int, int]] = []
            for index, entity in enumerate(document.entities):
                if entity.end > words:
                    continue
                label = self._entity_index.get(entity.type)
                if label is None:
                    raise ValueError(
                        f"document {document.id!r}: entity type {entity.type!r} is not in the model's vocabulary"
                    )
                key = (entity.start, entity.end)
                if key not in position:
                    position[key] = len(entities)
                    entities.append((entity.start, entity.end, label))
                remap[index] = position[key]
            pairs: Dict[Tuple[int, int], set] = {}
            for relation in document.relations:
                if relation.head not in remap or relation.tail not in remap:
                    continue
                if relation.type not in self._relation_index:
                    raise ValueError(
                        f"document {document.id!r}: relation type {relation.type!r} is not in the model's vocabulary"
                    )
                head, tail = remap[relation.head], remap[relation.tail]
                if head == tail:
                    continue
                if relation.type in document.symmetric_relation_types and entities[tail][0] < entities[head][0]:
                    head, tail = tail, head
                pairs.setdefault((head, tail), set()).add(relation.type)
            entity_rows.append(entities)
            relation_rows.append(pairs)

        batch = len(documents)
        device = num_words.device
        e = max([len(rows) for rows in entity_rows] + [1])
        r = max([len(rows) for rows in relation_rows] + [1])
        types = len(self.relation_types)
        entity_spans = torch.zeros((batch, e, 2), dtype=torch.long)
        entity_labels = torch.zeros((batch, e), dtype=torch.long)
        entity_mask = torch.zeros((batch, e), dtype=torch.bool)
        relation_pairs = torch.zeros((batch, r, 2), dtype=torch.long)
        relation_targets = torch.zeros((batch, r, types))
        relation_mask = torch.zeros((batch, r), dtype=torch.bool)
        related = torch.zeros((batch, e, e), dtype=torch.bool)
        symmetric_related = torch.zeros((batch, e, e), dtype=torch.bool)
        for b, (entities, pairs) in enumerate(zip(entity_rows, relation_rows)):
            if entities:
                entity_spans[b, : len(entities)] = torch.tensor([(s, t) for s, t, _ in entities])
                entity_labels[b, : len(entities)] = torch.tensor([label for _, _, label in entities])
                entity_mask[b, : len(entities)] = True
            symmetric = documents[b].symmetric_relation_types
            for row, ((head, tail), relation_types) in enumerate(pairs.items()):
                relation_pairs[b, row] = torch.tensor([head, tail])
                relation_targets[b, row, [self._relation_index[t] for t in relation_types]] = 1.0
                relation_mask[b, row] = True
                related[b, head, tail] = True
                if relation_types & symmetric:
                    symmetric_related[b, head, tail] = True
        return GoldSpans(
            entity_spans.to(device), entity_labels.to(device), entity_mask.to(device),
            relation_pairs.to(device), relation_targets.to(device), relation_mask.to(device),
            related.to(device), symmetric_related.to(device),
        )

    # ------------------------------------------------------------------ forward

    def forward(  # type: ignore[override]
        self,
        tokens: TextFieldTensors,
        word_spans: torch.LongTensor,
        metadata: List[Dict[str, Any]],
        **kwargs,
    ) -> Dict[str, Any]:
        """
        # Parameters

        tokens : word pieces; word_spans : `(batch, words, 2)` word-piece range per word (-1 = none);
        metadata : per instance `document` (the sentence) and `labelled`.
        Other fields (`entity_types`, `relation_types`) only fill the vocabulary.
        """
        pieces = self.text_field_embedder(tokens)  # (batch, pieces, hidden)
        table = RangeMaxTable(pieces)
        cls = pieces[:, 0]
        num_words = (word_spans[..., 0] >= 0).sum(1)
        documents = self.documents_of(metadata)
        labelled = all(m.get("labelled", False) for m in metadata)
        output: Dict[str, Any] = {}

        if self.training:
            if not labelled:
                raise ConfigurationError("training needs labelled instances (read from an annotated file)")
            gold = self.gold_spans(documents, num_words)
            output.update(self._training_loss(table, cls, word_spans, num_words, gold))
            return output

        documents_out = self._predict(table, cls, word_spans, num_words, documents)
        output["document"] = documents_out
        self.score_documents(documents_out, documents if labelled else None)
        if labelled:  # the validation loss: the training loss with negatives drawn by a fixed seed
            generator = torch.Generator(device=num_words.device).manual_seed(0)
            gold = self.gold_spans(documents, num_words)
            output.update(self._training_loss(table, cls, word_spans, num_words, gold, generator))
        return output

    # ------------------------------------------------------------------ shared pieces

    def _span_representation(self, table, cls, word_spans, spans, mask):
        """
        The entity classifier's input `[CLS; max-pool; width]` of `spans` `(batch, n, 2)` as three
        parts after dropout (`linear_over_parts`: the `CLS` part, the same for every span of a
        sentence, stays `(batch, 1, hidden)` outside training), the span features `(max-pool, width)`
        of the relation pairs, and the spans' word-piece ranges.
        """
        batch, n = spans.shape[:2]
        piece_ranges = word_spans_to_pieces(word_spans, spans)
        batch_index = torch.arange(batch, device=spans.device).unsqueeze(1).expand(batch, n)
        pooled = table.query(batch_index, piece_ranges[..., 0], piece_ranges[..., 1], valid=mask)
        widths = self.width_embedding((spans[..., 1] - spans[..., 0]).clamp(0, self.max_width - 1))
        shared = cls.unsqueeze(1)
        if self.training:  # one dropout mask per span, as on the concatenation
            shared = shared.expand(batch, n, cls.size(-1))
        representation = [self.dropout(part) for part in (shared, pooled, widths)]
        return representation, (pooled, widths), piece_ranges

    def _pair_scores(self, table, span, piece_ranges, entity_scores, batch, head, tail) -> Dict[str, torch.Tensor]:
        """Scores of pairs `(batch[i], head[i], tail[i])` (indices into the span tensors; `span` the
        span features of `_span_representation`), in chunks."""
        if batch.numel() == 0:
            return self._relation_scores(table.table.new_zeros((0, self._relation_input_dim())))

        def score(pairs: torch.Tensor) -> Dict[str, torch.Tensor]:
            b, h, t = pairs.unbind(1)
            context = context_between(piece_ranges[b, h], piece_ranges[b, t])
            pooled_context = table.query(b, context[:, 0], context[:, 1])
            parts = [pooled_context] + [part[b, h] for part in span] + [part[b, t] for part in span]
            parts += self._relation_features(entity_scores, b, h, t)
            return self._relation_scores(self.dropout(torch.cat(parts, dim=-1)))

        return score_in_chunks(score, torch.stack([batch, head, tail], dim=1), self.max_pairs)

    def _relation_input_dim(self) -> int:
        return self.hidden_dim + 2 * self.span_dim

    # ------------------------------------------------------------------ training

    def _training_loss(
        self, table, cls, word_spans, num_words, gold: GoldSpans, generator: Optional[torch.Generator] = None
    ) -> Dict[str, torch.Tensor]:
        """Entity + relation loss on the gold spans and pairs and sampled negatives (drawn with
        `generator`, default torch's global one)."""
        batch = num_words.size(0)
        candidates, candidate_mask = enumerate_spans(num_words, self.max_span_size)
        negatives = candidate_mask & ~span_matches(candidates, gold.entity_spans, gold.entity_mask)
        chosen, chosen_valid = sample_from_mask(negatives, self.neg_entity_count, generator)
        negative_spans = torch.gather(candidates, 1, chosen.unsqueeze(-1).expand(-1, -1, 2))
        spans = torch.cat([gold.entity_spans, negative_spans], dim=1)
        mask = torch.cat([gold.entity_mask, chosen_valid], dim=1)
        labels = torch.cat([gold.entity_labels, torch.zeros_like(chosen)], dim=1)

        representation, span, piece_ranges = self._span_representation(table, cls, word_spans, spans, mask)
        entity_scores = self._entity_scores(representation)
        entity_loss = self._entity_loss(entity_scores, labels, mask, spans, gold)

        # relations: gold pairs + sampled unrelated pairs of gold entities (gold entities come first
        # among the span samples, so their indices carry over)
        e = gold.entity_mask.size(1)
        symmetric = torch.zeros_like(gold.related) if self.symmetric_negatives else gold.symmetric_related
        pair_candidates = negative_pair_mask(gold.entity_mask, gold.related, symmetric)
        chosen_pairs, chosen_pairs_valid = sample_from_mask(
            pair_candidates.view(batch, e * e), self.neg_relation_count, generator
        )
        negative_pairs = torch.stack([chosen_pairs // e, chosen_pairs % e], dim=-1)
        pairs = torch.cat([gold.relation_pairs, negative_pairs], dim=1)
        pair_mask = torch.cat([gold.relation_mask, chosen_pairs_valid], dim=1)
        targets = torch.cat(
            [
                gold.relation_targets,
                gold.relation_targets.new_zeros(negative_pairs.shape[:2] + (len(self.relation_types),)),
            ],
            dim=1,
        )
        rows = pair_mask.nonzero(as_tuple=True)
        head, tail = pairs[rows][:, 0], pairs[rows][:, 1]
        relation_scores = self._pair_scores(table, span, piece_ranges, entity_scores, rows[0], head, tail)
        if rows[0].numel() and self.relation_types:
            relation_loss = self._relation_loss(relation_scores, targets[rows])
        else:
            # No relation samples in the batch: the entity loss only, as the reference. The relation
            # head still takes part (scoring no pairs, a zero loss), so every parameter gets a
            # gradient in every batch, as distributed training (DDP) requires.
            relation_loss = sum(scores.sum() for scores in relation_scores.values()) * 0.0
        loss = entity_loss + relation_loss
        return {"entity_loss": entity_loss.detach(), "relation_loss": relation_loss.detach(), "loss": loss}

    # ------------------------------------------------------------------ inference

    def _predict(self, table, cls, word_spans, num_words, documents: List[Document]) -> List[Document]:
        candidates, candidate_mask = enumerate_spans(num_words, self.max_span_size)
        representation, span, piece_ranges = self._span_representation(
            table, cls, word_spans, candidates, candidate_mask
        )
        entity_scores = self._entity_scores(representation)
        types, entity_confidence, is_entity = self._decode_entity_scores(entity_scores)
        rows, columns = (is_entity & candidate_mask).nonzero(as_tuple=True)
        keep = top_per_group(rows, entity_confidence[rows, columns], self.max_entities_per_sentence)
        is_entity = torch.zeros_like(is_entity)
        is_entity[rows[keep], columns[keep]] = True
        dropped_entities = torch.bincount(rows[~keep], minlength=len(documents))
        positions, pairs = ordered_pairs_of_selected(is_entity)
        batch_index = pairs[:, 0]
        head = positions[batch_index, pairs[:, 1]]
        tail = positions[batch_index, pairs[:, 2]]
        relation_scores = self._pair_scores(table, span, piece_ranges, entity_scores, batch_index, head, tail)
        rows, relation_types, relation_confidence = self._decode_relation_scores(relation_scores)

        # relations: symmetric ones turned to their earlier head and deduplicated, then the best
        # max_relations_per_sentence kept, in tensors
        starts = candidates[..., 0]
        # highest score first, so that of a symmetric relation found in both directions the
        # higher-scoring one is kept (then back to pair order)
        order = torch.argsort(relation_confidence, descending=True, stable=True)
        rows, relation_types, relation_confidence = rows[order], relation_types[order], relation_confidence[order]
        accepted = pairs[rows]
        symmetric = self._symmetric_mask(documents, num_words.device)
        accepted, index = canonical_relations(
            accepted,
            relation_types,
            starts[accepted[:, 0], positions[accepted[:, 0], accepted[:, 1]]],
            starts[accepted[:, 0], positions[accepted[:, 0], accepted[:, 2]]],
            symmetric,
        )
        restore = torch.argsort(order[index])
        accepted, index = accepted[restore], index[restore]
        relation_types, relation_confidence = relation_types[index], relation_confidence[index]
        keep = top_per_group(accepted[:, 0], relation_confidence, self.max_relations_per_sentence)
        dropped_relations = torch.bincount(accepted[~keep, 0], minlength=len(documents))
        accepted, relation_types, relation_confidence = accepted[keep], relation_types[keep], relation_confidence[keep]

        # Python objects only for what is kept: at most max_entities_per_sentence entities per sentence
        counts = is_entity.sum(1).tolist()
        span_list = candidates[0].tolist() if candidates.size(0) else []
        types_list, confidence_list, positions_list = types.tolist(), entity_confidence.tolist(), positions.tolist()
        predicted = []
        for b, document in enumerate(documents):
            entities = [
                Entity(*span_list[p], self.entity_types[types_list[b][p]], score=confidence_list[b][p])
                for p in positions_list[b][: counts[b]]
            ]
            predicted.append((document, entities, []))
        for (b, h, t), relation_type, score in zip(
            accepted.tolist(), relation_types.tolist(), relation_confidence.tolist()
        ):
            predicted[b][2].append(Relation(h, t, self.relation_types[relation_type], score=score))
        result = [document.with_annotations(entities, relations) for document, entities, relations in predicted]
        for document, entities_lost, relations_lost in zip(
            result, dropped_entities.tolist(), dropped_relations.tolist()
        ):
            if entities_lost or relations_lost:
                self._note_cap(document, entities_lost, relations_lost)
        return result

    def _symmetric_mask(self, documents: List[Document], device) -> torch.BoolTensor:
        """`(batch, relation types)`: which relation types are symmetric in each document."""
        mask = torch.zeros((len(documents), max(len(self.relation_types), 1)), dtype=torch.bool)
        for b, document in enumerate(documents):
            for name in document.symmetric_relation_types:
                if name in self._relation_index:
                    mask[b, self._relation_index[name]] = True
        return mask.to(device)

    def _note_cap(self, document: Document, entities: int, relations: int) -> None:
        """Records on the predicted document, in the metrics and (once per metric period) in the log
        that the caps dropped lower-scoring entities / relations of a sentence."""
        lost = [
            f"{count} {what} beyond {option}={limit} dropped (lowest scores)"
            for count, what, option, limit in (
                (entities, "entities", "max_entities_per_sentence", self.max_entities_per_sentence),
                (relations, "relations", "max_relations_per_sentence", self.max_relations_per_sentence),
            )
            if count
        ]
        document.metadata["warnings"] = list(document.metadata.get("warnings", [])) + lost
        if not self._capped_sentences:
            logger.warning(
                "document %r: %s; such sentences are counted in the metric 'capped_sentences'",
                document.id, "; ".join(lost),
            )
        self._capped_sentences += 1

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = super().get_metrics(reset)
        if self._capped_sentences:
            metrics["capped_sentences"] = float(self._capped_sentences)
        if reset:
            self._capped_sentences = 0
        return metrics

    def thresholds(self) -> Dict[str, float]:
        return {"rel_filter_threshold": self.rel_filter_threshold}

    def _threshold_encoding(self, batch: Dict[str, Any]):
        word_spans = batch["word_spans"]
        pieces = self.text_field_embedder(batch["tokens"])
        num_words = (word_spans[..., 0] >= 0).sum(1)
        return RangeMaxTable(pieces), pieces[:, 0], word_spans, num_words, self.documents_of(batch["metadata"])

    def _decode_at_thresholds(self, batch: Dict[str, Any], encoding) -> List[Document]:
        return self._predict(*encoding)

    default_predictor = "joint_extraction"
