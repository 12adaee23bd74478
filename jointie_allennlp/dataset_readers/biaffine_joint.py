"""Reader of Giorgi et al. (2019): word pieces, BIOES tags per word, gold relations for labelling pairs."""
from typing import Dict, Tuple

from allennlp.data import DatasetReader, Field
from allennlp.data.fields import ListField, MetadataField, MultiLabelField, SequenceLabelField

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.tagging import entities_to_tags
from jointie_allennlp.dataset_readers.document_reader import WordTaggerReader
from jointie_allennlp.modules.entity_pairs import entity_key

NEGATIVE_RELATION = "NEG"
TAG_NAMESPACE = "entity_tags"
RELATION_NAMESPACE = "relation_labels"


@DatasetReader.register("biaffine_joint")
class BiaffineJointReader(WordTaggerReader):
    """
    One instance per sentence for the `biaffine_joint` model. Fields: `tokens` (word pieces of a
    `pretrained_transformer` indexer), `word_offsets` (per word the index of its first word
    piece; -1 for a word cut off by `max_length`), `tags` (BIOES tags per word, written with
    allennlp's BIOUL letters: U = S(ingle), L = E(nd); only with gold entities), `relation_types`
    (the relation types of the sentence plus `NEG`, so the vocabulary knows them) and `metadata`
    (`document`: the sentence; `gold_entities`: those the tags express; `gold_relations`:
    `(head key, tail key) -> type` between those).

    BIOES cannot express nested or overlapping entities: the longer (then earlier) entity is kept,
    the others dropped from the training labels (still in `document`, so the metric counts them
    as missed). Drops, relations that lost an argument and truncated words are counted in
    `self.report` and logged after every read, with a warning when anything was dropped.

    # Parameters

    transformer_model_name : `str` Hugging Face name or path of the encoder's tokenizer.
    max_length : `int`, optional (default = `512`) word pieces per sentence, special tokens
        included; longer sentences are read in overlapping windows (`jointie_allennlp.data.windows`,
        `window_overlap`; counted, logged and listed in the prediction's `warnings`).
    segment_length : `int`, optional fold longer sentences into segments of this many word pieces
        (allennlp's `max_length` of the `pretrained_transformer` indexer; give the embedder the same
        `max_length`), so `max_length` may exceed the encoder's limit (e.g. 512).
    tokenizer : `str`, optional (default = `"razdel"`) segmenter for brat and raw text (see `DocumentReader`).
    types_path : `str`, optional SpERT types file (symmetric relation types).
    """

    def sentence_fields(self, sentence: Document, word_offsets: ListField) -> Dict[str, Field]:
        tags, kept, loss = entities_to_tags(sentence.entities, len(sentence.tokens), scheme="BIOUL")
        kept_set = set(kept)
        gold_entities = [sentence.entities[i] for i in kept]
        gold_relations: Dict[Tuple, str] = {}
        dropped_relations = 0
        for relation in sentence.relations:
            if relation.head in kept_set and relation.tail in kept_set:
                head, tail = sentence.entities[relation.head], sentence.entities[relation.tail]
                gold_relations[(entity_key(head), entity_key(tail))] = relation.type
            else:
                dropped_relations += 1
        self.report.count_tags(sentence, loss)
        self.report.relations += len(sentence.relations)
        self.report.relations_dropped += dropped_relations

        return {
            "metadata": MetadataField(
                {"document": sentence, "gold_entities": gold_entities, "gold_relations": gold_relations}
            ),
            "tags": SequenceLabelField(tags, word_offsets, label_namespace=TAG_NAMESPACE),
            # Every BIOES tag of the sentence's entity types and every relation type (plus NEG) go
            # into the vocabulary, even those that never occur as a label of a training word/pair.
            "tag_inventory": MultiLabelField(
                ["O"] + [f"{p}-{t}" for t in sorted({e.type for e in sentence.entities}) for p in "BILU"],
                label_namespace=TAG_NAMESPACE,
            ),
            "relation_types": MultiLabelField(
                [NEGATIVE_RELATION] + sorted({r.type for r in sentence.relations}),
                label_namespace=RELATION_NAMESPACE,
            ),
        }
