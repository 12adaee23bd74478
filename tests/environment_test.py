"""Config variables: defaults, and encoder paths that keep working from any working directory."""
import json
import os
import subprocess
import sys
from pathlib import Path

from jointie_allennlp.environment import (
    CONFIG_VARIABLES,
    absolute_encoder_paths,
    default_data_dir,
    with_config_defaults,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def test_relative_encoder_directories_become_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(PROJECT_ROOT)
    variables = with_config_defaults({"TRANSFORMER_MODEL": "fixtures/tiny_bert", "TRAIN_DATA_PATH": "fixtures/x"})
    assert variables["TRANSFORMER_MODEL"] == str(PROJECT_ROOT / "fixtures" / "tiny_bert")
    assert variables["TRAIN_DATA_PATH"] == "fixtures/x" and variables["NUM_EPOCHS"] == ""
    kept = {"TRANSFORMER_MODEL": "offline:all-MiniLM-L6-v2", "JOINTIE_RU_ENCODER": "built:multilingual-e5-small"}
    assert absolute_encoder_paths(kept) == kept
    assert absolute_encoder_paths({"TRANSFORMER_MODEL": "bert-base-cased"}) == {"TRANSFORMER_MODEL": "bert-base-cased"}


def test_archive_trained_with_a_relative_encoder_path_loads_from_another_directory(tiny_bert_env, monkeypatch,
                                                                                   tmp_path):
    from allennlp.commands.train import train_model
    from allennlp.common import Params

    monkeypatch.chdir(PROJECT_ROOT)
    tiny_bert_env(TRANSFORMER_MODEL="fixtures/tiny_bert", DISTRIBUTED_DEVICES="", TEST_DATA_PATH=None)
    params = Params.from_file(str(PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"))
    params.pop("evaluate_on_test", None)
    train_model(params, serialization_dir=str(tmp_path / "run"))
    config = json.loads((tmp_path / "run" / "config.json").read_text("utf-8"))
    assert str(PROJECT_ROOT / "fixtures" / "tiny_bert") in json.dumps(config)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "in.jsonl").write_text(json.dumps({"id": "a", "text": "Anna met Boris in Paris."}) + "\n",
                                        encoding="utf-8")
    process = subprocess.run(
        [sys.executable, "-m", "jointie_allennlp", "predict", str(tmp_path / "run" / "model.tar.gz"), "in.jsonl",
         "--output-file", "out.jsonl", "--silent"],
        cwd=elsewhere, env={**ENV, "PYTHONPATH": str(PROJECT_ROOT)}, capture_output=True, text=True, timeout=600,
    )
    assert process.returncode == 0, process.stderr
    record = json.loads((elsewhere / "out.jsonl").read_text("utf-8"))
    assert record["id"] == "a" and record["tokens"][:2] == ["Anna", "met"] and "error" not in record

def test_data_dir_is_the_variable_when_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    assert default_data_dir({"JOINTIE_DATA_DIR": "/elsewhere"}) == "/elsewhere"


def test_data_dir_is_data_when_it_exists_else_shared(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_data_dir({}) == "../shared/data"
    (tmp_path / "data").mkdir()
    assert default_data_dir({}) == "data"
    assert default_data_dir({"JOINTIE_DATA_DIR": ""}) == "data"


def test_config_defaults_define_every_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    variables = with_config_defaults({"SEED": "3"})
    assert set(CONFIG_VARIABLES) <= set(variables)
    assert variables["SEED"] == "3" and variables["NUM_EPOCHS"] == ""
    assert variables["JOINTIE_DATA_DIR"] == "../shared/data"
