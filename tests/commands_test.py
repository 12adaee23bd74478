"""
AllenNLP's own commands on a SpERT model trained on the CoNLL04-like fixtures: train (interrupted,
then `--recover`; tensorboard), `--dry-run`, evaluate (`--predictions-output-file`, `--batch-size`,
the validation loss), the archive moved to another directory and used from another working
directory, and the Python API of the README.

The encoder is named like the default one, `offline:<name>`, and goes through the same resolver
(`jointie_allennlp.encoders.offline`); to keep the tests fast the name is `offline:tiny-bert`, resolved to
fixtures/tiny_bert (tests/encoders_test.py loads the real packaged all-MiniLM-L6-v2).
"""
import json
import os
import shutil
import sys
import tarfile
from pathlib import Path
from unittest import mock

import pytest
from allennlp.commands import main
from allennlp.predictors import Predictor
from allennlp.training.callbacks import TrainerCallback

from jointie_allennlp.encoders import offline as encoders
from jointie_allennlp.data.document import Document
from jointie_allennlp.environment import CONFIG_VARIABLES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures" / "spert_json"
CONFIG = PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"
TEST_FILE = FIXTURES / "conll04_like_test.json"
CRASH = "JOINTIE_TEST_CRASH_IN_EPOCH"
ENCODER = "offline:tiny-bert"


@TrainerCallback.register("crash_in_epoch")
class CrashInEpoch(TrainerCallback):
    """Raises at the first batch of the epoch named by $JOINTIE_TEST_CRASH_IN_EPOCH (a killed run)."""

    def on_batch(self, trainer, batch_inputs, batch_outputs, batch_metrics, epoch, batch_number, is_training,
                 is_primary=True, batch_grad_norm=None, **kwargs) -> None:
        if is_training and str(epoch) == os.environ.get(CRASH):
            raise RuntimeError(f"crash in epoch {epoch}")


OVERRIDES = json.dumps({"trainer.callbacks": [{"type": "tensorboard"}, {"type": "crash_in_epoch"}]})


def allennlp(*args) -> None:
    """Runs an `allennlp` command in this process (the plugin is imported by conftest)."""
    with mock.patch.object(sys, "argv", ["allennlp", *map(str, args)]):
        main(prog="allennlp")


