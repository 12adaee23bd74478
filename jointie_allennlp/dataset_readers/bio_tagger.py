"""Reader of the NER tagger (RuREBus subtask 1): one instance per sentence, a BIO tag per word."""
import logging
from typing import Iterable, List, Optional

from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import IndexField, ListField, MetadataField, MultiLabelField, SequenceLabelField, TextField

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.tagging import TaggingLoss, entities_to_tags
from jointie_allennlp.data.wordpieces import WordpieceAlignment
from jointie_allennlp.dataset_readers.document_reader import WordpieceDocumentReader

logger = logging.getLogger(__name__)

NER_TAG_NAMESPACE = "ner_tags"


def word_offsets_field(
    alignment: WordpieceAlignment, tokens: TextField, words: Optional[List[int]] = None
) -> ListField:
    """Per word the index of its first word piece (-1 for a word cut off); `words` picks the words."""
    spans = alignment.word_spans if words is None else [alignment.word_spans[w] for w in words]
    return ListField([IndexField(-1 if span is None else span[0], tokens) for span in spans])


def bio_fields(sentence: Document, word_offsets: ListField, loss: Optional[TaggingLoss] = None) -> dict:
    """`tags` (BIO over the words of `word_offsets`) and `tag_inventory` (every BIO tag of the sentence's types)."""
    tags, _, dropped = entities_to_tags(sentence.entities, len(sentence.tokens), scheme="BIO")
    if loss is not None:
        loss.nested_dropped += dropped.nested_dropped
        loss.overlapping_dropped += dropped.overlapping_dropped
    types = sorted({e.type for e in sentence.entities})
    return {
        "tags": SequenceLabelField(tags, word_offsets, label_namespace=NER_TAG_NAMESPACE),
        "tag_inventory": MultiLabelField(
            ["O"] + [f"{p}-{t}" for t in types for p in "BI"], label_namespace=NER_TAG_NAMESPACE
        ),
    }


@DatasetReader.register("bio_tagger")
class BioTaggerReader(WordpieceDocumentReader):
    """
    One instance per sentence for the `bio_tagger` model. Fields: `tokens` (word pieces of a
    `pretrained_transformer` indexer), `word_offsets` (first word piece of every word; -1 for a
    word cut off by `max_length`), `tags` (BIO per word), `tag_inventory` (fills the vocabulary)
    and `metadata` (`document`: the sentence). BIO cannot express nested or overlapping entities:
    the longer (then earlier) one is kept; the drops are counted and logged after each read.

    # Parameters

    transformer_model_name : `str` Hugging Face name or path of the encoder's tokenizer.
    max_length : `int`, optional (default = `512`) word pieces per sentence (special tokens
        included); longer sentences are read in overlapping windows (`jointie_allennlp.data.windows`,
        `window_overlap`).
    segment_length : `int`, optional fold sentences into segments of this many word pieces (give
        the embedder the same `max_length`), so `max_length` may exceed the encoder's limit.
    tokenizer : `str`, optional (default = `"razdel"`) segmenter for brat and raw text.
    types_path : `str`, optional SpERT types file.
    """

    def __init__(
        self,
        transformer_model_name: str,
        max_length: int = 512,
        segment_length: Optional[int] = None,
        tokenizer: str = "razdel",
        types_path: Optional[str] = None,
        **kwargs,
    ) -> None:
        super().__init__(
            transformer_model_name, max_length=max_length, segment_length=segment_length,
            tokenizer=tokenizer, types_path=types_path, **kwargs,
        )
        self.loss = TaggingLoss()
        self.truncated_words = 0

    def _read(self, file_path: str) -> Iterable[Instance]:
        self.loss, self.truncated_words = TaggingLoss(), 0
        yield from super()._read(file_path)
        if self.loss.total or self.truncated_words:
            logger.warning(
                "%s: BIO cannot express %d nested and %d overlapping gold entities (dropped from the "
                "training labels); %d words cut off by max_length",
                file_path, self.loss.nested_dropped, self.loss.overlapping_dropped, self.truncated_words,
            )

    def document_to_instances(self, document: Document) -> List[Instance]:
        return [self.sentence_to_instance(s) for s in self.sentences(document) if s.tokens]

    def sentence_to_instance(self, sentence: Document) -> Instance:
        alignment = self.aligner.align(sentence.tokens)
        self.truncated_words += alignment.truncated_words
        tokens = TextField(alignment.wordpieces, self.token_indexers)
        word_offsets = word_offsets_field(alignment, tokens)
        fields = {
            "tokens": tokens,
            "word_offsets": word_offsets,
            "metadata": MetadataField({"document": sentence}),
            **bio_fields(sentence, word_offsets, self.loss),
        }
        return Instance(fields)
