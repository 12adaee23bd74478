"""
Reader of relation extraction as sequence labelling with a marked main entity (RuREBus 2020,
"Joint task learning for relation extraction and named entity recognition"): one instance per
(sentence, main entity), marker tokens around the main entity, per word the relation label to it.
"""
import random
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import MetadataField, MultiLabelField, SequenceLabelField, TextField

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.tagging import bio_fields
from jointie_allennlp.data.wordpieces import WordpieceReport, word_offsets_field
from jointie_allennlp.dataset_readers.document_reader import WordpieceDocumentReader

NO_RELATION = "0"
RELATION_LABEL_NAMESPACE = "relation_labels"
START_MARKER = "[E]"
END_MARKER = "[/E]"


def marker_tokens(entity_types: Sequence[str] = (), start: str = START_MARKER, end: str = END_MARKER) -> List[str]:
    """
    The marker tokens to add to the tokenizer vocabulary (`additional_special_tokens`, the same list
    for the reader's indexer and the model's embedder): the generic pair, then `[<type>]` and
    `[/<type>]` for every type of `entity_types` (typed markers).
    """
    return [start, end] + [f"[{t}]" for t in entity_types] + [f"[/{t}]" for t in entity_types]


@dataclass
class MarkedEntityReport(WordpieceReport):
    """What a read of (sentence, main entity) instances read and lost (logged after each read)."""

    instances: int = 0
    relations: int = 0
    conflicting_word_labels: int = 0
    skipped_truncated_main: int = 0
    sampled_out_main_without_relations: int = 0

    def losses(self) -> List[str]:
        losses = []
        if self.conflicting_word_labels:
            losses.append(f"{self.conflicting_word_labels} word labels of overlapping tails lost to the longer tail")
        if self.skipped_truncated_main:
            losses.append(f"{self.skipped_truncated_main} main entities cut off by max_length (no instance)")
        return losses + super().losses()


