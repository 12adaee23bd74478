"""
Relation extraction as sequence labelling with a marked main entity, with a joint NER head
(RuREBus 2020, "Joint task learning for relation extraction and named entity recognition").
"""
from collections import Counter
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.models import Model
from allennlp.modules import TextFieldEmbedder
from allennlp.nn import InitializerApplicator, util
from allennlp.training.metrics import SpanBasedF1Measure
from torch import nn

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.formats.reading import read_any
from jointie_allennlp.dataset_readers.marked_entity import (
    NO_RELATION,
    RELATION_LABEL_NAMESPACE,
    split_relation_label,
)
from jointie_allennlp.models.base import relations_at_threshold
from jointie_allennlp.models.word_tagger import WordTaggerModel


def decode_relations(
    entities: Sequence[Entity],
    main: int,
    probabilities: torch.Tensor,
    labels: Dict[int, str],
    no_relation: int,
    length: Optional[int] = None,
) -> List[Relation]:
    """
    The decoding rule: for every entity `j` other than the main one, average the per-word
    relation-label distributions over the words of `j` (those within `length`, the words the
    encoder saw); if the most probable label of that mean is not `"0"`, predict a relation of that
    label's type, scored by its mean probability: from the main entity (head) to `j` (tail) for a
    label `<TYPE>`, from `j` to the main entity for an inverse label `<TYPE>^-1`
    (`split_relation_label`; a model trained with `directions="both"`). (A soft majority vote over
    `j`'s words; entities wholly cut off get no relation.) Nested or overlapping entities share
    words, so among overlapping entities given the same label only the longest (then the earliest)
    keeps it, as the reader labels shared words by the longer entity.

    # Parameters

    entities : the sentence's entities (given, or predicted by the NER model).
    main : index of the main (marked) entity.
    probabilities : `(words, labels)` per-word relation-label probabilities.
    labels : label index -> label; no_relation : the index of `"0"`.
    length : words the encoder saw (default: all rows of `probabilities`).

    # Returns

    The relations in the order of the other entity's index, directed as their labels say.
    """
    length = probabilities.size(0) if length is None else length
    candidates = []  # (other entity, label, score)
    for index, entity in enumerate(entities):
        end = min(entity.end, length)
        if index == main or entity.start >= end:
            continue
        mean = probabilities[entity.start : end].mean(0)
        best = int(mean.argmax())
        if best != no_relation:
            candidates.append((index, labels[best], float(mean[best])))
    kept: List[Tuple[int, str, float]] = []
    longest_first = sorted(candidates, key=lambda c: (entities[c[0]].start - entities[c[0]].end, entities[c[0]].start))
    for index, label, score in longest_first:
        entity = entities[index]
        if not any(
            other_label == label and entities[other].start < entity.end and entity.start < entities[other].end
            for other, other_label, _ in kept
        ):
            kept.append((index, label, score))
    relations = []
    for index, label, score in sorted(kept):
        relation_type, reverse = split_relation_label(label)
        head, tail = (index, main) if reverse else (main, index)
        relations.append(Relation(head, tail, relation_type, score=score))
    return relations


Signature = Tuple[str, str, str]  # (head entity type, relation type, tail entity type)


def relation_signatures(documents: Iterable[Document]) -> "Counter[Signature]":
    """How often each `(head entity type, relation type, tail entity type)` occurs in `documents`."""
    return Counter(
        (document.entities[r.head].type, r.type, document.entities[r.tail].type)
        for document in documents
        for r in document.relations
    )


