"""End-to-end RuREBus subtask 3: an NER archive, then a relation archive over its entities."""
from typing import Any, Dict, List, Optional, Sequence

from allennlp.data import DatasetReader
from allennlp.models import Model
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from jointie_allennlp.data.document import Document
from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor, Predicted
from jointie_allennlp.predictors.marked_entity import BratPathInput, MarkedEntityPredictor, with_entities_only


@Predictor.register("pipeline")
class PipelinePredictor(BratPathInput, JointExtractionPredictor):
    """
    Runs the archive it is loaded from (an NER model, e.g. `bio_tagger`) on every input, then the
    relation model of `re_archive` (a `marked_entity` model, of either `directions`; each relation
    is written once) over the predicted entities:

        allennlp predict ner/model.tar.gz inputs --predictor pipeline --include-package jointie_allennlp \\
            --predictor-args '{"re_archive": "re/model.tar.gz", "brat_output_dir": "out/"}' \\
            --output-file predictions.jsonl --silent

    Input lines: JSON `{"id"?, "text"}` / `{"id"?, "tokens"}`, or paths of brat `.txt` files (one per
    line; the document id is the file stem, so `out/<stem>.ann` sits beside a copy of the text).
    Output: the shared prediction schema; with `brat_output_dir`, brat `.txt` + `.ann` files.

    # Parameters

    model, dataset_reader : the NER model and its reader (from the archive given to `allennlp predict`).
    re_archive : `str` path of the relation model's `model.tar.gz`.
    gold_entities : `bool`, optional (default = `False`) skip NER and use the entities of the input
        (brat `.ann` beside the `.txt`, or SpERT-form `entities`): RuREBus subtask 2.
    cuda_device : `int`, optional (default = `-1`) device of the relation model.
    re_overrides : `Dict`, optional overrides of the relation archive's config, e.g.
        `{"model.relation_threshold": 0.5}` (a threshold chosen with `tune-threshold`).
    tokenizer, brat_output_dir, batch_size, overwrite : as `joint_extraction` (a `brat_output_dir`
        that holds files is refused unless `overwrite`).
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        re_archive: str,
        gold_entities: bool = False,
        cuda_device: int = -1,
        re_overrides: Optional[Dict[str, Any]] = None,
        tokenizer: Optional[str] = None,
        brat_output_dir: Optional[str] = None,
        batch_size: int = 32,
        frozen: bool = True,
        overwrite: bool = False,
    ) -> None:
        super().__init__(
            model, dataset_reader, tokenizer=tokenizer, brat_output_dir=brat_output_dir,
            batch_size=batch_size, frozen=frozen, overwrite=overwrite,
        )
        archive = load_archive(re_archive, cuda_device=cuda_device, overrides=re_overrides or "")
        relation_model = archive.model
        relation_model.eval()
        self.relation_predictor = MarkedEntityPredictor(
            relation_model, archive.validation_dataset_reader, tokenizer=tokenizer, batch_size=batch_size
        )
        self.gold_entities = gold_entities

    @property
    def uses_given_entities(self) -> bool:  # type: ignore[override]
        return self.gold_entities

    def predict_documents(self, documents: Sequence[Document]) -> List[Predicted]:
        """Entities by the NER model (or the given ones), then relations between them; batched across documents."""
        if self.gold_entities:
            recognised: List[Predicted] = list(documents)
        else:
            recognised = super().predict_documents(documents)
        ok = [i for i, result in enumerate(recognised) if isinstance(result, Document)]
        given = [with_entities_only(documents[i], recognised[i].entities) for i in ok]
        results: List[Predicted] = list(recognised)
        for i, related in zip(ok, self.relation_predictor.predict_documents(given)):
            if isinstance(related, Document):
                warnings = recognised[i].metadata.get("warnings", []) + related.metadata.get("warnings", [])
                if warnings:
                    related.metadata["warnings"] = list(dict.fromkeys(warnings))
            results[i] = related
        return results
