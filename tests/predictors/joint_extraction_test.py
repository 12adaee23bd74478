"""The shared predictor, driven by a small rule-based model defined here."""
import json
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from allennlp.common.util import SigTermReceived
from allennlp.data import Instance, Vocabulary
from allennlp.data.fields import MetadataField, TensorField
from allennlp.models import Model

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.formats.brat import read_brat
from jointie_allennlp.data.output import OutputError
from jointie_allennlp.dataset_readers.document_reader import DocumentReader
from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SentenceReader(DocumentReader):
    def document_to_instances(self, document: Document) -> List[Instance]:
        return [
            Instance({"length": TensorField(torch.tensor(len(s.tokens))), "document": MetadataField(s)})
            for s in document.split_sentences()
        ]


class CapitalsModel(Model):
    """Capitalized tokens are `Cap` entities; the first two are related; 'BOOM' raises."""

    def __init__(self, vocab: Vocabulary) -> None:
        super().__init__(vocab)
        self.unused = torch.nn.Linear(1, 1)  # a Predictor needs one parameter to find the device

    def forward(self, length: torch.Tensor, document: List[Document]) -> Dict[str, object]:
        predicted = []
        for sentence in document:
            if "BOOM" in sentence.tokens:
                raise RuntimeError("model failure")
            if "STOP" in sentence.tokens:
                raise SigTermReceived()
            entities = [
                Entity(i, i + 1, "Cap", score=0.9) for i, t in enumerate(sentence.tokens) if t[:1].isupper()
            ]
            relations = [Relation(0, 1, "Rel", score=0.5)] if len(entities) > 1 else []
            predicted.append(sentence.with_annotations(entities, relations))
        return {"document": predicted}


def _predictor(**kwargs) -> JointExtractionPredictor:
    return JointExtractionPredictor(CapitalsModel(Vocabulary()), SentenceReader(), **kwargs)


def test_text_input_gives_the_shared_schema():
    result = _predictor().predict_json({"id": "a", "text": "Anna met Boris. Then Clara left."})
    assert result["id"] == "a" and result["text"] == "Anna met Boris. Then Clara left."
    assert result["sentences"] == [[0, 4], [4, 8]]
    assert [(e["text"], e["start"], e["char_start"], e["type"], e["score"]) for e in result["entities"]] == [
        ("Anna", 0, 0, "Cap", 0.9),
        ("Boris", 2, 9, "Cap", 0.9),
        ("Then", 4, 16, "Cap", 0.9),
        ("Clara", 5, 21, "Cap", 0.9),
    ]
    # relations index the document's entities after merging the sentences
    assert result["relations"] == [
        {"head": 0, "tail": 1, "type": "Rel", "score": 0.5},
        {"head": 2, "tail": 3, "type": "Rel", "score": 0.5},
    ]
    json.dumps(result)


def test_raw_text_is_split_as_the_readers_training_files_unless_the_predictor_says_otherwise():
    text = {"text": "Bill Gates of Microsoft Corp. visited Washington, D.C."}

    def tokens(predictor):
        return predictor.predict_json(text)["tokens"]

    spacy_reader = JointExtractionPredictor(CapitalsModel(Vocabulary()), SentenceReader(tokenizer="spacy:en"))
    assert tokens(spacy_reader) == ["Bill", "Gates", "of", "Microsoft", "Corp.", "visited", "Washington", ",", "D.C."]
    assert tokens(_predictor()) == ["Bill", "Gates", "of", "Microsoft", "Corp", ".", "visited", "Washington", ",",
                                    "D", ".", "C", "."]  # the reader's default, razdel
    chosen = JointExtractionPredictor(CapitalsModel(Vocabulary()), SentenceReader(tokenizer="spacy:en"),
                                      tokenizer="whitespace")
    assert tokens(chosen)[4:] == ["Corp.", "visited", "Washington,", "D.C."]


def test_english_configs_split_raw_text_with_spacy_and_russian_ones_with_razdel():
    from allennlp.common import Params

    for config, expected in [("spert/conll04.jsonnet", "spacy:en"), ("spert_mt/scierc.jsonnet", "spacy:en"),
                             ("biaffine/conll04.jsonnet", "spacy:en"),
                             ("deeper_task_specificity/conll04.jsonnet", "spacy:en"),
                             ("spert/rurebus.jsonnet", "razdel"), ("biaffine/rurebus.jsonnet", "razdel")]:
        params = Params.from_file(str(PROJECT_ROOT / "training_configs" / config))
        assert params["dataset_reader"]["tokenizer"] == expected, config


def test_tokens_input_echoes_input_and_gold():
    gold = [{"type": "Peop", "start": 0, "end": 1}]
    result = _predictor().predict_json({"id": "t", "tokens": ["Anna", "left"], "entities": gold, "source": "x"})
    assert "text" not in result
    assert result["tokens"] == ["Anna", "left"] and result["source"] == "x"
    assert result["gold_entities"] == gold
    assert result["entities"][0]["char_end"] == 4


