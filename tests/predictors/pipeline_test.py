"""End to end on the Russian fixtures: NER archive -> marked-entity RE archive -> brat files."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from jointie_allennlp.cli import main as jointie_main
from jointie_allennlp.data.formats.brat import read_brat, read_brat_directory

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
BRAT = FIXTURES / "brat"


def train(config: str, directory: Path, **changes: str) -> Path:
    ext_vars = {
        "TRANSFORMER_MODEL": str(FIXTURES / "tiny_bert"),
        "TRAIN_DATA_PATH": str(BRAT),
        "VALIDATION_DATA_PATH": str(BRAT),
        "TEST_DATA_PATH": "",
        "NUM_EPOCHS": "2",
        "BATCH_SIZE": "4",
        "MAX_INSTANCES": "",
        **changes,
    }
    params = Params.from_file(str(PROJECT_ROOT / "training_configs" / config), ext_vars=ext_vars)
    train_model(params, serialization_dir=str(directory))
    return directory / "model.tar.gz"


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    root = tmp_path_factory.mktemp("rurebus")
    return train("rurebus/ner.jsonnet", root / "ner"), train("rurebus/re.jsonnet", root / "re")


def pipeline(archives, **kwargs):
    extra_args = {"re_archive": str(archives[1]), **kwargs}
    return Predictor.from_archive(load_archive(str(archives[0])), "pipeline", extra_args=extra_args)


def assert_valid_brat(directory: Path, stems):
    assert sorted(p.stem for p in directory.glob("*.ann")) == sorted(stems)
    for stem in stems:
        document = read_brat(directory / f"{stem}.txt")  # raises on invalid brat
        assert document.text == (BRAT / f"{stem}.txt").read_text(encoding="utf-8")
        lines = (directory / f"{stem}.ann").read_text(encoding="utf-8").splitlines()
        for line in lines:
            if line.startswith("T"):
                _, type_and_span, text = line.split("\t")
                _, start, end = type_and_span.split(" ")
                assert document.text[int(start) : int(end)] == text
        assert sum(line.startswith("T") for line in lines) == len(document.entities)
        assert sum(line.startswith("R") for line in lines) == len(document.relations)
        for relation in document.relations:
            assert relation.head != relation.tail


def test_pipeline_on_brat_paths_writes_brat_that_reads_back(archives, tmp_path):
    out = tmp_path / "out"
    predictor = pipeline(archives, brat_output_dir=str(out))
    inputs = [predictor.load_line(f"{BRAT / name}\n") for name in ("doc1.txt", "doc2.txt")]
    assert inputs[0].path.endswith("doc1.txt") and inputs[0] == {"id": "doc1"} and inputs[0].line == 1
    records = [predictor.predict_json(item) for item in inputs]
    assert predictor.failed_inputs == 0
    assert [r["id"] for r in records] == ["doc1", "doc2"]
    assert_valid_brat(out, ["doc1", "doc2"])
    # the end-to-end pipeline does not read the gold .ann: tokens come from the text alone
    assert predictor.input_document(inputs[0], 1).entities == []


def test_pipeline_with_gold_entities_keeps_them(archives, tmp_path):
    out = tmp_path / "given"
    predictor = pipeline(archives, brat_output_dir=str(out), gold_entities=True)
    predictor.predict_json(predictor.load_line(str(BRAT / "doc1.txt")))
    gold = read_brat(BRAT / "doc1.txt")
    predicted = read_brat(out / "doc1.txt")
    spans = lambda d: sorted((d.char_span(e), e.type) for e in d.entities)  # noqa: E731
    assert spans(predicted) == spans(gold) and len(gold.entities) == 12
    assert_valid_brat(out, ["doc1"])
    # every predicted relation connects two given entities
    assert all(0 <= r.head < len(predicted.entities) for r in predicted.relations)


def test_relation_archive_overrides_reach_the_relation_model(archives):
    def relations(predictor):
        record = predictor.predict_json(predictor.load_line(str(BRAT / "doc1.txt")))
        return record["relations"]

    every = relations(pipeline(archives, gold_entities=True))
    assert every  # the fixture model relates some given entities
    middle = sorted(r["score"] for r in every)[len(every) // 2]
    filtered = pipeline(archives, gold_entities=True, re_overrides={"model.relation_threshold": middle})
    assert filtered.relation_predictor._model.relation_threshold == middle
    assert relations(filtered) == [r for r in every if r["score"] >= middle] != every


def test_a_relation_archive_of_both_directions_writes_each_relation_once(archives, tmp_path):
    both = train("rurebus/re.jsonnet", tmp_path / "re_both", RELATION_DIRECTIONS="both", NO_RELATION_WEIGHT="0.05")
    out = tmp_path / "out"
    predictor = pipeline((archives[0], both), brat_output_dir=str(out), gold_entities=True)
    assert predictor.relation_predictor._dataset_reader.directions == "both"
    records = [predictor.predict_json(predictor.load_line(str(BRAT / name))) for name in ("doc1.txt", "doc2.txt")]
    assert predictor.failed_inputs == 0
    assert_valid_brat(out, ["doc1", "doc2"])
    relations = [(record["id"], r["head"], r["tail"], r["type"]) for record in records for r in record["relations"]]
    assert relations and len(relations) == len(set(relations))
    assert not any(r[3].endswith("^-1") for r in relations)  # relation types, never inverse labels


def test_pipeline_raw_text_line(archives):
    predictor = pipeline(archives)
    text = "Администрация края планирует увеличить инвестиции в промышленность."
    record = predictor.predict_json(predictor.load_line(json.dumps({"id": "r3", "text": text})))
    assert "error" not in record and record["id"] == "r3"
    bad = predictor.predict_json(predictor.load_line("{not json"))
    assert "error" in bad and predictor.failed_inputs == 1


def test_allennlp_predict_and_rurebus_score(archives, tmp_path, capsys):
    inputs = tmp_path / "inputs.txt"
    inputs.write_text(f"{BRAT / 'doc1.txt'}\n{BRAT / 'doc2.txt'}\n", encoding="utf-8")
    out = tmp_path / "pred"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = json.dumps({"re_archive": str(archives[1]), "brat_output_dir": str(out)})
    subprocess.run(
        [sys.executable, "-m", "allennlp", "predict", str(archives[0]), str(inputs), "--predictor", "pipeline",
         "--predictor-args", args, "--include-package", "jointie_allennlp", "--silent",
         "--output-file", str(tmp_path / "pred.jsonl")],
        check=True, env=env, cwd=PROJECT_ROOT, capture_output=True,
    )
    assert len((tmp_path / "pred.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    assert_valid_brat(out, ["doc1", "doc2"])
    assert jointie_main(["score", str(BRAT), str(out), "--rurebus"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    summary = result["rurebus"]
    assert summary["entities"] == "predicted"
    assert summary["subtask_1_ner"]["f1"] == result["ner_f1"]
    assert set(summary) == {"entities", "subtask_1_ner", "subtask_3_relations", "subtask_3_relations_directed"}
    assert len(list(read_brat_directory(out))) == 2


def run_rurebus_benchmark(archives, out: Path, *extra: str) -> dict:
    """Runs benchmarks/rurebus_pipeline.py on the brat fixtures; its printed row."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "rurebus_pipeline.py"), *map(str, archives),
         "--test", str(BRAT), "--output-dir", str(out), "--threads", "1", "--no-record", *extra],
        check=True, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
    )
    return json.loads(result.stdout[result.stdout.index("{"):])


