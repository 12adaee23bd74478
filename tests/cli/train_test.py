import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary

from jointie_allennlp.cli import train
from jointie_allennlp.data.formats.brat import read_brat_directory
from jointie_allennlp.model_card import read_card
from tests.cli.conftest import FIXTURES, parse_train, tiny_options

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _counts(directory: Path) -> dict:
    documents = list(read_brat_directory(directory))
    return {
        "path": str(directory),
        "documents": len(documents),
        "sentences": sum(len(d.sentences) for d in documents),
        "entities": sum(len(d.entities) for d in documents),
        "relations": sum(len(d.relations) for d in documents),
    }


def test_brat_folder_without_types_file_trains_with_the_symmetric_type_of_its_annotation_conf(brat_run):
    assert brat_run.status == 0
    archive = brat_run.out / "model.tar.gz"
    card = read_card(archive)
    assert card["approach"] == "spert" and card["encoder"] == str(FIXTURES / "tiny_bert")
    # the types of the training data; of the annotation.conf's symmetric types, the one that occurs
    assert card["types"]["entities"] == ["ACT", "BIN", "ECO", "INST", "MET", "QUA", "SOC"]
    assert card["types"]["relations"] == ["FNT", "NNG", "NNT", "NPS", "PNG", "TSK"]
    assert card["types"]["symmetric"] == ["NNG"]
    config = json.loads((brat_run.out / "config.json").read_text())
    assert config["dataset_reader"]["types"] == {
        "entities": card["types"]["entities"], "relations": card["types"]["relations"], "symmetric": ["NNG"],
    }
    reader = DatasetReader.from_params(Params(config["dataset_reader"]))
    assert reader.types.symmetric_relation_types == {"NNG"}
    vocabulary = Vocabulary.from_files(brat_run.out / "vocabulary")
    assert sorted(vocabulary.get_token_to_index_vocabulary("relation_labels")) == card["types"]["relations"]
    assert card["data"] == {"train": _counts(brat_run.train), "validation": None, "test": _counts(brat_run.test)}
    assert card["command"].startswith(f"jointie train spert --train {brat_run.train} --test {brat_run.test} -s ")
    assert "- symmetric relation types: NNG" in (brat_run.out / "README.md").read_text()
    assert "- symmetric relation types: NNG" in brat_run.stdout and f"model: {archive}" in brat_run.stdout


def test_without_development_data_nothing_is_validated_and_the_last_epoch_is_kept(brat_run):
    metrics = json.loads((brat_run.out / "metrics.json").read_text())
    assert not [key for key in metrics if "validation" in key]
    assert metrics["epoch"] == 0 and 0.0 <= metrics["test_ner_f1"] <= 1.0
    card = read_card(brat_run.out / "model.tar.gz")
    assert card["epochs"] == {"configured": 1, "trained": 1, "kept": 1, "selection": "the last (no development data)"}
    assert card["metrics"]["validation"] == {}
    assert card["metrics"]["test"]["ner_f1"] == metrics["test_ner_f1"]  # filled in after the test evaluation


def test_a_test_type_unseen_in_training_is_warned_once(brat_run):
    unseen = [m for m in brat_run.warnings if "is not among the training types" in m]
    assert unseen == [
        f"{brat_run.test}: relation type 'GOL' is not among the training types; its annotations are left out "
        "of the labels and the scores (counted, warned once per type)"
    ]


def test_the_written_config_reruns_with_allennlp_train_to_the_same_vocabulary(brat_run, tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "OMP_NUM_THREADS": "1",
                   "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "allennlp", "train", str(brat_run.out / "config.json"), "-s", str(tmp_path / "again"),
         "--include-package", "jointie_allennlp"],
        env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    first, again = (Vocabulary.from_files(d / "vocabulary") for d in (brat_run.out, tmp_path / "again"))
    for namespace in ("entity_labels", "relation_labels"):
        assert again.get_index_to_token_vocabulary(namespace) == first.get_index_to_token_vocabulary(namespace)
    card = read_card(tmp_path / "again" / "model.tar.gz")
    assert card["types"] == read_card(brat_run.out)["types"]
    assert card["command"] == f"allennlp train {brat_run.out / 'config.json'} -s {tmp_path / 'again'} " + (
        "--include-package jointie_allennlp"
    )