@DatasetReader.register("marked_entity")
class MarkedEntityReader(WordpieceDocumentReader):
    """
    One instance per (sentence, main entity) for the `marked_entity` model; a sentence without
    entities gives none. The words become `w_1 .. [E] w_s .. w_e [/E] .. w_n` (with typed markers
    `[MET] w_s .. w_e [/MET]` for a main entity of a type in `entity_types`).

    Fields: `tokens` (word pieces, markers included), `word_offsets` (first word piece of every
    original word, markers skipped; -1 for a word cut off), `relation_labels` (per word the type of
    the relation from the main entity (head) to an entity (tail) covering the word, `"0"` for none;
    where two tails of different types overlap, the longer tail (then the earlier) labels the
    shared words and the conflict is counted), `tags` (BIO of all the sentence's entities, for the
    joint NER head), `tag_inventory`,
    `relation_inventory` (fill the vocabulary) and `metadata`: `document` (the sentence, its
    relations limited to those from the main entity: the gold for this instance), `main` (index of
    the main entity in the sentence's entities).

    # Parameters

    transformer_model_name : `str` Hugging Face name or path of the encoder's tokenizer.
    entity_types : `List[str]`, optional types that get their own markers (default: generic markers only).
        Give the model's embedder `tokenizer_kwargs: {"additional_special_tokens": marker_tokens(...)}`
        with the same list (`rurebus.libsonnet` does).
    max_length : `int`, optional (default = `512`) word pieces per instance, markers included; longer
        sentences are read in overlapping windows (`jointie_allennlp.data.windows`, `window_overlap`):
        a main entity gets an instance in every window that holds it wholly, and its relations are
        taken from the window that owns them (a given entity that lies in no single window is
        counted and warned about; one whose end marker is still cut off gets no instance, counted).
    segment_length : `int`, optional fold instances into segments of this many word pieces (give the
        embedder the same `max_length`), so `max_length` may exceed the encoder's limit.
    tokenizer : `str`, optional (default = `"razdel"`) segmenter for brat and raw text.
    types_path : `str`, optional SpERT types file.
    main_without_relations : `float`, optional (default = `1.0`, all) the fraction of instances whose
        main entity heads no relation that are kept, drawn with `sampling_seed` (counted). A training
        option against the label imbalance; evaluation and prediction read every instance.
    sampling_seed : `int`, optional (default = `13`)
    """

    report_class = MarkedEntityReport

    def __init__(
        self,
        transformer_model_name: str,
        entity_types: Sequence[str] = (),
        max_length: int = 512,
        segment_length: Optional[int] = None,
        tokenizer: str = "razdel",
        types_path: Optional[str] = None,
        main_without_relations: float = 1.0,
        sampling_seed: int = 13,
        **kwargs,
    ) -> None:
        if not 0.0 <= main_without_relations <= 1.0:
            raise ConfigurationError(f"main_without_relations must be in [0, 1], not {main_without_relations}")
        markers = marker_tokens(list(entity_types))
        super().__init__(
            transformer_model_name, max_length=max_length, segment_length=segment_length, tokenizer=tokenizer,
            types_path=types_path, tokenizer_kwargs={"additional_special_tokens": markers}, **kwargs,
        )
        self.entity_types = set(entity_types)
        self.markers = markers
        # every instance adds two marker pieces around its main entity
        self.use_windows(self.aligner.pieces_per_word, max_length, reserved=self.aligner.special_tokens + 2)
        self.main_without_relations = main_without_relations
        self.sampling_seed = sampling_seed
        self._sampler = random.Random(sampling_seed)

    def _read(self, file_path: str) -> Iterable[Instance]:
        self._sampler = random.Random(self.sampling_seed)  # the same sample in every epoch
        yield from super()._read(file_path)

    def document_to_instances(self, document: Document) -> List[Instance]:
        instances = (
            self.sentence_to_instance(sentence, main)
            for sentence in self.sentences(document)
            for main in range(len(sentence.entities))
            if self.keeps_main(sentence, main)
        )
        return [instance for instance in instances if instance is not None]

    def keeps_main(self, sentence: Document, main: int) -> bool:
        """Whether the instance of `main` is read: always when it heads a relation, else with
        probability `main_without_relations`."""
        if self.main_without_relations >= 1.0 or any(r.head == main for r in sentence.relations):
            return True
        if self._sampler.random() < self.main_without_relations:
            return True
        self.report.sampled_out_main_without_relations += 1
        return False

    def markers_for(self, entity_type: str) -> List[str]:
        if entity_type in self.entity_types:
            return [f"[{entity_type}]", f"[/{entity_type}]"]
        return [START_MARKER, END_MARKER]

    def sentence_to_instance(self, sentence: Document, main: int) -> Optional[Instance]:
        """The instance of one main entity; `None` (counted) when `max_length` cuts off its end marker."""
        entity = sentence.entities[main]
        start_marker, end_marker = self.markers_for(entity.type)
        words = (
            sentence.tokens[: entity.start]
            + [start_marker]
            + sentence.tokens[entity.start : entity.end]
            + [end_marker]
            + sentence.tokens[entity.end :]
        )
        # positions of the original words among `words`
        positions = [i + (i >= entity.start) + (i >= entity.end) for i in range(len(sentence.tokens))]
        alignment = self.aligner.align(words)
        if alignment.word_spans[entity.end + 1] is None:
            self.report.skipped_truncated_main += 1
            return None
        tokens = TextField(alignment.wordpieces, self.token_indexers)
        word_offsets = word_offsets_field(alignment, tokens, positions)

        labels = [NO_RELATION] * len(sentence.tokens)
        own_relations = [r for r in sentence.relations if r.head == main]
        # longer tails (then earlier ones) label their words first, as `entities_to_tags` keeps them
        by_priority = sorted(
            own_relations,
            key=lambda r: (-(sentence.entities[r.tail].end - sentence.entities[r.tail].start),
                           sentence.entities[r.tail].start),
        )
        for relation in by_priority:
            tail = sentence.entities[relation.tail]
            for word in range(tail.start, tail.end):
                if labels[word] == NO_RELATION:
                    labels[word] = relation.type
                elif labels[word] != relation.type:
                    self.report.conflicting_word_labels += 1
        report = self.report
        report.instances += 1
        report.relations += len(own_relations)
        report.truncated_words += sum(1 for p in positions if alignment.word_spans[p] is None)

        gold = sentence.with_annotations(sentence.entities, own_relations)
        fields = {
            "tokens": tokens,
            "word_offsets": word_offsets,
            "relation_labels": SequenceLabelField(labels, word_offsets, label_namespace=RELATION_LABEL_NAMESPACE),
            "relation_inventory": MultiLabelField(
                [NO_RELATION] + sorted({r.type for r in sentence.relations}), label_namespace=RELATION_LABEL_NAMESPACE
            ),
            "metadata": MetadataField({"document": gold, "main": main}),
            **bio_fields(sentence, word_offsets),
        }
        return Instance(fields)