@pytest.mark.parametrize("gold_entities", [False, True])
def test_rurebus_pipeline_benchmark_row(archives, tmp_path, gold_entities):
    """benchmarks/rurebus_pipeline.py: predict + `score --rurebus`, a row with the scorer's numbers."""
    out = tmp_path / "bench"
    row = run_rurebus_benchmark(archives, out, *(["--gold-entities"] if gold_entities else []))
    scores = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert_valid_brat(out / "brat", ["doc1", "doc2"])
    subtask = 2 if gold_entities else 3
    assert row["ner_f1"] == scores["ner_f1"] == scores["rurebus"]["subtask_1_ner"]["f1"]
    assert row["rel_strict_f1"] == scores["rel_strict_f1"]
    assert row["rurebus_relations_f1"] == scores["rurebus"][f"subtask_{subtask}_relations"]["f1"]
    if gold_entities:
        assert row["ner_f1"] == 1.0 and row["rurebus_entities"] == "given (gold)" and row["epochs"] == "gold+2"
    else:
        assert row["rurebus_entities"] == "predicted" and row["epochs"] == "2+2"
    assert row["test_documents"] == 2 and row["test_sentences"] > 0


def test_rurebus_benchmark_scores_a_joint_model_from_raw_text_on_the_same_scale(tmp_path):
    """One archive (here `spert/rurebus.jsonnet`): the joint predictor reads each `.txt` as raw text."""
    archive = train("spert/rurebus.jsonnet", tmp_path / "spert")
    out = tmp_path / "bench"
    row = run_rurebus_benchmark([archive], out)
    scores = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert_valid_brat(out / "brat", ["doc1", "doc2"])
    inputs = [json.loads(line) for line in (out / "inputs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [record["id"] for record in inputs] == ["doc1", "doc2"]
    assert inputs[0]["text"] == (BRAT / "doc1.txt").read_text(encoding="utf-8")
    assert row["approach"] == "spert" and row["epochs"] == 2 and "re_archive" not in row
    predicted = [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(record["relations"] for record in predicted)  # the untrained model's low scores pass 0.4
    assert row["rurebus_entities"] == "predicted"
    assert row["ner_f1"] == scores["ner_f1"]  # the shared metric
    assert row["rurebus_ner_f1"] == scores["rurebus"]["subtask_1_ner"]["f1"]  # the shared task's sweep
    assert row["rurebus_relations_f1"] == scores["rurebus"]["subtask_3_relations"]["f1"]
    # --overrides reach the joint archive: no relation scores above 1.0
    above_every_score = '{"model.rel_filter_threshold": 1.01}'
    strict = run_rurebus_benchmark([archive], tmp_path / "strict", "--overrides", above_every_score)
    assert strict["overrides"] == above_every_score
    assert strict["rurebus_relations_precision"] == strict["rel_strict_f1"] == 0.0
    strict_file = tmp_path / "strict" / "predictions.jsonl"
    predicted = [json.loads(line) for line in strict_file.read_text(encoding="utf-8").splitlines()]
    assert not any(record["relations"] for record in predicted)
    with pytest.raises(subprocess.CalledProcessError) as failure:
        run_rurebus_benchmark([archive], tmp_path / "gold", "--gold-entities")
    assert "--gold-entities needs the pipeline" in failure.value.stderr