@pytest.fixture(scope="module")
def training_environment():
    packaged = encoders.offline_encoder_path

    def offline_encoder_path(name="all-MiniLM-L6-v2"):
        return str(PROJECT_ROOT / "fixtures" / "tiny_bert") if name == "tiny-bert" else packaged(name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(encoders.OFFLINE_ENCODERS, "tiny-bert", ("tiny_bert", "tiny-bert"))
        patch.setattr(encoders, "offline_encoder_path", offline_encoder_path)
        for name in CONFIG_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("TRANSFORMER_MODEL", ENCODER)
        patch.setenv("TRAIN_DATA_PATH", str(FIXTURES / "conll04_like_train.json"))
        patch.setenv("VALIDATION_DATA_PATH", str(FIXTURES / "conll04_like_dev.json"))
        patch.setenv("TEST_DATA_PATH", str(TEST_FILE))
        patch.setenv("NUM_EPOCHS", "2")
        patch.setenv("BATCH_SIZE", "5")
        yield patch


@pytest.fixture(scope="module")
def run_dir(training_environment, tmp_path_factory):
    """Trains 2 epochs: the first run dies in epoch 1, `train --recover` finishes it."""
    run = tmp_path_factory.mktemp("training") / "run"
    training_environment.setenv(CRASH, "1")
    with pytest.raises(RuntimeError, match="crash in epoch 1"):
        allennlp("train", CONFIG, "-s", run, "-o", OVERRIDES)
    assert not (run / "model.tar.gz").exists() and (run / "metrics_epoch_0.json").exists()
    first_epoch = (run / "metrics_epoch_0.json").read_text()
    training_environment.delenv(CRASH)
    allennlp("train", CONFIG, "-s", run, "-o", OVERRIDES, "--recover")
    assert (run / "metrics_epoch_0.json").read_text() == first_epoch  # epoch 0 was not trained again
    return run


def test_recovered_training_finishes_with_a_validation_loss(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["epoch"] == 1 and metrics["best_epoch"] in (0, 1)
    assert (run_dir / "model.tar.gz").exists()
    # SpERT computes its loss on labelled instances in evaluation too (it was reported as 0.0)
    assert metrics["validation_loss"] > 0.0
    assert 0.0 <= metrics["validation_ner_f1"] <= 1.0


def test_tensorboard_logs_both_epochs(run_dir):
    for split in ("train", "validation"):
        events = list((run_dir / "log" / split).glob("events.out.tfevents.*"))
        assert events, split
        content = b"".join(e.read_bytes() for e in events)
        assert b"loss" in content


def test_dry_run_builds_the_vocabulary_only(training_environment, tmp_path):
    allennlp("train", CONFIG, "-s", tmp_path / "dry", "--dry-run")
    labels = (tmp_path / "dry" / "vocabulary" / "entity_labels.txt").read_text().split()
    assert {"Peop", "Loc"} <= set(labels)
    assert not (tmp_path / "dry" / "model.tar.gz").exists()


def test_archive_stores_the_portable_encoder_name(run_dir):
    with tarfile.open(run_dir / "model.tar.gz") as archive:
        config = json.load(archive.extractfile("config.json"))
    assert config["dataset_reader"]["transformer_model_name"] == ENCODER
    assert config["model"]["text_field_embedder"]["token_embedders"]["tokens"]["model_name"] == ENCODER
    assert "tiny_bert" not in json.dumps(config)  # no path: resolved wherever the archive is loaded


def test_evaluate_writes_one_prediction_per_sentence_and_takes_a_batch_size(run_dir, tmp_path):
    predictions, metrics_file = tmp_path / "predictions.jsonl", tmp_path / "metrics.json"
    allennlp("evaluate", run_dir / "model.tar.gz", TEST_FILE, "--predictions-output-file", predictions,
             "--output-file", metrics_file, "--batch-size", 3)
    gold = json.loads(TEST_FILE.read_text())
    records = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert len(records) == len(gold)  # one line per sentence, not per batch of 3
    assert sorted(r["tokens"] for r in records) == sorted(g["tokens"] for g in gold)
    for record in records:
        source = next(g for g in gold if g["tokens"] == record["tokens"])
        assert [(e["start"], e["end"], e["type"]) for e in record["gold_entities"]] == [
            (e["start"], e["end"], e["type"]) for e in source["entities"]]
        assert {"entities", "relations", "sentences"} <= set(record)
    metrics = json.loads(metrics_file.read_text())
    assert metrics["loss"] > 0.0 and 0.0 <= metrics["ner_f1"] <= 1.0


def test_batch_size_sets_the_bucket_sampler_batch_size():
    from allennlp.common import Params
    from allennlp.data import DataLoader

    from jointie_allennlp.dataset_readers.spert import SpertReader

    reader = SpertReader(transformer_model_name=str(PROJECT_ROOT / "fixtures" / "tiny_bert"))
    params = Params({"batch_sampler": {"type": "bucket", "batch_size": 8, "sorting_keys": ["tokens"]}, "batch_size": 3})
    loader = DataLoader.from_params(params, reader=reader, data_path=str(FIXTURES / "conll04_like_train.json"))
    assert loader.batch_sampler.batch_size == 3
    loader.index_with(reader_vocabulary(loader))
    assert sorted(len(batch["metadata"]) for batch in loader) == [1, 3, 3, 3]  # 10 sentences


def reader_vocabulary(loader):
    from allennlp.data import Vocabulary

    return Vocabulary.from_instances(loader.iter_instances())


def test_archive_predicts_from_another_directory_and_working_directory(run_dir, tmp_path, monkeypatch):
    elsewhere = tmp_path / "moved" / "spert.tar.gz"
    elsewhere.parent.mkdir()
    shutil.copy(run_dir / "model.tar.gz", elsewhere)
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    (workdir / "input.jsonl").write_text(json.dumps({"id": "x", "text": "John Smith works for Acme in Boston."}) + "\n")
    monkeypatch.chdir(workdir)
    allennlp("predict", elsewhere, "input.jsonl", "--predictor", "joint_extraction",
             "--include-package", "jointie_allennlp", "--output-file", "out.jsonl", "--silent")
    record = json.loads((workdir / "out.jsonl").read_text())
    assert record["id"] == "x" and "error" not in record
    assert record["tokens"] == ["John", "Smith", "works", "for", "Acme", "in", "Boston", "."]
    assert isinstance(record["entities"], list) and isinstance(record["relations"], list)


def test_python_api_of_the_readme(run_dir):
    import jointie_allennlp  # noqa: F401  (registers spert & co.; without it: 'spert not in acceptable choices')

    predictor = Predictor.from_path(str(run_dir / "model.tar.gz"), "joint_extraction")
    record = predictor.predict_json({"id": "d1", "text": "John Smith works for Acme in Boston."})
    assert record["id"] == "d1" and record["sentences"] == [[0, 8]]
    document = Document.from_tokens("d2", ["Anna", "lives", "in", "Paris", "."])
    predicted = predictor.predict_document(document)
    assert isinstance(predicted, Document) and predicted.tokens == document.tokens
    assert all(0 <= e.start < e.end <= 5 and e.score is not None for e in predicted.entities)
    assert predicted.to_json()["tokens"] == document.tokens
