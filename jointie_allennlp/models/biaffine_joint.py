"""
BERT + BIOES tagging + deep biaffine relation classifier (Giorgi et al. 2019, "End-to-end named
entity recognition and relation extraction using pre-trained language models").
"""
import logging
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.models import Model
from allennlp.modules import FeedForward, TextFieldEmbedder
from allennlp.nn import Activation, InitializerApplicator
from torch import nn

from jointie_allennlp.data.document import Entity, Relation
from jointie_allennlp.data.tagging import is_well_formed
from jointie_allennlp.dataset_readers.biaffine_joint import (
    NEGATIVE_RELATION,
    RELATION_NAMESPACE,
    TAG_NAMESPACE,
)
from jointie_allennlp.models.word_tagger import WordTaggerModel
from jointie_allennlp.modules.biaffine_scorer import BiaffineScorer
from jointie_allennlp.modules.entity_pairs import (
    batch_pair_token_indices,
    entity_key,
    pair_labels,
    score_in_chunks,
)
from jointie_allennlp.modules.label_embedding import TagEmbedding
from jointie_allennlp.modules.loss_weight_ramp import LossWeightRamp

logger = logging.getLogger(__name__)

PROJECTIONS = ("separate", "shared", "none")


@Model.register("biaffine_joint")
class BiaffineJointModel(WordTaggerModel):
    """
    NER: transformer -> first word piece of every word -> dropout -> (optional FFNN) -> linear ->
    BIOES tag per word, cross-entropy averaged over words. RE: the argmax tag of every word is
    embedded (learned entity-label embeddings) and concatenated with the encoder's last hidden
    state; candidates are all ordered pairs of predicted entities, each represented at its last
    word (the word tagged E- or S-); `FFNN_head` / `FFNN_tail` project the two vectors and a deep
    biaffine classifier scores every relation type and `NEG`. A pair whose entities are not both
    exactly (span and type) gold entities, or that no gold relation links, is labelled `NEG`.

    `loss = L_NER + λ L_RE`; with entity pre-training λ rises linearly from 0 to 1 over the first
    epoch (`loss_weight_ramp` trainer callback), then stays 1; at evaluation λ = 1.

    # Parameters

    Those of `WordTaggerModel` (`vocab`, `text_field_embedder`, `metric_per_type`; `dropout`, default
    `0.1`, also on the relation inputs and in FFNN_head / FFNN_tail; `ner_feedforward`, default
    none: one linear layer, as in the paper's reference code), and:

    entity_embedding_dim : `int`, optional (default = `128`) size of the entity-label embeddings;
        `0` leaves them out (ablation "no entity embeddings").
    projection : `str`, optional (default = `"separate"`) `separate` FFNN_head and FFNN_tail;
        `shared` one FFNN for both (ablation); `none` no FFNN, the biaffine scorer sees the token
        vectors directly (ablation).
    projection_dims : `List[int]`, optional (default = `[512, 256]`) layer sizes of each FFNN
        (ReLU and dropout after every layer).
    use_bilinear : `bool`, optional (default = `True`) `False` drops the bilinear term of the
        biaffine scorer (ablation).
    entity_pretraining : `bool`, optional (default = `True`) ramp λ from 0 to 1 over the first
        epoch; `False` uses λ = 1 from the start (ablation "no entity pre-training").
    entity_pretraining_batches : `int`, optional the ramp length in batches, when not set by the
        `loss_weight_ramp` callback.
    gold_entities : `bool`, optional (default = `False`) "RE on gold entities", meant for
        evaluation (`--overrides '{"model.gold_entities": true}'`): relation candidates and
        entity-label embeddings come from the gold entities (those BIOES can express) instead of
        the tagger's, and the predicted document keeps the gold entities, so `rel_*` scores
        measure relation classification alone. Needs annotated input.
    train_with_gold_entities : `bool`, optional (default = `False`) while training, add the gold
        entities the tagger missed to the relation candidates. The paper does not (early in
        training, when the tagger predicts no entities, there are no pairs and L_RE is 0).
    strict_relation_candidates : `bool`, optional (default = `True`) only entities whose tags are
        well-formed BIOES (`S-X`, or `B-X I-X* E-X`) are relation candidates, each at its `E-`/`S-`
        word, as the authors' code; `False`: every entity of the lenient decode (where `B-X I-X`
        without `E-X` is an entity too). The NER output is the lenient decode either way.
    max_pairs : `int`, optional (default = `1000`) outside training, relation candidates are
        projected and scored in chunks of this many pairs (the same scores; memory bounded by the
        chunk, not by the number of candidates, which grows with the square of the entities a weak
        tagger predicts). Training scores all pairs at once (one dropout draw per pair).
    initializer : `InitializerApplicator`, optional
    """

    tag_namespace = TAG_NAMESPACE
    tag_scheme = "BIOUL"

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        entity_embedding_dim: int = 128,
        projection: str = "separate",
        projection_dims: Sequence[int] = (512, 256),
        use_bilinear: bool = True,
        entity_pretraining: bool = True,
        entity_pretraining_batches: Optional[int] = None,
        gold_entities: bool = False,
        train_with_gold_entities: bool = False,
        strict_relation_candidates: bool = True,
        max_pairs: int = 1000,
        initializer: Optional[InitializerApplicator] = None,
        **kwargs,
    ) -> None:
        super().__init__(vocab, text_field_embedder, **kwargs)
        dropout = self.dropout.p
        if projection not in PROJECTIONS:
            raise ConfigurationError(f"projection must be one of {PROJECTIONS}, not {projection!r}")
        if max_pairs < 1:
            raise ConfigurationError(f"max_pairs must be positive, not {max_pairs}")
        self.max_pairs = max_pairs
        encoder_dim = text_field_embedder.get_output_dim()

        self.entity_embedding = TagEmbedding(self.num_tags, entity_embedding_dim) if entity_embedding_dim > 0 else None
        relation_input = encoder_dim + entity_embedding_dim
        self.projection = projection
        if projection == "none":
            self.head_feedforward = self.tail_feedforward = None
            pair_dim = relation_input
        else:
            self.head_feedforward = _feedforward(relation_input, projection_dims, dropout)
            if projection == "shared":
                self.tail_feedforward = self.head_feedforward
            else:
                self.tail_feedforward = _feedforward(relation_input, projection_dims, dropout)
            pair_dim = self.head_feedforward.get_output_dim()

        self.relation_labels = vocab.get_index_to_token_vocabulary(RELATION_NAMESPACE)
        if NEGATIVE_RELATION not in self.relation_labels.values():
            raise ConfigurationError(f"the {RELATION_NAMESPACE!r} namespace lacks {NEGATIVE_RELATION!r}")
        self.negative_index = vocab.get_token_index(NEGATIVE_RELATION, RELATION_NAMESPACE)
        self.biaffine = BiaffineScorer(pair_dim, len(self.relation_labels), use_bilinear=use_bilinear)

        self.loss_weight_ramp = LossWeightRamp(entity_pretraining, entity_pretraining_batches)
        self.gold_entities = gold_entities
        self.train_with_gold_entities = train_with_gold_entities
        self.strict_relation_candidates = strict_relation_candidates
        self._last_loss_weight = 0.0 if entity_pretraining else 1.0
        if initializer is not None:
            initializer(self)

    # ------------------------------------------------------------------ forward

    def forward_words(self, words, word_mask, metadata: List[Dict[str, Any]], tags=None, **kwargs) -> Dict[str, Any]:
        """`metadata` holds per instance `gold_entities` and `gold_relations` too; `tags` are BIOES
        (written with allennlp's BIOUL letters). `tag_inventory` and `relation_types` only fill the
        vocabulary."""
        tag_logits = self.tag_logits(self.dropout(words))
        predicted_tags = tag_logits.argmax(-1).masked_fill(~word_mask, self.outside_index)
        output: Dict[str, Any] = {"tag_logits": tag_logits, "mask": word_mask}

        gold_entity_lists = [m["gold_entities"] for m in metadata]
        probabilities = tag_logits.detach().softmax(-1)
        decoded = [
            self._decode_entities(t, p, len(m["document"].tokens))
            for t, p, m in zip(predicted_tags, probabilities, metadata)
        ]
        if self.gold_entities:
            if tags is None:
                raise ConfigurationError("gold_entities mode needs gold tags (annotated input)")
            candidates = [list(g) for g in gold_entity_lists]
            shown = candidates
            label_ids = tags.masked_fill(~word_mask, self.outside_index)
        else:
            shown = [entities for entities, _ in decoded]
            candidates = [
                [e for e, ok in zip(entities, well_formed) if ok or not self.strict_relation_candidates]
                for entities, well_formed in decoded
            ]
            label_ids = predicted_tags
            if self.training and self.train_with_gold_entities:
                candidates = [_union(p, g) for p, g in zip(candidates, gold_entity_lists)]

        relation_scores, pairs = self._score_pairs(words, label_ids, word_mask, candidates)

        if tags is not None:
            ner_loss = self.tag_loss(tag_logits, tags, word_mask)
            relation_loss = self._relation_loss(relation_scores, pairs, candidates, metadata, ner_loss)
            weight = self.loss_weight_ramp.step() if self.training else 1.0
            self._last_loss_weight = weight
            output["loss"] = ner_loss + weight * relation_loss
            output["ner_loss"], output["relation_loss"] = ner_loss.detach(), relation_loss.detach()

        if not self.training:
            documents = self._decode_documents(metadata, shown, candidates, pairs, relation_scores)
            output["document"] = documents
            self.score_documents(documents, self.documents_of(metadata) if tags is not None else None)
        return output

    def _decode_entities(
        self, tag_ids: torch.Tensor, probabilities: torch.Tensor, length: int
    ) -> Tuple[List[Entity], List[bool]]:
        """The lenient decode's entities and, for each, whether its tags are well-formed BIOES."""
        entities, tag_strings = self.decode_tags(tag_ids, probabilities, length)
        return entities, [is_well_formed(tag_strings, e) for e in entities]

    def _score_pairs(self, words, label_ids, word_mask, candidates):
        relation_input = words
        if self.entity_embedding is not None:
            relation_input = torch.cat([words, self.entity_embedding(label_ids, word_mask)], dim=-1)
        relation_input = self.dropout(relation_input)
        indices, pairs = batch_pair_token_indices(candidates, position="last")
        indices = indices.to(words.device)
        chunk_size = None if self.training else self.max_pairs
        return score_in_chunks(lambda chunk: self._pair_scores(relation_input, chunk), indices, chunk_size), pairs

    def _pair_scores(self, relation_input: torch.Tensor, indices: torch.LongTensor) -> torch.Tensor:
        """Relation scores `(pairs, labels)` of the pairs `indices` `(pairs, 3)`: instance, head word, tail word."""
        heads = relation_input[indices[:, 0], indices[:, 1]]
        tails = relation_input[indices[:, 0], indices[:, 2]]
        if self.head_feedforward is not None:
            heads, tails = self.head_feedforward(heads), self.tail_feedforward(tails)
        return self.biaffine(heads, tails)

    def _relation_loss(self, scores, pairs, candidates, metadata, reference: torch.Tensor) -> torch.Tensor:
        labels: List[int] = []
        for entities, instance_pairs, meta in zip(candidates, pairs, metadata):
            for label in pair_labels(entities, instance_pairs, meta["gold_relations"], NEGATIVE_RELATION):
                labels.append(self.vocab.get_token_index(label, RELATION_NAMESPACE))
        if not labels:
            # No candidate pairs (the tagger found < 2 entities anywhere in the batch): no RE loss,
            # but keep the graph connected for distributed training.
            return reference.new_zeros(()) + 0.0 * scores.sum()
        target = torch.tensor(labels, dtype=torch.long, device=scores.device)
        return nn.functional.cross_entropy(scores, target)

    def _decode_documents(self, metadata, shown, candidates, pairs, scores):
        """Documents with the `shown` entities and the relations between `candidates` (a subset)."""
        probabilities = scores.detach().softmax(-1)
        row = 0
        documents = []
        for meta, entities, instance_candidates, instance_pairs in zip(metadata, shown, candidates, pairs):
            position = {id(entity): index for index, entity in enumerate(entities)}
            relations = []
            for head, tail in instance_pairs:
                label = int(probabilities[row].argmax())
                if label != self.negative_index:
                    relations.append(
                        Relation(
                            position[id(instance_candidates[head])], position[id(instance_candidates[tail])],
                            self.relation_labels[label], score=float(probabilities[row, label]),
                        )
                    )
                row += 1
            documents.append(meta["document"].with_annotations(entities, relations))
        return documents

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = super().get_metrics(reset)
        metrics["re_weight"] = self._last_loss_weight
        return metrics

    default_predictor = "joint_extraction"


def _feedforward(input_dim: int, dims: Sequence[int], dropout: float) -> FeedForward:
    return FeedForward(input_dim, len(dims), list(dims), Activation.by_name("relu")(), dropout)


def _union(predicted: List[Entity], gold: Sequence[Entity]) -> List[Entity]:
    keys = {entity_key(e) for e in predicted}
    return predicted + [e for e in gold if entity_key(e) not in keys]
