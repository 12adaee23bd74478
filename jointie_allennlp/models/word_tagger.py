"""The tagger head shared by the models that tag every word on a word-piece encoder."""
from typing import Any, Dict, List, Optional, Tuple

import torch
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.modules import FeedForward, TextFieldEmbedder
from allennlp.nn import util
from torch import nn

from jointie_allennlp.data.document import Entity
from jointie_allennlp.data.tagging import NER_TAG_NAMESPACE, tags_to_entities
from jointie_allennlp.models.base import JointExtractionModel, without_trainable_pooler
from jointie_allennlp.modules.word_vectors import word_vectors


def tagged_entities(
    vocab: Vocabulary,
    namespace: str,
    scheme: str,
    tag_ids: torch.Tensor,
    probabilities: torch.Tensor,
    length: int,
) -> Tuple[List[Entity], List[str]]:
    """
    The entities of a predicted tag sequence (the first `length` of `tag_ids`, tags of `namespace`
    in `scheme`), each scored by the mean probability of the predicted tags over its words, and the
    tags as strings.
    """
    tags = [vocab.get_token_from_index(int(i), namespace) for i in tag_ids[:length]]
    best = probabilities.gather(-1, tag_ids.unsqueeze(-1)).squeeze(-1)
    entities = [
        Entity(e.start, e.end, e.type, score=float(best[e.start : e.end].mean()))
        for e in tags_to_entities(tags, scheme=scheme)
    ]
    return entities, tags


class WordTaggerModel(JointExtractionModel):
    """
    Base of the models that tag every word (`bio_tagger`, `biaffine_joint`, `marked_entity`): the
    encoder `text_field_embedder` (its pooler frozen), `dropout`, optional hidden layers
    `ner_feedforward` and the linear `tag_projection` onto the tags of the class's `tag_namespace`
    (written in its `tag_scheme`). `forward` takes the fields the readers share (`tokens`,
    `word_offsets`, `metadata`, `tags`), computes the word vectors and hands them to the subclass's
    `forward_words`. A subclass adds its own layers, then applies its `initializer` (an allennlp
    `InitializerApplicator`, optional) to the whole model.

    # Parameters

    vocab : `Vocabulary`
    text_field_embedder : `TextFieldEmbedder` a `pretrained_transformer` embedder over word pieces.
    dropout : `float`, optional (default = `0.1`) on the word vectors before the tagger.
    ner_feedforward : `FeedForward`, optional hidden layers before the tag projection (default none).
    metric_per_type : `bool`, optional (default = `True`) also report per-type scores.
    """

    tag_namespace: str = NER_TAG_NAMESPACE
    tag_scheme: str = "BIO"

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        dropout: float = 0.1,
        ner_feedforward: Optional[FeedForward] = None,
        **kwargs,
    ) -> None:
        super().__init__(vocab, **kwargs)
        self.text_field_embedder = without_trainable_pooler(text_field_embedder)
        self.dropout = nn.Dropout(dropout)
        self.num_tags = vocab.get_vocab_size(self.tag_namespace)
        self.outside_index = vocab.get_token_index("O", self.tag_namespace)
        self.ner_feedforward = ner_feedforward
        tagger_input = ner_feedforward.get_output_dim() if ner_feedforward else text_field_embedder.get_output_dim()
        self.tag_projection = nn.Linear(tagger_input, self.num_tags)

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
        metadata : per instance `document` (the sentence) and what the subclass's reader adds;
        tags : `(batch, words)` gold tag ids, with annotated input. The other fields go to
        `forward_words` (those that only fill the vocabulary are ignored there).
        """
        words, mask = self.word_vectors(tokens, word_offsets)
        return self.forward_words(words, mask, metadata, tags, **kwargs)

    def forward_words(
        self,
        words: torch.Tensor,
        mask: torch.BoolTensor,
        metadata: List[Dict[str, Any]],
        tags: Optional[torch.LongTensor],
        **kwargs,
    ) -> Dict[str, Any]:
        """The output of `forward`, from the word vectors `(batch, words, dim)` and the word mask."""
        raise NotImplementedError

    def word_vectors(
        self, tokens: TextFieldTensors, word_offsets: torch.LongTensor
    ) -> Tuple[torch.Tensor, torch.BoolTensor]:
        """The encoder's vector of every word `(batch, words, dim)` and the word mask (see `word_vectors`)."""
        return word_vectors(self.text_field_embedder, tokens, word_offsets)

    def tag_logits(self, words: torch.Tensor) -> torch.Tensor:
        """Tag scores `(batch, words, tags)` of word vectors that went through `self.dropout`."""
        if self.ner_feedforward is not None:
            words = self.ner_feedforward(words)
        return self.tag_projection(words)

    @staticmethod
    def tag_loss(tag_logits: torch.Tensor, tags: torch.LongTensor, mask: torch.BoolTensor) -> torch.Tensor:
        """The cross-entropy of the gold `tags`, averaged over the words of `mask`."""
        return util.sequence_cross_entropy_with_logits(tag_logits, tags, mask, average="token")

    def decode_tags(
        self, tag_ids: torch.Tensor, probabilities: torch.Tensor, length: int
    ) -> Tuple[List[Entity], List[str]]:
        """`tagged_entities` of one sentence's predicted tags (the model's namespace and scheme)."""
        return tagged_entities(self.vocab, self.tag_namespace, self.tag_scheme, tag_ids, probabilities, length)
