"""The tagger head shared by the models that tag every word on a word-piece encoder."""
from typing import Optional, Tuple

import torch
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.modules import FeedForward, TextFieldEmbedder
from torch import nn

from jointie_allennlp.models.base import JointExtractionModel, without_trainable_pooler
from jointie_allennlp.modules.word_vectors import word_vectors


class WordTaggerModel(JointExtractionModel):
    """
    Base of the models that tag every word (`bio_tagger`, `biaffine_joint`, `marked_entity`): the
    encoder `text_field_embedder` (its pooler frozen), `dropout`, optional hidden layers
    `ner_feedforward` and the linear `tag_projection` onto the tags of the class's `tag_namespace`.
    A subclass adds its own layers, then applies its `initializer` to the whole model.

    # Parameters

    vocab : `Vocabulary`
    text_field_embedder : `TextFieldEmbedder` a `pretrained_transformer` embedder over word pieces.
    dropout : `float`, optional (default = `0.1`) on the word vectors before the tagger.
    ner_feedforward : `FeedForward`, optional hidden layers before the tag projection (default none).
    """

    tag_namespace: str = "ner_tags"

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
