"""The shared predictor: raw text / tokens JSON lines in, the shared prediction schema out."""
import logging
from typing import Any, Dict, List, Optional, Sequence, Union

from allennlp.common.util import JsonDict
from allennlp.data import DatasetReader, Instance
from allennlp.models import Model
from allennlp.predictors import Predictor

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import UniqueFileStems, write_brat
from jointie_allennlp.data.formats.text import document_from_json
from jointie_allennlp.data.output import check_output
from jointie_allennlp.data.schema import error_to_json, prediction_to_json
from jointie_allennlp.data.tokenization import get_segmenter
from jointie_allennlp.data.windows import merge_windows
from jointie_allennlp.predictors.batching import INTERRUPTS, forward_in_batches
from jointie_allennlp.predictors.lines import InputRecord, LineInput, dump_record, line_of, parse_line

logger = logging.getLogger(__name__)

Predicted = Union[Document, Exception]


@Predictor.register("joint_extraction")
class JointExtractionPredictor(Predictor):
    """
    Predicts entities and relations for JSON lines `{"id"?, "text"}` or `{"id"?, "tokens"}`
    with any model of this package, and returns the shared prediction schema
    (`jointie_allennlp.data.schema.prediction_to_json`).

    One record out per record (or line) in, in order. A line that cannot be read or predicted
    does not stop the run: its record carries an `"error"` naming the input line and the reason,
    and `failed_inputs` counts it. A sentence longer than the reader's `max_length` word pieces is
    predicted in overlapping windows and merged into one record with the sentence's own word
    indices; what the model could not look at (a word cut to the encoder's window, pairs of entities
    never together in one window) is listed under `"warnings"`.

    Batching: `predict_batch_json` (what `allennlp predict --batch-size N` calls with N lines)
    pools the instances of all its documents (`DocumentReader.document_to_instances`: one per
    sentence, or per sentence and main entity) and runs them in forward passes of up to
    `batch_size` instances, shortest first; a failing document does not affect the others.
    The model returns one predicted sentence `Document` per instance under `"document"`;
    `combine_outputs` merges them back into the input document.

    Public entry points for other front ends (an HTTP server, a sharded job, `jointie_allennlp.api`):
    `predict_lines(lines)` (raw JSON lines, bytes or text) and `predict_batch_json(records)`,
    each giving one JSON-ready record per input; `predict_batch_documents(records)`, giving per
    record its predicted `Document` (or the exception that stopped it), which `output_record`
    renders as that record; `predict_documents(documents)` for documents already built;
    `dump_line(record)` writes a record as a JSON line.

    # Parameters

    model : `Model`
    dataset_reader : `DatasetReader` a `DocumentReader`.
    tokenizer : `str`, optional (default = the reader's `tokenizer`, else `"razdel"`)
        Segmenter for `text` input: `razdel`, `whitespace` or `spacy[:<lang>]`. By default raw
        text is split as the model's training files were (the English configs: `spacy:en`, which
        keeps `D.C.`, `Corp.`, `U.S.` whole as CoNLL04 and SciERC do; the Russian ones: razdel).
    brat_output_dir : `str`, optional
        Also write every prediction as brat `<id>.txt` + `<id>.ann` into this directory; an id
        that another document of the run already took as a file name, or that is not a safe file
        name, gets its own (`a/b` -> `a_b`, a second `a_b` -> `a_b~2`), named in the record's
        `"brat_file"`; a document that cannot be written gets `"brat_error"` instead. The
        directory must be new or empty (`OutputError` when the predictor is made), unless `overwrite`.
        Each file appears whole or not at all (`jointie_allennlp.data.output`).
    batch_size : `int`, optional (default = `32`)
        Instances per forward pass (across the documents of one call).
    overwrite : `bool`, optional (default = `False`)
        Write into a `brat_output_dir` that already holds files, replacing those of the same names.
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        tokenizer: Optional[str] = None,
        brat_output_dir: Optional[str] = None,
        batch_size: int = 32,
        frozen: bool = True,
        overwrite: bool = False,
    ) -> None:
        super().__init__(model, dataset_reader, frozen=frozen)
        if brat_output_dir:
            check_output(brat_output_dir, overwrite=overwrite, directory=True)
        self._overwrite = overwrite
        self._segmenter = get_segmenter(tokenizer or getattr(dataset_reader, "tokenizer_name", "razdel"))
        self._brat_output_dir = brat_output_dir
        self._brat_stems = UniqueFileStems()
        self._batch_size = batch_size
        self._lines_read = 0
        self.failed_inputs = 0

    # -------------------------------------------------------------- input and output lines

    def load_line(self, line: LineInput) -> JsonDict:  # type: ignore[override]
        """The record of the next physical input line (`allennlp predict` calls it for every line)."""
        self._lines_read += 1
        return self.parse_line(line, self._lines_read)

    def parse_line(self, line: LineInput, number: Optional[int]) -> InputRecord:
        """The record of one input line; never raises (see `jointie_allennlp.predictors.lines`)."""
        return parse_line(line, number)

    def dump_line(self, outputs: JsonDict) -> str:
        return dump_record(outputs)

    def predict_lines(self, lines: Sequence[LineInput], first_line: int = 1) -> List[JsonDict]:
        """One output record per input line (numbered from `first_line`), batched as `predict_batch_json`."""
        return self.predict_batch_json([self.parse_line(line, first_line + i) for i, line in enumerate(lines)])

    # -------------------------------------------------------------- prediction

    def prepare_document(self, document: Document) -> Document:
        """What the model sees of an input document: here its text and tokens, no annotations."""
        return document.without_annotations()

    def predict_documents(self, documents: Sequence[Document]) -> List[Predicted]:
        """Per document its predicted copy, or the exception that stopped it (batched across documents)."""
        prepared = [self.prepare_document(document) for document in documents]
        instances: List[Union[List[Instance], Exception]] = []
        for document in prepared:
            try:
                instances.append(self._dataset_reader.document_to_instances(document))  # type: ignore[attr-defined]
            except INTERRUPTS:
                raise
            except Exception as error:  # noqa: BLE001  one bad document must not end the batch
                instances.append(error)
        outputs = forward_in_batches(instances, self._model.forward_on_instances, self._batch_size)
        results: List[Predicted] = []
        for document, output in zip(prepared, outputs):
            if isinstance(output, Exception):
                results.append(output)
                continue
            try:
                results.append(self.combine_outputs(document, output))
            except INTERRUPTS:
                raise
            except Exception as error:  # noqa: BLE001
                results.append(error)
        return results

    def predict_document(self, document: Document) -> Document:
        """Predicts annotations for a document (its own annotations are ignored); raises on failure."""
        result = self.predict_documents([document])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def combine_outputs(self, document: Document, outputs: List[Dict[str, Any]]) -> Document:
        """
        Merges the per-instance predicted sentence (or window) documents into the whole document
        (`jointie_allennlp.data.windows.merge_windows`: each item from the window that owns it).
        """
        return merge_windows(document, [output["document"] for output in outputs], relations=self._predicts_relations)

    @property
    def _predicts_relations(self) -> bool:
        """Whether the model predicts relations (then entity pairs that share no window are warned about)."""
        types = getattr(self._model, "extraction_types", None)
        return bool(types()["relation_types"]) if types is not None else True

    def input_document(self, inputs: JsonDict, line: Optional[int]) -> Document:
        """The document of one input record (a subclass may accept other records)."""
        return document_from_json(inputs, f"line{line}" if line else "input", self._segmenter, line=line)

    def predict_json(self, inputs: JsonDict) -> JsonDict:
        return self.predict_batch_json([inputs])[0]

    def _write_brat(self, document: Document) -> str:
        """Writes `<stem>.txt` + `<stem>.ann`, a stem no other document of this run has; returns it."""
        stem = self._brat_stems.claim(document.id)
        if stem != document.id:
            logger.warning("document %r written to brat as %s.ann", document.id, stem)
        write_brat(document, self._brat_output_dir, name=stem, overwrite=self._overwrite)
        return stem

    def predict_batch_documents(self, inputs: Sequence[JsonDict]) -> List[Predicted]:
        """
        Per input record its predicted `Document`, or the exception that stopped it (an unreadable
        line, a record that is not a document, a failed prediction), in order; batched across the
        records as `predict_batch_json`, which renders these with `output_record`.
        """
        documents: List[Predicted] = []
        for record in inputs:
            try:
                if getattr(record, "error", None):
                    raise _UnreadableLine(record.error)
                documents.append(self.input_document(record, line_of(record)))
            except INTERRUPTS:
                raise
            except Exception as error:  # noqa: BLE001
                documents.append(error)
        readable = [i for i, document in enumerate(documents) if isinstance(document, Document)]
        for i, predicted in zip(readable, self.predict_documents([documents[i] for i in readable])):
            documents[i] = predicted
        return documents

    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        """One output record per input record, in order; see the class docstring."""
        results = self.predict_batch_documents(inputs)
        return [self.output_record(record, result) for record, result in zip(inputs, results)]

    def output_record(self, record: JsonDict, result: Predicted) -> JsonDict:
        """
        The output record of one input record and its result from `predict_batch_documents`: the
        shared prediction schema, or an error record (counted in `failed_inputs`); with
        `brat_output_dir`, the brat files are written here.
        """
        line = line_of(record)
        source = dict(record) if isinstance(record, dict) else {}
        if isinstance(result, Exception):
            self.failed_inputs += 1
            if isinstance(result, _UnreadableLine):
                message = str(result)
            else:
                where = f"input line {line}: " if line is not None else ""
                message = f"{where}{type(result).__name__}: {result}"
            logger.warning("prediction failed: %s", message)
            return error_to_json(source, message, line=line, raw=getattr(record, "raw", None))
        output = prediction_to_json(result, source)  # with the document's "warnings"
        warnings = output.get("warnings")
        if warnings:
            where = f"input line {line}" if line is not None else f"document {result.id!r}"
            logger.warning("%s: %d warning(s): %s", where, len(warnings), "; ".join(warnings))
        if self._brat_output_dir:
            try:
                output["brat_file"] = self._write_brat(result)
            except (FormatError, OSError) as error:  # the prediction stands; only its brat copy failed
                logger.warning("brat output failed: %s", error)
                output["brat_error"] = f"{type(error).__name__}: {error}"
        return output

    # `allennlp predict --use-dataset-reader`: one record per instance (a sentence of a document).

    def predict_instance(self, instance: Instance) -> JsonDict:
        return self.predict_batch_instance([instance])[0]

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        outputs = self._model.forward_on_instances(instances)
        return [prediction_to_json(output["document"]) for output in outputs]


class _UnreadableLine(ValueError):
    """An input line that could not be read (its message already names the line)."""