def test_one_failing_input_does_not_stop_the_batch():
    predictor = _predictor()
    lines = ['{"id": "1", "text": "Anna left."}', "{broken", '{"id": "3", "text": "BOOM here"}', '{"text": "Ok."}']
    results = predictor.predict_batch_json([predictor.load_line(line) for line in lines])
    assert [bool(r.get("error")) for r in results] == [False, True, True, False]
    assert results[1]["error"] == (
        "input line 2: invalid JSON: Expecting property name enclosed in double quotes (column 2)"
    )
    assert results[1]["input"] == "{broken" and results[1]["input_line"] == 2
    assert results[2]["id"] == "3" and "RuntimeError: model failure" in results[2]["error"]
    assert results[2]["entities"] == []
    assert predictor.failed_inputs == 2
    assert results[3]["id"] == "line4"


def test_a_stop_request_ends_the_run_instead_of_failing_a_line():
    predictor = _predictor()
    lines = ['{"id": "1", "text": "Anna left."}', '{"id": "2", "text": "STOP here"}']
    with pytest.raises(SigTermReceived):
        predictor.predict_batch_json([predictor.load_line(line) for line in lines])
    assert predictor.failed_inputs == 0


def test_brat_output(tmp_path):
    predictor = _predictor(brat_output_dir=str(tmp_path))
    predictor.predict_json({"id": "doc/1", "text": "Anna met Boris."})
    written = read_brat(tmp_path / "doc_1.txt")
    assert [written.entity_text(e) for e in written.entities] == ["Anna", "Boris"]
    assert written.relations[0].type == "Rel"


def test_instances_from_the_dataset_reader(fixtures_dir):
    predictor = _predictor()
    instances = list(predictor._dataset_reader.read(str(fixtures_dir / "spert_json" / "conll04_like_dev.json")))
    results = predictor.predict_batch_instance(instances)
    assert len(results) == len(instances)
    assert results[0]["id"] == "201" and results[0]["entities"][0]["text"] == "Peter"
    assert predictor.predict_instance(instances[0]) == results[0]
    json.dumps(results)


def test_brat_output_gives_every_document_its_own_reported_file(tmp_path):
    predictor = _predictor(brat_output_dir=str(tmp_path))
    texts = {"1": "Anna met Boris.", "a/b": "Clara left.", "a_b": "Dora came.", ".x": "Emil stayed."}
    inputs = [{"id": 1, "text": texts["1"]}, {"id": "1", "text": "Anna saw Boris."},
              *({"id": key, "text": texts[key]} for key in ("a/b", "a_b", ".x"))]
    records = [predictor.predict_json(item) for item in inputs]
    assert [r["brat_file"] for r in records] == ["1", "1~2", "a_b", "a_b~2", "_x"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{stem}{suffix}" for stem in ("1", "1~2", "a_b", "a_b~2", "_x") for suffix in (".txt", ".ann")
    )
    assert (tmp_path / "1~2.txt").read_text("utf-8") == "Anna saw Boris."
    assert (tmp_path / "a_b~2.txt").read_text("utf-8") == "Dora came."


def test_entity_on_white_space_is_written_to_brat_without_crashing(tmp_path):
    # a model may put an entity on a token that is only white space (token input)
    document = Document("w", "A \u00a0 b", ["A", "\u00a0", "b"], [(0, 1), (2, 3), (4, 5)])
    predictor = _predictor(brat_output_dir=str(tmp_path))
    predictor._write_brat(document.with_annotations([Entity(1, 2, "Cap")], []))
    assert (tmp_path / "w.ann").read_text("utf-8") == "T1\tCap 2 3\t\u00a0\n"
    assert read_brat(tmp_path / "w.txt").metadata["brat_unsupported"] == ["T1\tCap 2 3\t\u00a0"]


def test_brat_output_that_cannot_be_written_is_reported_and_the_prediction_kept(tmp_path):
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match="not_a_folder: the output directory is a file"):
        _predictor(brat_output_dir=str(blocked))
    predictor = _predictor(brat_output_dir=str(tmp_path / "out"))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.ann").mkdir()  # made after the check: writing a.ann fails, the prediction stands
    record = predictor.predict_json({"id": "a", "text": "Anna met Boris."})
    assert "error" not in record and [e["text"] for e in record["entities"]] == ["Anna", "Boris"]
    assert "brat_file" not in record and record["brat_error"].startswith("OutputError")
    assert not (tmp_path / "out" / "a.txt").exists()  # neither file of the document is written


def test_brat_output_directory_with_files_is_refused_unless_overwrite(tmp_path):
    (tmp_path / "a.ann").write_text("T1\tX 0 1\tA\n", encoding="utf-8")
    with pytest.raises(OutputError, match="exists and is not empty: give --overwrite"):
        _predictor(brat_output_dir=str(tmp_path))
    assert (tmp_path / "a.ann").read_text("utf-8") == "T1\tX 0 1\tA\n"
    predictor = _predictor(brat_output_dir=str(tmp_path), overwrite=True)
    record = predictor.predict_json({"id": "a", "text": "Anna met Boris."})
    assert record["brat_file"] == "a" and "Anna" in (tmp_path / "a.ann").read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ann", "a.txt"]  # no temporary left
