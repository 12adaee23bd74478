"""Reader of Crone (2020): words with configurable token indexers, BIO/BIOUL tags, gold relations."""
from typing import Dict, List, Optional, Tuple

from allennlp.data import DatasetReader, Instance, Token
from allennlp.data.fields import MetadataField, MultiLabelField, SequenceLabelField, TextField
from allennlp.data.token_indexers import (
    PretrainedTransformerMismatchedIndexer,
    SingleIdTokenIndexer,
    TokenCharactersIndexer,
    TokenIndexer,
)

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.tagging import SCHEMES, TaggingReport, entities_to_tags
from jointie_allennlp.data.wordpieces import WordpieceAligner
from jointie_allennlp.dataset_readers.document_reader import DocumentReader
from jointie_allennlp.data.casing import CasingIndexer
from jointie_allennlp.modules.entity_pairs import entity_key

TAG_NAMESPACE = "entity_tags"
RELATION_NAMESPACE = "relation_labels"


@DatasetReader.register("deeper_task_specificity")
class DeeperTaskSpecificityReader(DocumentReader):
    """
    One instance per sentence for the `deeper_task_specificity` model. Fields: `tokens` (the
    sentence's words under every configured token indexer), `tags` (BIO or BIOUL tag per word;
    only with gold entities), `tag_inventory` and `relation_types` (fill the vocabulary with every
    tag and relation type seen) and `metadata` (`document`: the sentence; `gold_entities`: those the
    tags express; `gold_relations`: `(head key, tail key)` -> list of relation types between those).

    Tags cannot express nested or overlapping entities: the longer (then earlier) one is kept, the
    others dropped from the training labels (the metric still counts them as missed); drops and
    relations that lost an argument are counted in `self.report` and logged after every read.

    # Parameters

    token_indexers : `Dict[str, TokenIndexer]`, optional (default = words (`tokens`, lower-cased),
        characters (`token_characters`) and casing classes (`casing`)). Add a
        `pretrained_transformer_mismatched` indexer for a word-level transformer embedding.
    tag_scheme : `str`, optional (default = `"BIO"`) `BIO` or `BIOUL`.
    tokenizer : `str`, optional (default = `"razdel"`) segmenter for brat and raw text.
    types_path : `str`, optional SpERT types file (symmetric relation types).
    max_length : `int`, optional (default = `512`) with a `pretrained_transformer_mismatched`
        indexer: word pieces per sentence (special tokens included); longer sentences are read in
        overlapping windows (`jointie_allennlp.data.windows`, `window_overlap`). Without one, sentences
        are not limited.
    """

    report_class = TaggingReport

    def __init__(
        self,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        tag_scheme: str = "BIO",
        max_length: int = 512,
        tokenizer: str = "razdel",
        types_path: Optional[str] = None,
        **kwargs,
    ) -> None:
        super().__init__(tokenizer=tokenizer, types_path=types_path, **kwargs)
        if tag_scheme not in SCHEMES:
            raise ValueError(f"unknown tag scheme {tag_scheme!r}; use one of {SCHEMES}")
        self.tag_scheme = tag_scheme
        self.token_indexers = token_indexers or {
            "tokens": SingleIdTokenIndexer(lowercase_tokens=True),
            "token_characters": TokenCharactersIndexer(min_padding_length=1),
            "casing": CasingIndexer(),
        }
        indexers = self.token_indexers.values()
        transformers = [i for i in indexers if isinstance(i, PretrainedTransformerMismatchedIndexer)]
        if transformers:
            aligner = WordpieceAligner(transformers[0]._tokenizer.name_or_path)
            self.use_windows(aligner.pieces_per_word, max_length, reserved=aligner.special_tokens)

    def document_to_instances(self, document: Document) -> List[Instance]:
        return [self.sentence_to_instance(s) for s in self.sentences(document) if s.tokens]

    def sentence_to_instance(self, sentence: Document) -> Instance:
        tokens = TextField([Token(t) for t in sentence.tokens], self.token_indexers)
        tags, kept, loss = entities_to_tags(sentence.entities, len(sentence.tokens), scheme=self.tag_scheme)
        kept_set = set(kept)
        gold_relations: Dict[Tuple, List[str]] = {}
        dropped = 0
        for relation in sentence.relations:
            if relation.head in kept_set and relation.tail in kept_set:
                key = (entity_key(sentence.entities[relation.head]), entity_key(sentence.entities[relation.tail]))
                gold_relations.setdefault(key, [])
                if relation.type not in gold_relations[key]:
                    gold_relations[key].append(relation.type)
            else:
                dropped += 1
        self.report.count_tags(sentence, loss)
        self.report.relations += len(sentence.relations)
        self.report.relations_dropped += dropped
        prefixes = "BI" if self.tag_scheme == "BIO" else "BILU"
        fields = {
            "tokens": tokens,
            "metadata": MetadataField(
                {
                    "document": sentence,
                    "gold_entities": [sentence.entities[i] for i in kept],
                    "gold_relations": gold_relations,
                }
            ),
            "tags": SequenceLabelField(tags, tokens, label_namespace=TAG_NAMESPACE),
            "tag_inventory": MultiLabelField(
                ["O"] + [f"{p}-{t}" for t in sorted({e.type for e in sentence.entities}) for p in prefixes],
                label_namespace=TAG_NAMESPACE,
            ),
            "relation_types": MultiLabelField(
                sorted({r.type for r in sentence.relations}), label_namespace=RELATION_NAMESPACE
            ),
        }
        return Instance(fields)
