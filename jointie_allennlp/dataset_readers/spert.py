"""Reader of the span-based models (SpERT, SpERT.MT): one instance per sentence, word pieces + word ranges."""
from typing import List

import torch
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import MetadataField, MultiLabelField, TensorField, TextField

from jointie_allennlp.data.document import Document
from jointie_allennlp.dataset_readers.document_reader import WordpieceDocumentReader

ENTITY_NAMESPACE = "entity_labels"
RELATION_NAMESPACE = "relation_labels"


@DatasetReader.register("spert")
class SpertReader(WordpieceDocumentReader):
    """
    One instance per sentence for the `spert` and `spert_mt` models. Fields: `tokens` (word pieces
    for a `pretrained_transformer` indexer, [CLS] first), `word_spans` (`(words, 2)` per word its
    word-piece range `[start, end)`, `-1` for a word cut off by `max_length`), `metadata`
    (`document`: the sentence with its gold annotations; `labelled`: whether it was read from an
    annotated file, so the model trains and scores on it) and `entity_types` / `relation_types`
    (the sentence's types, only so that the vocabulary knows them).

    Span candidates, gold labels and negative samples are made by the model from these, in tensors,
    fresh every batch (as the reference implementation samples afresh every epoch).

    # Parameters

    transformer_model_name : `str` Hugging Face name or path of the encoder's tokenizer.
    max_length : `int`, optional (default = `512`) word pieces per sentence, special tokens included;
        longer sentences are read in overlapping windows (`jointie_allennlp.data.windows`,
        `window_overlap`; counted, logged and listed in the prediction's `warnings`).
    segment_length : `int`, optional encode longer sentences in segments of this many word pieces
        (allennlp's `max_length` of the indexer; give the embedder the same), so `max_length` may
        exceed the encoder's limit.
    tokenizer : `str`, optional (default = `"razdel"`) segmenter for brat and raw text.
    types_path : `str`, optional SpERT types file (symmetric relation types).

    Words cut off by `max_length` are counted in `self.report` and logged after each read.
    """

    def read_instances(self, document: Document) -> List[Instance]:
        return self.document_to_instances(document, labelled=True)

    def document_to_instances(self, document: Document, labelled: bool = False) -> List[Instance]:
        """
        # Parameters

        document : `Document`
        labelled : `bool`, optional (default = `False`) the document's annotations are the gold
            standard (read from a training / evaluation file); the predictor leaves it `False`.
        """
        try:
            document.validate()
        except ValueError as error:
            raise ValueError(f"spert reader: {error}") from error
        return [self.sentence_to_instance(s, labelled) for s in self.sentences(document) if s.tokens]

    def sentence_to_instance(self, sentence: Document, labelled: bool = False) -> Instance:
        alignment = self.align(sentence.tokens)
        spans = [(-1, -1) if span is None else span for span in alignment.word_spans]
        fields = {
            "tokens": TextField(alignment.wordpieces, self.token_indexers),
            "word_spans": TensorField(torch.tensor(spans, dtype=torch.long), padding_value=-1),
            "metadata": MetadataField({"document": sentence, "labelled": labelled}),
        }
        if labelled:
            fields["entity_types"] = MultiLabelField(
                sorted({e.type for e in sentence.entities}), label_namespace=ENTITY_NAMESPACE
            )
            fields["relation_types"] = MultiLabelField(
                sorted({r.type for r in sentence.relations}), label_namespace=RELATION_NAMESPACE
            )
        return Instance(fields)
