"""The shared predictor: raw text / tokens JSON lines in, the shared prediction schema out."""
import json
import logging
from typing import Any, Dict, List, Optional

from allennlp.common.util import JsonDict, sanitize
from allennlp.data import DatasetReader, Instance
from allennlp.models import Model
from allennlp.predictors import Predictor

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import UniqueFileStems, write_brat
from jointie_allennlp.data.formats.text import document_from_json
from jointie_allennlp.data.schema import error_to_json, prediction_to_json
from jointie_allennlp.data.tokenization import get_segmenter

logger = logging.getLogger(__name__)


@Predictor.register("joint_extraction")
class JointExtractionPredictor(Predictor):
    """
    Predicts entities and relations for JSON lines `{"id"?, "text"}` or `{"id"?, "tokens"}`
    with any model of this package, and returns the shared prediction schema
    (`jointie_allennlp.data.schema.prediction_to_json`).

    A line that cannot be read or predicted does not stop the run: its record carries an
    `"error"` naming the input line and the reason, and `failed_inputs` counts it.

    The model's reader turns a document into instances (`DocumentReader.document_to_instances`);
    the model returns one predicted `Document` per instance under `"document"`; the predicted
    sentence documents are merged back into the input document.

    # Parameters

    model : `Model`
    dataset_reader : `DatasetReader` a `DocumentReader`.
    tokenizer : `str`, optional (default = `"razdel"`)
        Segmenter for `text` input: `razdel`, `whitespace` or `spacy[:<lang>]`.
    brat_output_dir : `str`, optional
        Also write every prediction as brat `<id>.txt` + `<id>.ann` into this directory; an id
        that another document of the run already took as a file name, or that is not a safe file
        name, gets its own (`a/b` -> `a_b`, a second `a_b` -> `a_b~2`), named in the record's
        `"brat_file"`; a document that cannot be written gets `"brat_error"` instead.
    batch_size : `int`, optional (default = `32`)
        Instances per forward pass within one document.
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        tokenizer: str = "razdel",
        brat_output_dir: Optional[str] = None,
        batch_size: int = 32,
        frozen: bool = True,
    ) -> None:
        super().__init__(model, dataset_reader, frozen=frozen)
        self._segmenter = get_segmenter(tokenizer)
        self._brat_output_dir = brat_output_dir
        self._brat_stems = UniqueFileStems()
        self._batch_size = batch_size
        self._lines_read = 0
        self.failed_inputs = 0

    # -------------------------------------------------------------- input

    def load_line(self, line: str) -> JsonDict:
        self._lines_read += 1
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            return {"__error__": f"input line {self._lines_read} (non-blank): invalid JSON: {error.msg}"}
        if isinstance(item, dict):
            item.setdefault("__line__", self._lines_read)
        return item

    def dump_line(self, outputs: JsonDict) -> str:
        return json.dumps(outputs, ensure_ascii=False) + "\n"

    # -------------------------------------------------------------- prediction

    def predict_document(self, document: Document) -> Document:
        """Predicts annotations for a document (its own annotations are ignored)."""
        unannotated = document.without_annotations()
        instances = self._dataset_reader.document_to_instances(unannotated)  # type: ignore[attr-defined]
        outputs: List[Dict[str, Any]] = []
        for start in range(0, len(instances), self._batch_size):
            outputs.extend(self._model.forward_on_instances(instances[start : start + self._batch_size]))
        return self.combine_outputs(unannotated, outputs)

    def combine_outputs(self, document: Document, outputs: List[Dict[str, Any]]) -> Document:
        """Merges the per-instance predicted sentence documents into the whole document."""
        return document.merge_sentences([output["document"] for output in outputs])

    def input_document(self, inputs: JsonDict, line: Optional[int]) -> Document:
        """The document of one input record (a subclass may accept other records)."""
        return document_from_json(inputs, f"line{line}" if line else "input", self._segmenter, line=line)

    def predict_json(self, inputs: JsonDict) -> JsonDict:
        source = {k: v for k, v in inputs.items() if not k.startswith("__")} if isinstance(inputs, dict) else {}
        line = inputs.get("__line__") if isinstance(inputs, dict) else None
        try:
            if isinstance(inputs, dict) and "__error__" in inputs:
                raise FormatError(inputs["__error__"])
            document = self.input_document(inputs, line)
            predicted = self.predict_document(document)
        except Exception as error:  # one bad input must not end the run
            self.failed_inputs += 1
            where = f"input line {line} (non-blank): " if line and "line" not in str(error) else ""
            message = f"{where}{type(error).__name__}: {error}"
            logger.warning("prediction failed: %s", message)
            return error_to_json(source, message)
        record = sanitize(prediction_to_json(predicted, source))
        if self._brat_output_dir:
            try:
                record["brat_file"] = self._write_brat(predicted)
            except (FormatError, OSError) as error:  # the prediction stands; only its brat copy failed
                logger.warning("brat output failed: %s", error)
                record["brat_error"] = f"{type(error).__name__}: {error}"
        return record

    def _write_brat(self, document: Document) -> str:
        """Writes `<stem>.txt` + `<stem>.ann`, a stem no other document of this run has; returns it."""
        stem = self._brat_stems.claim(document.id)
        if stem != document.id:
            logger.warning("document %r written to brat as %s.ann", document.id, stem)
        write_brat(document, self._brat_output_dir, name=stem)
        return stem

    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        return [self.predict_json(item) for item in inputs]

    # `allennlp predict --use-dataset-reader`: one record per instance (a sentence of a document).

    def predict_instance(self, instance: Instance) -> JsonDict:
        return self.predict_batch_instance([instance])[0]

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        outputs = self._model.forward_on_instances(instances)
        return [sanitize(prediction_to_json(output["document"])) for output in outputs]
