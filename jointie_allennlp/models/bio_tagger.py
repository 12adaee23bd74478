"""NER tagger (RuREBus subtask 1): transformer, first word piece per word, dropout, linear, BIO."""
from typing import Any, Dict, List, Optional, Tuple

import torch
from allennlp.data import Vocabulary
from allennlp.models import Model
from allennlp.modules.conditional_random_field import allowed_transitions
from allennlp.nn import InitializerApplicator, util

from jointie_allennlp.data.document import Entity
from jointie_allennlp.data.tagging import NER_TAG_NAMESPACE
from jointie_allennlp.models.word_tagger import WordTaggerModel, tagged_entities


def decode_bio(vocab: Vocabulary, tag_ids: torch.Tensor, probabilities: torch.Tensor, length: int) -> List[Entity]:
    """Entities of a predicted BIO tag sequence; score = mean probability of the predicted tags."""
    return tagged_entities(vocab, NER_TAG_NAMESPACE, "BIO", tag_ids, probabilities, length)[0]


def bio_transitions(vocab: Vocabulary) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """
    allennlp's BIO constraints (`allowed_transitions`) as `viterbi_decode` takes them: the
    `(tags, tags)` transition matrix and the start and end vectors, 0 where allowed, -inf elsewhere
    (an `I-X` follows only `B-X` or `I-X`, and no sentence starts with one).
    """
    labels = vocab.get_index_to_token_vocabulary(NER_TAG_NAMESPACE)
    count = len(labels)
    allowed = torch.full((count + 2, count + 2), float("-inf"))
    for source, target in allowed_transitions("BIO", labels):
        allowed[source, target] = 0.0
    return allowed[:count, :count], allowed[count, :count], allowed[:count, count + 1]


@Model.register("bio_tagger")
class BioTaggerModel(WordTaggerModel):
    """
    Transformer -> first word piece of every word -> dropout -> linear -> BIO tag per word;
    cross-entropy averaged over words (padding, cut-off words and word-piece continuations are
    not in the loss: only first pieces are tagged). Predicts entities only.

    # Parameters

    Those of `WordTaggerModel` (`vocab`, `text_field_embedder`, `dropout`, `metric_per_type`), and:

    constrained_decoding : `bool`, optional (default = `False`) decode each sentence's tags with
        Viterbi over the log-probabilities under the BIO constraints (`bio_transitions`) instead of
        taking each word's most probable tag (where a stray `I-X` opens an entity of its own). A
        decoding switch only: the weights and the loss are the same (`-o` on a trained archive).
    initializer : `InitializerApplicator`, optional
    """

    def __init__(
        self, constrained_decoding: bool = False, initializer: Optional[InitializerApplicator] = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.constrained_decoding = constrained_decoding
        self._transitions = bio_transitions(self.vocab) if constrained_decoding else None
        if initializer is not None:
            initializer(self)

    def forward_words(self, words, mask, metadata: List[Dict[str, Any]], tags=None, **kwargs) -> Dict[str, Any]:
        logits = self.tag_logits(self.dropout(words))
        output: Dict[str, Any] = {"tag_logits": logits, "mask": mask}
        if tags is not None:
            output["loss"] = self.tag_loss(logits, tags, mask)
        if not self.training:
            probabilities = logits.detach().softmax(-1)
            predicted = self.predicted_tags(probabilities, mask)
            documents = [
                m["document"].with_annotations(self.decode_tags(t, p, len(m["document"].tokens))[0], [])
                for t, p, m in zip(predicted, probabilities, metadata)
            ]
            output["document"] = documents
            self.score_documents(documents, self.documents_of(metadata) if tags is not None else None)
        return output

    def predicted_tags(self, probabilities: torch.Tensor, mask: torch.BoolTensor) -> torch.LongTensor:
        """`(batch, words)` tag ids: each word's most probable tag, or the constrained Viterbi path; `O` on padding."""
        predicted = probabilities.argmax(-1).masked_fill(~mask, self.outside_index)
        if self._transitions is None:
            return predicted
        transitions, start, end = self._transitions
        for row, (sentence, length) in enumerate(zip(probabilities.float().log(), mask.sum(-1).tolist())):
            if length:
                path, _ = util.viterbi_decode(sentence[:length], transitions, allowed_start_transitions=start,
                                              allowed_end_transitions=end)
                predicted[row, :length] = torch.tensor(path)
        return predicted

    default_predictor = "joint_extraction"
