"""The shared input path: any supported file -> `Document`s -> an approach's instances."""
import logging
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Type

from allennlp.data import DatasetReader, Field, Instance
from allennlp.data.fields import ListField, TextField
from allennlp.data.token_indexers import PretrainedTransformerIndexer

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.formats.reading import read_any
from jointie_allennlp.data.formats.brat import BratReport
from jointie_allennlp.data.formats.spert_json import TypeInventory, read_types
from jointie_allennlp.data.reports import ReadReport
from jointie_allennlp.data.tagging import TaggingReport
from jointie_allennlp.data.tokenization import get_segmenter
from jointie_allennlp.data.types import TypeCollector, TypeFilter, inventory_from_dict
from jointie_allennlp.data.windows import SentenceWindows, WindowReport
from jointie_allennlp.data.wordpieces import WordpieceAligner, WordpieceAlignment, WordpieceReport, word_offsets_field

logger = logging.getLogger(__name__)


def read_documents(
    file_path: str,
    tokenizer: str = "razdel",
    types_path: Optional[str] = None,
    brat_report: Optional[BratReport] = None,
) -> Iterator[Document]:
    """
    The documents of `file_path` by the one rule of `jointie_allennlp.data.formats.reading.read_any`
    (brat directory or file, SpERT `.json`, `.jsonl`, plain `.txt`), without the error records of a
    prediction file (inputs that failed carry no document to learn from): those are counted and
    logged. Bad input raises `FormatError` naming the file and line or document.
    """
    skipped = 0
    for document in read_any(file_path, tokenizer, types=types_path, report=brat_report):
        if "error" in document.metadata:
            skipped += 1
            continue
        yield document
    if skipped:
        logger.warning("%s: %d error records (inputs that failed) skipped", file_path, skipped)


