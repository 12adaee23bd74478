"""
Reader of relation extraction as sequence labelling with a marked main entity (RuREBus 2020,
"Joint task learning for relation extraction and named entity recognition"): one instance per
(sentence, main entity), marker tokens around the main entity, per word the relation label to it.

Relation labels: `<TYPE>` on the words of the tail of a relation from the main entity (head) to
another entity; with `directions="both"` also `<TYPE>^-1` (the inverse relation) on the words of
the head of a relation whose tail is the main entity; `"0"` for none. `relation_label` writes and
`split_relation_label` reads this encoding.
"""
import random
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import MetadataField, MultiLabelField, SequenceLabelField, TextField

from jointie_allennlp.data.document import Document, Relation
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.tagging import bio_fields
from jointie_allennlp.data.wordpieces import WordpieceReport, word_offsets_field
from jointie_allennlp.dataset_readers.document_reader import WordpieceDocumentReader

NO_RELATION = "0"
RELATION_LABEL_NAMESPACE = "relation_labels"
START_MARKER = "[E]"
END_MARKER = "[/E]"
#: appended to a relation type for the inverse relation: the labelled word's entity is the head
REVERSE_SUFFIX = "^-1"
#: the values of the reader's `directions` option
DIRECTIONS = ("head", "both")


def relation_label(relation_type: str, reverse: bool = False) -> str:
    """The label of a relation of `relation_type` from the main entity (`reverse`: to it)."""
    return relation_type + REVERSE_SUFFIX if reverse else relation_type


