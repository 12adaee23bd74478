"""Reader of the NER tagger (RuREBus subtask 1): one instance per sentence, a BIO tag per word."""
from typing import List

from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import MetadataField, TextField

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.tagging import TaggingReport, bio_fields
from jointie_allennlp.data.wordpieces import word_offsets_field
from jointie_allennlp.dataset_readers.document_reader import WordpieceDocumentReader


@DatasetReader.register("bio_tagger")
class BioTaggerReader(WordpieceDocumentReader):
    """
    One instance per sentence for the `bio_tagger` model. Fields: `tokens` (word pieces of a
    `pretrained_transformer` indexer), `word_offsets` (first word piece of every word; -1 for a
    word cut off by `max_length`), `tags` (BIO per word), `tag_inventory` (fills the vocabulary)
    and `metadata` (`document`: the sentence). BIO cannot express nested or overlapping entities:
    the longer (then earlier) one is kept; the drops are counted in `self.report` and logged after
    each read.

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

    report_class = TaggingReport

    def document_to_instances(self, document: Document) -> List[Instance]:
        return [self.sentence_to_instance(s) for s in self.sentences(document) if s.tokens]

    def sentence_to_instance(self, sentence: Document) -> Instance:
        alignment = self.align(sentence.tokens)
        tokens = TextField(alignment.wordpieces, self.token_indexers)
        word_offsets = word_offsets_field(alignment, tokens)
        fields = {
            "tokens": tokens,
            "word_offsets": word_offsets,
            "metadata": MetadataField({"document": sentence}),
            **bio_fields(sentence, word_offsets, self.report),
        }
        return Instance(fields)
