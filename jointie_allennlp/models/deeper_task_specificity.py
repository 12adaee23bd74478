"""
Multi-task NER + RE with deeper task-specific layers (Crone 2020, "Deeper Task-Specificity Improves
Joint Entity and Relation Extraction"), with the optional ResBN-Transformer stacks.
"""
import logging
from typing import Any, Dict, List, Optional

import torch
from allennlp.common import Lazy
from allennlp.common.checks import ConfigurationError
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models import Model
from allennlp.modules import ConditionalRandomField, FeedForward, Seq2SeqEncoder, TextFieldEmbedder
from allennlp.modules.conditional_random_field import allowed_transitions
from allennlp.nn import InitializerApplicator, util
from torch import nn

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.tagging import SCHEMES, tags_to_entities
from jointie_allennlp.dataset_readers.deeper_task_specificity import RELATION_NAMESPACE, TAG_NAMESPACE
from jointie_allennlp.models.base import JointExtractionModel, without_trainable_pooler
from jointie_allennlp.modules.distmult import DistMultScorer
from jointie_allennlp.modules.entity_pairs import batch_pair_token_indices, entity_key
from jointie_allennlp.modules.label_embedding import TagEmbedding

logger = logging.getLogger(__name__)


@Model.register("deeper_task_specificity")
class DeeperTaskSpecificityModel(JointExtractionModel):
    """
    Word representations (`text_field_embedder`: e.g. word embeddings, a character BiGRU, one-hot
    casing, optionally a word-level transformer) -> dropout -> shared stack -> two branches.

    NER: dropout -> NER stack -> FF1 -> FF2 (linear, one score per tag) -> linear-chain CRF with
    the tag scheme's transition constraints; Viterbi decoding. Loss: CRF negative log-likelihood,
    summed over the batch and divided by its size.

    RE: dropout -> RE stack; each word's vector is concatenated with an embedding of its NER tag
    (gold tags while training, Viterbi tags at inference) -> dropout (`relation_dropout`). An
    entity is represented by the vector `g` of its last word. For every ordered pair of entities
    (gold ones while training, predicted ones at inference) the features are the DistMult scores
    `g_i^T diag(M_r) g_j` of every relation type r, FF(g_i), FF(g_j) and the cosine distance
    `1 - cos(g_i, g_j)`; FF2 (linear) maps them to one logit per relation type, and an element-wise
    sigmoid gives independent probabilities (so a pair may hold several types). A relation is
    predicted when its probability is at least `relation_threshold`. Loss: binary cross-entropy
    summed over pairs and types, divided by the batch size. `loss = L_NER + relation_loss_weight * L_RE`.

    A stack is any `Seq2SeqEncoder` given without its input size (`Lazy`; the model passes
    `input_size` / `input_dim`): a bidirectional `gru` / `lstm` (the paper), or
    `resbn_transformer` blocks; omitted (`null`) means no layers.

    # Parameters

    vocab : `Vocabulary`
    text_field_embedder : `TextFieldEmbedder`
    shared_encoder : `Lazy[Seq2SeqEncoder]`, optional shared stack (default none).
    ner_encoder : `Lazy[Seq2SeqEncoder]`, optional NER-specific stack (default none).
    relation_encoder : `Lazy[Seq2SeqEncoder]`, optional RE-specific stack (default none).
    ner_feedforward : `Lazy[FeedForward]`, optional FF1 of the NER branch (default none).
    relation_feedforward : `Lazy[FeedForward]`, optional FF(g) of the RE branch (default none:
        the pair features are DistMult scores and cosine distance only).
    tag_scheme : `str`, optional (default = `"BIO"`) `BIO` or `BIOUL`, as in the reader.
    label_embedding_dim : `int`, optional (default = `25`) NER-tag embeddings of the RE branch (0: none).
    dropout : `float`, optional (default = `0.35`) before every stack (pre-RNN dropout).
    relation_dropout : `float`, optional (default = `0.5`) before RE scoring.
    relation_threshold : `float`, optional (default = `0.9`) Θ, the probability to predict a relation.
    relation_loss_weight : `float`, optional (default = `5.0`) λ_r.
    gold_entities : `bool`, optional (default = `False`) evaluation only: RE over the gold entities
        (those the tags express) and gold tags, entities of the predicted document are the gold ones.
    metric_per_type : `bool`, optional (default = `True`)
    initializer : `InitializerApplicator`, optional
    """

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        shared_encoder: Optional[Lazy[Seq2SeqEncoder]] = None,
        ner_encoder: Optional[Lazy[Seq2SeqEncoder]] = None,
        relation_encoder: Optional[Lazy[Seq2SeqEncoder]] = None,
        ner_feedforward: Optional[Lazy[FeedForward]] = None,
        relation_feedforward: Optional[Lazy[FeedForward]] = None,
        tag_scheme: str = "BIO",
        label_embedding_dim: int = 25,
        dropout: float = 0.35,
        relation_dropout: float = 0.5,
        relation_threshold: float = 0.9,
        relation_loss_weight: float = 5.0,
        gold_entities: bool = False,
        metric_per_type: bool = True,
        initializer: Optional[InitializerApplicator] = None,
        **kwargs,
    ) -> None:
        super().__init__(vocab, metric_per_type=metric_per_type, **kwargs)
        if tag_scheme not in SCHEMES:
            raise ConfigurationError(f"tag_scheme must be one of {SCHEMES}, not {tag_scheme!r}")
        self.text_field_embedder = without_trainable_pooler(text_field_embedder)
        self.dropout = nn.Dropout(dropout)
        self.relation_dropout = nn.Dropout(relation_dropout)

        def stack(encoder: Optional[Lazy[Seq2SeqEncoder]], input_dim: int) -> Optional[Seq2SeqEncoder]:
            if encoder is None:
                return None
            built = encoder.construct(input_size=input_dim, input_dim=input_dim)
            if built.get_input_dim() != input_dim:
                raise ConfigurationError(f"a stack expects input size {built.get_input_dim()}, not {input_dim}")
            return built

        def output_dim(module, input_dim: int) -> int:
            return module.get_output_dim() if module is not None else input_dim

        embedding_dim = text_field_embedder.get_output_dim()
        self.shared_encoder = stack(shared_encoder, embedding_dim)
        shared_dim = output_dim(self.shared_encoder, embedding_dim)

        self.tag_scheme = tag_scheme
        self.num_tags = vocab.get_vocab_size(TAG_NAMESPACE)
        self.outside_index = vocab.get_token_index("O", TAG_NAMESPACE)
        self.ner_encoder = stack(ner_encoder, shared_dim)
        ner_dim = output_dim(self.ner_encoder, shared_dim)
        self.ner_feedforward = ner_feedforward.construct(input_dim=ner_dim) if ner_feedforward else None
        self.tag_projection = nn.Linear(output_dim(self.ner_feedforward, ner_dim), self.num_tags)
        labels = vocab.get_index_to_token_vocabulary(TAG_NAMESPACE)
        self.crf = ConditionalRandomField(
            self.num_tags, allowed_transitions(tag_scheme, labels), include_start_end_transitions=True
        )

        self.relation_encoder = stack(relation_encoder, shared_dim)
        self.label_embedding = TagEmbedding(self.num_tags, label_embedding_dim) if label_embedding_dim > 0 else None
        entity_dim = output_dim(self.relation_encoder, shared_dim) + max(label_embedding_dim, 0)
        self.relation_labels = vocab.get_index_to_token_vocabulary(RELATION_NAMESPACE)
        num_relations = len(self.relation_labels)
        self.distmult = DistMultScorer(entity_dim, num_relations)
        self.relation_feedforward = (
            relation_feedforward.construct(input_dim=entity_dim) if relation_feedforward else None
        )
        feature_dim = num_relations + 1  # DistMult scores and cosine distance
        if self.relation_feedforward is not None:
            feature_dim += 2 * self.relation_feedforward.get_output_dim()
        self.relation_projection = nn.Linear(feature_dim, num_relations)

        self.relation_threshold = relation_threshold
        self.relation_loss_weight = relation_loss_weight
        self.gold_entities = gold_entities
        if initializer is not None:
            initializer(self)

    # ------------------------------------------------------------------ forward

    def _encode(self, encoder: Optional[Seq2SeqEncoder], inputs: torch.Tensor, mask: torch.BoolTensor):
        inputs = self.dropout(inputs)
        return encoder(inputs, mask) if encoder is not None else inputs

    def forward(  # type: ignore[override]
        self,
        tokens: TextFieldTensors,
        metadata: List[Dict[str, Any]],
        tags: Optional[torch.LongTensor] = None,
        **kwargs,
    ) -> Dict[str, Any]:
        """
        # Parameters

        tokens : the words under every indexer; metadata : per instance `document`, `gold_entities`,
        `gold_relations`; tags : `(batch, words)` gold tag ids. Other fields only fill the vocabulary.
        """
        mask = util.get_text_field_mask(tokens)
        embedded = self.text_field_embedder(tokens)
        shared = embedded if self.shared_encoder is None else self.shared_encoder(self.dropout(embedded), mask)

        ner_hidden = self._encode(self.ner_encoder, shared, mask)
        if self.ner_feedforward is not None:
            ner_hidden = self.ner_feedforward(ner_hidden)
        tag_logits = self.tag_projection(ner_hidden)
        output: Dict[str, Any] = {"tag_logits": tag_logits, "mask": mask}

        use_gold = self.gold_entities or self.training
        if use_gold and tags is None:
            raise ConfigurationError("training and gold_entities mode need gold tags (annotated input)")
        if use_gold:
            # training (and gold_entities mode): gold tags and gold entities; no decoding needed
            candidates = [list(m["gold_entities"]) for m in metadata]
            label_ids = tags.masked_fill(~mask, self.outside_index)
        if not self.training:
            predicted_tags = torch.full_like(mask, self.outside_index, dtype=torch.long)
            for row, (path, _) in enumerate(self.crf.viterbi_tags(tag_logits, mask)):
                predicted_tags[row, : len(path)] = torch.tensor(path, dtype=torch.long)
            output["predicted_tags"] = predicted_tags
            if not use_gold:
                probabilities = tag_logits.detach().softmax(-1)
                candidates = [
                    self._decode_entities(t, p, len(m["document"].tokens))
                    for t, p, m in zip(predicted_tags, probabilities, metadata)
                ]
                label_ids = predicted_tags

        relation_logits, pairs = self._score_pairs(shared, label_ids, mask, candidates)

        batch_size = mask.size(0)
        if tags is not None:
            ner_loss = -self.crf(tag_logits, tags, mask) / batch_size
            relation_loss = self._relation_loss(relation_logits, pairs, candidates, metadata) / batch_size
            output["loss"] = ner_loss + self.relation_loss_weight * relation_loss
            output["ner_loss"], output["relation_loss"] = ner_loss.detach(), relation_loss.detach()

        if not self.training:
            documents = self._decode_documents(metadata, candidates, pairs, relation_logits)
            output["document"] = documents
            self.score_documents(documents, self.documents_of(metadata) if tags is not None else None)
        return output

    def _decode_entities(self, tag_ids: torch.Tensor, probabilities: torch.Tensor, length: int) -> List[Entity]:
        tag_ids = tag_ids[:length]
        tag_strings = [self.vocab.get_token_from_index(int(i), TAG_NAMESPACE) for i in tag_ids]
        chosen = probabilities[:length].gather(-1, tag_ids.unsqueeze(-1)).squeeze(-1)
        return [
            Entity(e.start, e.end, e.type, score=float(chosen[e.start : e.end].mean()))
            for e in tags_to_entities(tag_strings, scheme=self.tag_scheme)
        ]

    def _score_pairs(self, shared, label_ids, mask, candidates):
        hidden = self._encode(self.relation_encoder, shared, mask)
        if self.label_embedding is not None:
            hidden = torch.cat([hidden, self.label_embedding(label_ids, mask)], dim=-1)
        hidden = self.relation_dropout(hidden)
        indices, pairs = batch_pair_token_indices(candidates, position="last")
        indices = indices.to(hidden.device)
        heads = hidden[indices[:, 0], indices[:, 1]]
        tails = hidden[indices[:, 0], indices[:, 2]]
        features = [self.distmult(heads, tails)]
        if self.relation_feedforward is not None:
            features += [self.relation_feedforward(heads), self.relation_feedforward(tails)]
        features.append(1.0 - nn.functional.cosine_similarity(heads, tails, dim=-1).unsqueeze(-1))
        return self.relation_projection(torch.cat(features, dim=-1)), pairs

    def _relation_loss(self, logits, pairs, candidates, metadata) -> torch.Tensor:
        targets = logits.new_zeros(logits.shape)
        row = 0
        for entities, instance_pairs, meta in zip(candidates, pairs, metadata):
            keys = [entity_key(e) for e in entities]
            for head, tail in instance_pairs:
                for label in meta["gold_relations"].get((keys[head], keys[tail]), []):
                    targets[row, self.vocab.get_token_index(label, RELATION_NAMESPACE)] = 1.0
                row += 1
        # no pairs: zero, but keep the graph connected
        return nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="sum")

    def _decode_documents(self, metadata, candidates, pairs, logits):
        probabilities = logits.detach().sigmoid()
        row = 0
        documents = []
        for meta, entities, instance_pairs in zip(metadata, candidates, pairs):
            relations = []
            for head, tail in instance_pairs:
                for label in (probabilities[row] >= self.relation_threshold).nonzero().flatten().tolist():
                    relations.append(
                        Relation(head, tail, self.relation_labels[label], score=float(probabilities[row, label]))
                    )
                row += 1
            documents.append(meta["document"].with_annotations(entities, relations))
        return documents

    def thresholds(self) -> Dict[str, float]:
        """The decision threshold in use (see `tune-threshold`)."""
        return {"relation_threshold": self.relation_threshold}

    def _decode_at_thresholds(self, batch: Dict[str, Any], encoding: Any) -> List[Document]:
        """One forward pass; the entities (Viterbi tags) do not depend on Θ."""
        gold_tags = {"tags": batch["tags"]} if self.gold_entities else {}
        return self.forward(tokens=batch["tokens"], metadata=batch["metadata"], **gold_tags)["document"]

    default_predictor = "joint_extraction"
