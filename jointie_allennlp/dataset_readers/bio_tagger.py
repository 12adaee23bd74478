"""Reader of the NER tagger (RuREBus subtask 1): one instance per sentence, a BIO tag per word."""
from typing import Dict

from allennlp.data import DatasetReader, Field
from allennlp.data.fields import ListField, MetadataField

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.tagging import bio_fields
from jointie_allennlp.dataset_readers.document_reader import WordTaggerReader


@DatasetReader.register("bio_tagger")
class BioTaggerReader(WordTaggerReader):
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

    def sentence_fields(self, sentence: Document, word_offsets: ListField) -> Dict[str, Field]:
        return {"metadata": MetadataField({"document": sentence}), **bio_fields(sentence, word_offsets, self.report)}