def test_without_test_data_there_are_no_test_metrics(tmp_path, capsys):
    spert_json = FIXTURES / "spert_json"
    out = tmp_path / "out"
    args = parse_train(["biaffine", "--train", str(spert_json / "conll04_like_train.json"),
                        "--dev", str(spert_json / "conll04_like_dev.json"), "-s", str(out), *tiny_options()])
    assert train.run(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert not [key for key in metrics if key.startswith("test_")]
    assert 0.0 <= metrics["best_validation_ner_f1"] <= 1.0
    card = read_card(out / "model.tar.gz")
    assert card["approach"] == "biaffine_joint" and card["data"]["test"] is None
    assert card["metrics"]["test"] == {}
    assert card["metrics"]["validation"]["ner_f1"] == metrics["best_validation_ner_f1"]
    assert card["epochs"]["selection"] == "the best on the development data by +rel_strict_f1"
    assert card["types"]["symmetric"] == ["Conjunction"]  # from conll04_like_types.json beside the file


def _fails(argv, capsys) -> str:
    assert train.run(parse_train(argv)) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err


def test_user_mistakes_end_with_status_2_and_a_message_naming_the_path(tmp_path, capsys, brat_run):
    out = ["-s", str(tmp_path / "out"), *tiny_options()]
    assert _fails(["spert", "--train", str(tmp_path / "gone"), *out], capsys) == (
        f"jointie train: error: --train {tmp_path / 'gone'}: no such file or directory\n"
    )
    (tmp_path / "empty").mkdir()
    assert f"--dev {tmp_path / 'empty'}: empty (no documents)" in _fails(
        ["spert", "--train", str(brat_run.train), "--dev", str(tmp_path / "empty"), *out], capsys
    )
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.txt").write_text("Only text here.\n", encoding="utf-8")
    message = _fails(["spert", "--train", str(plain), *out], capsys)
    assert f"--train {plain}: no entity annotations in 1 documents" in message
    (tmp_path / "bad.json").write_text("[{oops", encoding="utf-8")
    message = _fails(["spert", "--train", str(tmp_path / "bad.json"), *out], capsys)
    assert f"{tmp_path / 'bad.json'}:1: invalid JSON" in message
    message = _fails(["spert", "--train", str(brat_run.train), "-s", str(brat_run.out), *tiny_options()], capsys)
    assert f"-s {brat_run.out}: exists and is not empty; --recover continues its training, --force replaces it" in (
        message
    )
    message = _fails(["spert", "--train", str(brat_run.train), *out, "-o", '{"dataset_reader.types_path": "t.json"}'],
                     capsys)
    assert "name a types file with --types FILE" in message
    assert not (tmp_path / "out").exists()  # nothing was started


def test_bf16_training_reaches_the_resolved_config_and_the_model(tmp_path, capsys, brat_run, monkeypatch):
    from allennlp.models.archival import load_archive

    from jointie_allennlp.cli import main

    monkeypatch.delenv("BF16_TRAINING", raising=False)
    config = json.loads((brat_run.out / "config.json").read_text())
    assert "bf16_training" not in config["model"]  # without the option: the config's float32
    out = tmp_path / "out"
    spert_json = FIXTURES / "spert_json"
    assert main(["train", "spert", "--train", str(spert_json / "conll04_like_train.json"), "-s", str(out),
                 "--bf16-training", "1", *tiny_options()]) == 0
    assert json.loads((out / "config.json").read_text())["model"]["bf16_training"] == "1"
    assert load_archive(str(out / "model.tar.gz")).model.bf16_training is True
    assert read_card(out / "model.tar.gz")["command"].endswith("--bf16-training 1")
    with pytest.raises(SystemExit):
        main(["train", "spert", "--train", str(spert_json / "conll04_like_train.json"), "-s", str(tmp_path / "x"),
              "--bf16-training", "yes"])
    assert "argument --bf16-training: invalid choice: 'yes'" in capsys.readouterr().err