def split_relation_label(label: str) -> Tuple[str, bool]:
    """`(relation type, reverse)` of a relation label (`relation_label` inverted)."""
    if label.endswith(REVERSE_SUFFIX):
        return label[: -len(REVERSE_SUFFIX)], True
    return label, False


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
    reverse_relations: int = 0
    conflicting_word_labels: int = 0
    skipped_truncated_main: int = 0
    sampled_out_main_without_relations: int = 0

    def losses(self) -> List[str]:
        losses = []
        if self.conflicting_word_labels:
            losses.append(
                f"{self.conflicting_word_labels} word labels of overlapping related entities lost to the longer one"
            )
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
    original word, markers skipped; -1 for a word cut off), `relation_labels` (per word: the type
    of the relation from the main entity (head) to an entity (tail) covering the word; with
    `directions="both"` also `<TYPE>^-1` for the relation from an entity covering the word (head)
    to the main entity (tail); `"0"` for none; where two related entities overlap, or one entity is
    related to the main one in both directions, the longer entity (then the earlier, then the
    relation from the main entity) labels the shared words and the conflict is counted), `tags`
    (BIO of all the sentence's entities, for the joint NER head), `tag_inventory`,
    `relation_inventory` (fill the vocabulary) and `metadata`: `document` (the sentence, its
    relations limited to those of the main entity: from it, and with `"both"` also to it; the gold
    for this instance), `main` (index of the main entity in the sentence's entities).

    # Parameters

    transformer_model_name : `str` Hugging Face name or path of the encoder's tokenizer.
    entity_types : `List[str]`, optional types that get their own markers (default: generic markers only).
        Give the model's embedder `tokenizer_kwargs: {"additional_special_tokens": marker_tokens(...)}`
        with the same list (`rurebus.libsonnet` does).
    directions : `str`, optional (default = `"head"`) which relations of the main entity are labelled:
        `"head"` those it heads (the label on the tail's words); `"both"` also those whose tail it is
        (`<TYPE>^-1` on the head's words), so that every relation is labelled in the instances of
        both its entities. A relation type ending in `^-1` is refused (`FormatError` naming the document).
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
        main entity has no labelled relation (heads none; with `"both"`: is the argument of none) that
        are kept, drawn with `sampling_seed` (counted). A training option against the label
        imbalance; evaluation and prediction read every instance.
    sampling_seed : `int`, optional (default = `13`)
    """

    report_class = MarkedEntityReport

    def __init__(
        self,
        transformer_model_name: str,
        entity_types: Sequence[str] = (),
        directions: str = "head",
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
        if directions not in DIRECTIONS:
            raise ConfigurationError(
                f"directions must be one of {', '.join(map(repr, DIRECTIONS))}, not {directions!r}"
            )
        markers = marker_tokens(list(entity_types))
        super().__init__(
            transformer_model_name, max_length=max_length, segment_length=segment_length, tokenizer=tokenizer,
            types_path=types_path, tokenizer_kwargs={"additional_special_tokens": markers}, **kwargs,
        )
        self.entity_types = set(entity_types)
        self.markers = markers
        self.directions = directions
        # every instance adds two marker pieces around its main entity
        self.use_windows(self.aligner.pieces_per_word, max_length, reserved=self.aligner.special_tokens + 2)
        self.main_without_relations = main_without_relations
        self.sampling_seed = sampling_seed
        self._sampler = random.Random(sampling_seed)

    def _read(self, file_path: str) -> Iterable[Instance]:
        self._sampler = random.Random(self.sampling_seed)  # the same sample in every epoch
        yield from super()._read(file_path)

    def document_to_instances(self, document: Document) -> List[Instance]:
        for relation in document.relations:
            if relation.type.endswith(REVERSE_SUFFIX):
                raise FormatError(
                    f"relation type {relation.type!r} ends with {REVERSE_SUFFIX!r}, the suffix of the "
                    "marked_entity reader's inverse-relation labels; rename the type",
                    document=document.id,
                )
        instances = (
            self.sentence_to_instance(sentence, main)
            for sentence in self.sentences(document)
            for main in range(len(sentence.entities))
            if self.keeps_main(sentence, main)
        )
        return [instance for instance in instances if instance is not None]

    def labelled_relations(self, sentence: Document, main: int) -> List[Relation]:
        """The relations of `main` that its instance labels: those it heads, with `"both"` also those to it."""
        return [
            r for r in sentence.relations if r.head == main or (self.directions == "both" and r.tail == main)
        ]

    def keeps_main(self, sentence: Document, main: int) -> bool:
        """Whether the instance of `main` is read: always when it has a labelled relation, else with
        probability `main_without_relations`."""
        if self.main_without_relations >= 1.0 or self.labelled_relations(sentence, main):
            return True
        if self._sampler.random() < self.main_without_relations:
            return True
        self.report.sampled_out_main_without_relations += 1
        return False

    def markers_for(self, entity_type: str) -> List[str]:
        if entity_type in self.entity_types:
            return [f"[{entity_type}]", f"[/{entity_type}]"]
        return [START_MARKER, END_MARKER]

    def relation_labels(self, sentence: Document, main: int, relations: Sequence[Relation]) -> List[str]:
        """
        Per word of `sentence` its relation label in the instance of `main`, from `relations` (those
        of `main`): the label of a relation sits on the words of its other entity. Longer entities
        (then earlier ones, then relations from `main`) label their words first, as
        `entities_to_tags` keeps them; a word that another label already took is counted as a conflict.
        """
        labels = [NO_RELATION] * len(sentence.tokens)

        def other(relation: Relation) -> int:
            return relation.tail if relation.head == main else relation.head

        by_priority = sorted(
            relations,
            key=lambda r: (-(sentence.entities[other(r)].end - sentence.entities[other(r)].start),
                           sentence.entities[other(r)].start, r.head != main),
        )
        for relation in by_priority:
            entity = sentence.entities[other(relation)]
            label = relation_label(relation.type, reverse=relation.head != main)
            for word in range(entity.start, entity.end):
                if labels[word] == NO_RELATION:
                    labels[word] = label
                elif labels[word] != label:
                    self.report.conflicting_word_labels += 1
        return labels

    def label_inventory(self, sentence: Document) -> List[str]:
        """Every label the relation types of `sentence` can give (for the vocabulary)."""
        types = sorted({r.type for r in sentence.relations})
        reverse = [relation_label(t, reverse=True) for t in types] if self.directions == "both" else []
        return [NO_RELATION] + types + reverse

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

        own_relations = self.labelled_relations(sentence, main)
        labels = self.relation_labels(sentence, main, own_relations)
        report = self.report
        report.instances += 1
        report.relations += sum(1 for r in own_relations if r.head == main)
        report.reverse_relations += sum(1 for r in own_relations if r.head != main)
        report.truncated_words += sum(1 for p in positions if alignment.word_spans[p] is None)

        gold = sentence.with_annotations(sentence.entities, own_relations)
        inventory = self.label_inventory(sentence)
        fields = {
            "tokens": tokens,
            "word_offsets": word_offsets,
            "relation_labels": SequenceLabelField(labels, word_offsets, label_namespace=RELATION_LABEL_NAMESPACE),
            "relation_inventory": MultiLabelField(inventory, label_namespace=RELATION_LABEL_NAMESPACE),
            "metadata": MetadataField({"document": gold, "main": main}),
            **bio_fields(sentence, word_offsets),
        }
        return Instance(fields)
