"""NER tagger (RuREBus subtask 1): transformer, first word piece per word, dropout, linear, BIO."""
from typing import Any, Dict, List, Optional

import torch
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models import Model
from allennlp.modules import TextFieldEmbedder
from allennlp.nn import InitializerApplicator, util

from jointie_allennlp.data.document import Entity
from jointie_allennlp.data.tagging import NER_TAG_NAMESPACE, tags_to_entities
from jointie_allennlp.models.word_tagger import WordTaggerModel


def decode_bio(vocab: Vocabulary, tag_ids: torch.Tensor, probabilities: torch.Tensor, length: int) -> List[Entity]:
    """Entities of a predicted BIO tag sequence; score = mean probability of the argmax tags."""
    tags = [vocab.get_token_from_index(int(i), NER_TAG_NAMESPACE) for i in tag_ids[:length]]
    best = probabilities.max(-1).values
    return [
        Entity(e.start, e.end, e.type, score=float(best[e.start : e.end].mean()))
        for e in tags_to_entities(tags, scheme="BIO")
    ]


@Model.register("bio_tagger")
class BioTaggerModel(WordTaggerModel):
    """
    Transformer -> first word piece of every word -> dropout -> linear -> BIO tag per word;
    cross-entropy averaged over words (padding, cut-off words and word-piece continuations are
    not in the loss: only first pieces are tagged). Predicts entities only.

    # Parameters

    vocab : `Vocabulary`
    text_field_embedder : `TextFieldEmbedder` a `pretrained_transformer` embedder.
    dropout : `float`, optional (default = `0.1`)
    metric_per_type : `bool`, optional (default = `True`)
    initializer : `InitializerApplicator`, optional
    """

    tag_namespace = NER_TAG_NAMESPACE

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        dropout: float = 0.1,
        metric_per_type: bool = True,
        initializer: Optional[InitializerApplicator] = None,
        **kwargs,
    ) -> None:
        super().__init__(vocab, text_field_embedder, dropout=dropout, metric_per_type=metric_per_type, **kwargs)
        if initializer is not None:
            initializer(self)

    def forward(  # type: ignore[override]
        self,
        tokens: TextFieldTensors,
        word_offsets: torch.LongTensor,
        metadata: List[Dict[str, Any]],
        tags: Optional[torch.LongTensor] = None,
        **kwargs,
    ) -> Dict[str, Any]:
        """
        # Parameters

        tokens : word pieces; `word_offsets` `(batch, words, 1)` first piece per word (-1 = none);
        metadata : per instance `document` (the sentence); tags : `(batch, words)` gold BIO ids.
        """
        words, mask = self.word_vectors(tokens, word_offsets)
        logits = self.tag_logits(self.dropout(words))
        output: Dict[str, Any] = {"tag_logits": logits, "mask": mask}
        if tags is not None:
            output["loss"] = util.sequence_cross_entropy_with_logits(logits, tags, mask, average="token")
        if not self.training:
            probabilities = logits.detach().softmax(-1)
            predicted = probabilities.argmax(-1).masked_fill(~mask, self.outside_index)
            documents = [
                m["document"].with_annotations(decode_bio(self.vocab, t, p, len(m["document"].tokens)), [])
                for t, p, m in zip(predicted, probabilities, metadata)
            ]
            output["document"] = documents
            self.score_documents(documents, self.documents_of(metadata) if tags is not None else None)
        return output

    default_predictor = "joint_extraction"