@Model.register("marked_entity")
class MarkedEntityModel(WordTaggerModel):
    """
    Transformer over the sentence with marker tokens around the main entity -> first word piece
    of every original word -> dropout -> two linear heads: a relation label per word (the type of
    the relation from the main entity to an entity covering the word, `"0"` for none; trained with
    the reader's `directions="both"`, also `<TYPE>^-1` for a relation from that entity to the main
    one) and a BIO NER tag per word. `loss = ner_weight * CE_ner + relation_weight * CE_rel`
    (token-averaged). The labels the model knows are those of its vocabulary's `relation_labels`
    namespace, so one model class serves both directions settings.

    Relations are decoded with `decode_relations` over the instance's given entities (gold in
    subtask 2; the NER model's in the pipeline); the predicted document of an instance holds
    those entities and the relations of its main entity only (the `marked_entity` predictor
    merges the instances of a sentence; with both directions a relation found in the instances
    of both its entities is kept once, with the higher score). Scored per instance against the
    instance's gold (the main entity's labelled relations), a model trained with `"both"` counts
    each relation at both of its entities in its own metrics (validation, `evaluate`,
    `tune-threshold`); scores of merged documents come from the predictor (`jointie score`).
    `ner_f1` is 1 on gold entities; the NER head is scored separately as
    `ner_head_precision/recall/f1` (each sentence counted once per entity).

    The marker tokens must be in the embedder's vocabulary: give the `pretrained_transformer`
    embedder the reader's `tokenizer_kwargs` (`additional_special_tokens`); allennlp then resizes
    the embedding matrix to the tokenizer (tested in tests/models/marked_entity_test.py).

    # Parameters

    Those of `WordTaggerModel` (`vocab`, `dropout`, `metric_per_type`; `text_field_embedder` with the
    markers), and:

    ner_weight : `float`, optional (default = `0.1`) weight of the NER loss (the paper's best: 0 or 0.1).
    relation_weight : `float`, optional (default = `1.0`)
    no_relation_weight : `float`, optional (default = `1.0`) the class weight of the `"0"` label in the
        relation loss (the other labels weigh 1; allennlp's `alpha`): below 1 against the imbalance of
        RuREBus, where about 1% of the words carry a relation label.
    relation_threshold : `float`, optional (default = `0.0`) relations whose score (the mean
        probability of their label over the words of the main entity's partner) is below it are
        dropped; `tune-threshold` chooses it on dev.
    relation_signatures_from : `str`, optional (default = `None`) annotated documents (any input of
        `jointie score`, e.g. the training data's brat directory): a decoded relation is kept only
        when its signature `(head entity type, relation type, tail entity type)` occurs there, in
        at least `relation_signature_min_share` of the relations. A decoding switch (`-o` on a
        trained archive).
    relation_signature_min_share : `float`, optional (default = `0.0`) e.g. `0.001`: a signature
        must be at least 0.1% of the relations of `relation_signatures_from` (a share, so that
        one setting means the same on more or less data); 0 keeps every signature that occurs.
    initializer : `InitializerApplicator`, optional
    """

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        ner_weight: float = 0.1,
        relation_weight: float = 1.0,
        no_relation_weight: float = 1.0,
        relation_threshold: float = 0.0,
        relation_signatures_from: Optional[str] = None,
        relation_signature_min_share: float = 0.0,
        initializer: Optional[InitializerApplicator] = None,
        **kwargs,
    ) -> None:
        # made before the tag projection, so that a seed draws the same initial weights
        relation_projection = nn.Linear(
            text_field_embedder.get_output_dim(), vocab.get_vocab_size(RELATION_LABEL_NAMESPACE)
        )
        super().__init__(vocab, text_field_embedder, **kwargs)
        self.relation_projection = relation_projection
        self.relation_labels = vocab.get_index_to_token_vocabulary(RELATION_LABEL_NAMESPACE)
        if NO_RELATION not in self.relation_labels.values():
            raise ConfigurationError(f"the {RELATION_LABEL_NAMESPACE!r} namespace lacks {NO_RELATION!r}")
        self.no_relation = vocab.get_token_index(NO_RELATION, RELATION_LABEL_NAMESPACE)
        self.ner_weight = ner_weight
        self.relation_weight = relation_weight
        self.relation_threshold = relation_threshold
        self.allowed_signatures: Optional[FrozenSet[Signature]] = None
        if relation_signatures_from is not None:
            counts = relation_signatures(read_any(relation_signatures_from))
            total = sum(counts.values())
            self.allowed_signatures = frozenset(
                signature for signature, count in counts.items() if count >= relation_signature_min_share * total
            )
            if not self.allowed_signatures:
                raise ConfigurationError(
                    f"relation_signatures_from {relation_signatures_from!r}: no relation signature has "
                    f"{relation_signature_min_share:g} of its {total} relations, so every relation would be dropped"
                )
        class_weights = [1.0] * vocab.get_vocab_size(RELATION_LABEL_NAMESPACE)
        class_weights[self.no_relation] = no_relation_weight
        self.relation_class_weights = None if no_relation_weight == 1.0 else class_weights
        self._ner_head = SpanBasedF1Measure(vocab, tag_namespace=self.tag_namespace, label_encoding=self.tag_scheme)
        if initializer is not None:
            initializer(self)

    def forward_words(
        self, words, mask, metadata: List[Dict[str, Any]], tags=None, relation_labels=None, **kwargs
    ) -> Dict[str, Any]:
        """`tokens` hold the markers; `metadata` per instance `document` (the sentence, with the gold
        relations of the main entity) and `main`; `relation_labels`, `tags` : `(batch, words)` gold
        label ids."""
        words = self.dropout(words)
        relation_logits = self.relation_projection(words)
        tag_logits = self.tag_logits(words)
        output: Dict[str, Any] = {"relation_logits": relation_logits, "tag_logits": tag_logits, "mask": mask}
        loss = None
        if relation_labels is not None:
            loss = self.relation_weight * util.sequence_cross_entropy_with_logits(
                relation_logits, relation_labels, mask, average="token", alpha=self.relation_class_weights
            )
        if tags is not None:
            ner_loss = self.tag_loss(tag_logits, tags, mask)
            loss = self.ner_weight * ner_loss if loss is None else loss + self.ner_weight * ner_loss
            if not self.training:
                self._ner_head(tag_logits.detach(), tags, mask)
        if loss is not None:
            output["loss"] = loss
        if not self.training:
            documents = relations_at_threshold(self._decode(relation_logits, mask, metadata), self.relation_threshold)
            output["document"] = documents
            self.score_documents(documents, self.documents_of(metadata) if relation_labels is not None else None)
        return output

    def _decode(self, relation_logits: torch.Tensor, mask: torch.Tensor, metadata: List[Dict[str, Any]]):
        probabilities = relation_logits.detach().softmax(-1)
        documents = []
        for meta, instance_probabilities, instance_mask in zip(metadata, probabilities, mask):
            sentence = meta["document"]
            relations = decode_relations(
                sentence.entities, meta["main"], instance_probabilities, self.relation_labels,
                self.no_relation, length=int(instance_mask.sum()),
            )
            if self.allowed_signatures is not None:
                relations = [r for r in relations if (sentence.entities[r.head].type, r.type,
                                                      sentence.entities[r.tail].type) in self.allowed_signatures]
            documents.append(sentence.with_annotations(sentence.entities, relations))
        return documents

    def extraction_types(self) -> Dict[str, List[str]]:
        """As the base class, with the relation types of the inverse labels (`<TYPE>^-1` is `<TYPE>`)."""
        types = super().extraction_types()
        types["relation_types"] = sorted({split_relation_label(label)[0] for label in types["relation_types"]})
        return types

    def thresholds(self) -> Dict[str, float]:
        """The decision threshold in use (see `tune-threshold`)."""
        return {"relation_threshold": self.relation_threshold}

    def _threshold_encoding(self, batch: Dict[str, Any]) -> Tuple[torch.Tensor, torch.Tensor]:
        words, mask = self.word_vectors(batch["tokens"], batch["word_offsets"])
        return self.relation_projection(words), mask

    def _decode_at_thresholds(
        self, batch: Dict[str, Any], encoding: Tuple[torch.Tensor, torch.Tensor]
    ) -> List[Document]:
        """The relations of the given entities, unfiltered (`relations_at_threshold` filters them)."""
        relation_logits, mask = encoding
        return self._decode(relation_logits, mask, batch["metadata"])

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = super().get_metrics(reset)
        if self.training:
            if reset:
                self._ner_head.reset()
            return metrics
        head = self._ner_head.get_metric(reset)
        for name in ("precision", "recall", "f1"):
            key = "f1-measure-overall" if name == "f1" else f"{name}-overall"
            metrics[f"ner_head_{name}"] = head.get(key, 0.0)
        return metrics

    default_predictor = "marked_entity"