class DocumentReader(DatasetReader):
    """
    Base class of every approach's dataset reader. It reads documents in any supported format
    (see `read_documents`); a subclass only turns a `Document` into instances, each carrying
    its (sentence) `Document` in a `MetadataField` so the model can build predicted documents and
    score them with the shared metric.

    A subclass names its counts in `report_class` (a `ReadReport` dataclass): every read starts a
    fresh `self.report`, the subclass counts into it, and the read ends by logging it under the
    subclass's module (info, or a warning naming what was lost).

    # Parameters

    tokenizer : `str`, optional (default = `"razdel"`)
        Segmenter for brat and raw text input: `razdel`, `whitespace`, `spacy[:<lang>]`.
    types_path : `str`, optional
        A SpERT `*_types.json`: the entity and relation types learnt and the symmetric ones.
    types : `Dict[str, List[str]]`, optional
        The same given inline: `{"entities": [...], "relations": [...], "symmetric": [...]}`
        (`jointie train` writes the types of the training data here). Without `types_path` and
        `types`, the types are those of the first annotated file read (allennlp reads the training
        data first), with the symmetric relation types its source declares (the `*_types.json`
        beside a SpERT JSON file, a brat directory's `annotation.conf`). Annotations of other
        types in later reads (development, test data) are left out, with a warning once per
        type and counts (`type_filter.left_out`); `self.types` holds the inventory once known.
    drop_overlapping_relations : `bool`, optional (default = `False`)
        Remove every relation whose two entities overlap (share a token), as Giorgi et al. (2019)
        do on ADE; the number removed is logged after every read (`overlapping_relations_dropped`).
        It applies to every file the reader reads, so evaluation sees the same data.
    window_overlap : `int`, optional (default = a quarter of `max_length`) for readers with a word-piece
        limit: word pieces that neighbouring windows of an over-long sentence share
        (`jointie_allennlp.data.windows`); at most half of a window.
    """

    report_class: Optional[Type[ReadReport]] = None

    def __init__(
        self,
        tokenizer: str = "razdel",
        types_path: Optional[str] = None,
        drop_overlapping_relations: bool = False,
        window_overlap: Optional[int] = None,
        types: Optional[Dict[str, List[str]]] = None,
        **kwargs,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        if types_path is not None and types is not None:
            raise ValueError("give the types either in a file (types_path) or inline (types), not both")
        self.type_filter: Optional[TypeFilter] = None
        if types is not None:
            self.type_filter = TypeFilter(inventory_from_dict(types))
        elif types_path is not None:
            self.type_filter = TypeFilter(read_types(types_path))
        self.report = self.report_class() if self.report_class is not None else None
        self.window_overlap = window_overlap
        get_segmenter(tokenizer)  # fail on an unknown name at construction
        self.tokenizer_name = tokenizer
        self.types_path = types_path
        self.drop_overlapping_relations = drop_overlapping_relations
        self.overlapping_relations_dropped = 0
        # set by readers whose encoder has a length limit (`use_windows`)
        self.windows: Optional[SentenceWindows] = None

    def use_windows(
        self, pieces_per_word: Callable[[Sequence[str]], List[int]], max_length: int, reserved: int
    ) -> None:
        """Reads sentences longer than `max_length` word pieces in overlapping windows (`self.windows`)."""
        self.windows = SentenceWindows(pieces_per_word, max_length, reserved=reserved, overlap=self.window_overlap)

    @property
    def types(self) -> Optional[TypeInventory]:
        """The entity and relation types learnt, once known (see the `types` parameter)."""
        return self.type_filter.inventory if self.type_filter is not None else None

    def read_documents(self, file_path: str) -> Iterator[Document]:
        report = BratReport()
        self.overlapping_relations_dropped = 0
        if self.windows is not None:
            self.windows.report = WindowReport()
        collector = TypeCollector() if self.type_filter is None else None  # this read gives the types
        left_out_before = self.type_filter.counts() if self.type_filter is not None else None
        for document in read_documents(file_path, self.tokenizer_name, self.types_path, report):
            if collector is not None:
                collector.add(document)
            else:
                document = self.type_filter(document, file_path)
            yield self._without_overlapping_relations(document) if self.drop_overlapping_relations else document
        if collector is not None:
            inventory = collector.inventory()
            if inventory.entity_types:
                self.type_filter = TypeFilter(inventory)
                logger.info("%s: the types learnt: %s", file_path, inventory)
        elif self.type_filter.counts() - left_out_before:
            logger.warning(
                "%s: annotations of types unseen in training left out: %s",
                file_path, TypeFilter.describe(self.type_filter.counts() - left_out_before),
            )
        if report.documents:
            logger.info("brat input %s: %s", file_path, report.as_dict())
        if self.drop_overlapping_relations:
            logger.info(
                "%s: %d relations between overlapping entities removed (drop_overlapping_relations)",
                file_path, self.overlapping_relations_dropped,
            )
        if self.windows is not None and self.windows.report.lossy:
            windows = self.windows.report
            logger.warning(
                "%s: %d of %d sentences longer than %d word pieces read in %d overlapping windows (sharing up to "
                "%d pieces); %d gold entities and %d gold relations lie in no single window (left out of the "
                "labels); %d words longer than a window cut; %s",
                file_path, windows.windowed_sentences, windows.sentences, self.windows.max_pieces, windows.windows,
                self.windows.overlap, windows.entities_outside_windows, windows.relations_outside_windows,
                windows.cut_words, windows.as_dict(),
            )

    def sentences(self, document: Document) -> List[Document]:
        """The sentence documents to make instances of: long ones in windows by `self.windows` when set."""
        if self.windows is None:
            return document.split_sentences()
        return self.windows.sentences(document)

    def _without_overlapping_relations(self, document: Document) -> Document:
        def overlapping(relation) -> bool:
            head, tail = document.entities[relation.head], document.entities[relation.tail]
            return head.start < tail.end and tail.start < head.end

        kept = [r for r in document.relations if not overlapping(r)]
        if len(kept) == len(document.relations):
            return document
        self.overlapping_relations_dropped += len(document.relations) - len(kept)
        return document.with_annotations(document.entities, kept)

    def _read(self, file_path: str) -> Iterable[Instance]:
        if self.report_class is not None:
            self.report = self.report_class()
        for document in self.shard_iterable(self.read_documents(file_path)):
            yield from self.read_instances(document)
        if self.report is not None:
            self.report.log_read(logging.getLogger(type(self).__module__), file_path)

    def read_instances(self, document: Document) -> List[Instance]:
        """The instances of a document read from a file, its annotations the gold labels."""
        return self.document_to_instances(document)

    def document_to_instances(self, document: Document) -> List[Instance]:
        """The instances of one document (gold annotations used as labels when present)."""
        raise NotImplementedError

    def text_to_instance(self, document: Document) -> Instance:  # type: ignore[override]
        instances = self.document_to_instances(document)
        if len(instances) != 1:
            raise ValueError(
                f"document {document.id!r} gives {len(instances)} instances; "
                "use document_to_instances"
            )
        return instances[0]


class WordpieceDocumentReader(DocumentReader):
    """
    A `DocumentReader` for transformer models: words are aligned to the encoder's word pieces
    (`self.aligner`, a `WordpieceAligner`) and indexed by a `pretrained_transformer` indexer
    (`self.token_indexers["tokens"]`).

    # Parameters

    transformer_model_name : `str` Hugging Face name or path of the encoder's tokenizer.
    max_length : `int`, optional (default = `512`) word pieces per sentence, special tokens
        included; longer sentences are read in windows (below).
    segment_length : `int`, optional encode longer sentences in segments of this many word pieces
        (allennlp's `max_length` of the indexer; give the embedder the same `max_length`), so
        `max_length` may exceed the encoder's limit (e.g. 512).
    tokenizer, types_path : see `DocumentReader`.
    tokenizer_kwargs : `Dict`, optional passed to the tokenizer (e.g. added special tokens).

    Sentences longer than `max_length` word pieces are read in overlapping windows (`self.windows`,
    see `jointie_allennlp.data.windows`; `window_overlap` of `DocumentReader`), so no word is cut off.
    Words that `max_length` still cuts off are counted in `self.report.truncated_words` (`align`).
    """

    report_class: Type[WordpieceReport] = WordpieceReport

    def __init__(
        self,
        transformer_model_name: str,
        max_length: int = 512,
        segment_length: Optional[int] = None,
        tokenizer: str = "razdel",
        types_path: Optional[str] = None,
        tokenizer_kwargs: Optional[Dict[str, Any]] = None,
        **kwargs,
    ) -> None:
        super().__init__(tokenizer=tokenizer, types_path=types_path, **kwargs)
        self.aligner = WordpieceAligner(
            transformer_model_name, max_length=max_length, tokenizer_kwargs=tokenizer_kwargs
        )
        self.token_indexers = {
            "tokens": PretrainedTransformerIndexer(
                transformer_model_name, max_length=segment_length, tokenizer_kwargs=tokenizer_kwargs
            )
        }
        self.use_windows(self.aligner.pieces_per_word, max_length, reserved=self.aligner.special_tokens)

    def align(self, words: Sequence[str]) -> WordpieceAlignment:
        """The word pieces of `words` (`self.aligner`), the words cut off counted in `self.report`."""
        alignment = self.aligner.align(words)
        self.report.truncated_words += alignment.truncated_words
        return alignment

    @property
    def truncated_words(self) -> int:
        """Words cut off by `max_length` in the current (or last) read."""
        return self.report.truncated_words


class WordTaggerReader(WordpieceDocumentReader):
    """
    A `WordpieceDocumentReader` for the models that tag every word (`WordTaggerModel`): one instance
    per sentence with `tokens` (word pieces of a `pretrained_transformer` indexer), `word_offsets`
    (per word the index of its first word piece; -1 for a word cut off by `max_length`) and the
    fields of the subclass's `sentence_fields`; the read is counted in a `TaggingReport`.
    """

    report_class = TaggingReport

    def document_to_instances(self, document: Document) -> List[Instance]:
        return [self.sentence_to_instance(s) for s in self.sentences(document) if s.tokens]

    def sentence_to_instance(self, sentence: Document) -> Instance:
        alignment = self.align(sentence.tokens)
        tokens = TextField(alignment.wordpieces, self.token_indexers)
        word_offsets = word_offsets_field(alignment, tokens)
        fields = {"tokens": tokens, "word_offsets": word_offsets, **self.sentence_fields(sentence, word_offsets)}
        return Instance(fields)

    def sentence_fields(self, sentence: Document, word_offsets: ListField) -> Dict[str, Field]:
        """The fields besides `tokens` and `word_offsets`: `metadata` (with the sentence) and the labels."""
        raise NotImplementedError
