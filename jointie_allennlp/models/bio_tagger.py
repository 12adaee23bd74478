"""NER tagger (RuREBus subtask 1): transformer, first word piece per word, dropout, linear, BIO."""
from typing import Any, Dict, List, Optional

import torch
from allennlp.data import Vocabulary
from allennlp.models import Model
from allennlp.nn import InitializerApplicator

from jointie_allennlp.data.document import Entity
from jointie_allennlp.data.tagging import NER_TAG_NAMESPACE
from jointie_allennlp.models.word_tagger import WordTaggerModel, tagged_entities


def decode_bio(vocab: Vocabulary, tag_ids: torch.Tensor, probabilities: torch.Tensor, length: int) -> List[Entity]:
    """Entities of a predicted BIO tag sequence; score = mean probability of the argmax tags."""
    return tagged_entities(vocab, NER_TAG_NAMESPACE, "BIO", tag_ids, probabilities, length)[0]


@Model.register("bio_tagger")
class BioTaggerModel(WordTaggerModel):
    """
    Transformer -> first word piece of every word -> dropout -> linear -> BIO tag per word;
    cross-entropy averaged over words (padding, cut-off words and word-piece continuations are
    not in the loss: only first pieces are tagged). Predicts entities only.

    # Parameters

    Those of `WordTaggerModel` (`vocab`, `text_field_embedder`, `dropout`, `metric_per_type`), and:

    initializer : `InitializerApplicator`, optional
    """

    def __init__(self, initializer: Optional[InitializerApplicator] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if initializer is not None:
            initializer(self)

    def forward_words(self, words, mask, metadata: List[Dict[str, Any]], tags=None, **kwargs) -> Dict[str, Any]:
        logits = self.tag_logits(self.dropout(words))
        output: Dict[str, Any] = {"tag_logits": logits, "mask": mask}
        if tags is not None:
            output["loss"] = self.tag_loss(logits, tags, mask)
        if not self.training:
            probabilities = logits.detach().softmax(-1)
            predicted = probabilities.argmax(-1).masked_fill(~mask, self.outside_index)
            documents = [
                m["document"].with_annotations(self.decode_tags(t, p, len(m["document"].tokens))[0], [])
                for t, p, m in zip(predicted, probabilities, metadata)
            ]
            output["document"] = documents
            self.score_documents(documents, self.documents_of(metadata) if tags is not None else None)
        return output

    default_predictor = "joint_extraction"
