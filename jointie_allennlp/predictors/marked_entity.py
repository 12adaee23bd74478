"""Predictor of the `marked_entity` model: relations between given entities (RuREBus subtask 2)."""
from pathlib import Path
from typing import Optional

from allennlp.common.util import JsonDict
from allennlp.predictors import Predictor

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.formats.brat import read_brat, read_text_file
from jointie_allennlp.data.formats.text import document_from_text
from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor
from jointie_allennlp.predictors.lines import InputRecord, LineInput


def brat_path_record(line: LineInput, number: Optional[int]) -> Optional[InputRecord]:
    """An input line naming an existing `.txt` file (brat text, `.ann` beside it optional) as a record."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            return None
    path = line.strip()
    if path.startswith("{") or not path.endswith(".txt") or not Path(path).is_file():
        return None
    return InputRecord({"id": Path(path).stem}, line=number, path=path)


class BratPathInput:
    """
    Mixin for `JointExtractionPredictor`s: besides JSON lines, an input line may be the path of a
    brat `.txt` file (`ls dev/*.txt > inputs.txt`); the document id is the file stem, so brat output
    is written as `<stem>.ann`. The `.ann` beside it is read only when the predictor takes given
    entities (`uses_given_entities`; its relations are never used); otherwise only the text is
    read, so gold entity boundaries cannot shape the tokens.
    """

    uses_given_entities = True

    def parse_line(self, line: LineInput, number: Optional[int]) -> InputRecord:
        record = brat_path_record(line, number)
        return record if record is not None else super().parse_line(line, number)

    def input_document(self, inputs: JsonDict, line: Optional[int]) -> Document:
        if getattr(inputs, "path", None):
            txt = Path(inputs.path)
            if self.uses_given_entities:
                return read_brat(txt, segmenter=self._segmenter)
            return document_from_text(txt.stem, read_text_file(txt), self._segmenter)
        return super().input_document(inputs, line)


def with_entities_only(document: Document, entities) -> Document:
    """A copy with `entities`, no relations and no format sidecar."""
    return document.without_annotations().with_annotations(entities, [])


@Predictor.register("marked_entity")
class MarkedEntityPredictor(BratPathInput, JointExtractionPredictor):
    """
    Relations between the given entities of each input: JSON lines with `tokens` and SpERT-form
    `entities` (their `relations` are ignored), or paths of brat `.txt` files with their `.ann`
    (entities read, relations ignored). Input without entities gets no relations. Each
    `(sentence, main entity)` instance predicts the relations of its main entity (those it heads;
    with a model trained on both directions also those to it); `combine_outputs` unites them,
    keeping the given entities and each relation once, with its highest score (`merge_windows`).
    Parameters as `joint_extraction`.
    """

    def prepare_document(self, document: Document) -> Document:
        """The document with its given entities only (its relations are ignored)."""
        return with_entities_only(document, document.entities)
