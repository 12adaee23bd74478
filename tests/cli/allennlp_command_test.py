"""
`allennlp jointie` (the plugin found from the project root, and from any directory through
`~/.allennlp/plugins`), and AllenNLP's own commands on a SpERT model trained on the CoNLL04-like
fixtures: train (interrupted, then `--recover`; tensorboard), `--dry-run`, evaluate
(`--predictions-output-file`, `--batch-size`, the validation loss), the archive moved to another
directory and used from another working directory, and the Python API of the README.

The encoder is named like the default one, `offline:<name>`, and goes through the same resolver
(`jointie_allennlp.encoders.offline`); to keep the tests fast the name is `offline:tiny-bert`, resolved to
fixtures/tiny_bert (tests/encoders_test.py loads the real packaged all-MiniLM-L6-v2).
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from unittest import mock

import pytest
from allennlp.commands import main
from allennlp.predictors import Predictor
from allennlp.training.callbacks import TrainerCallback

from jointie_allennlp.cli import COMMANDS
from jointie_allennlp.encoders import offline as encoders
from jointie_allennlp.data.document import Document
from jointie_allennlp.environment import CONFIG_VARIABLES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "fixtures" / "spert_json"
CONFIG = PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"
TEST_FILE = FIXTURES / "conll04_like_test.json"
CRASH = "JOINTIE_TEST_CRASH_IN_EPOCH"
ENCODER = "offline:tiny-bert"


def test_allennlp_cli_lists_the_plugin():
    # `.allennlp_plugins` in the project root makes allennlp find the plugin and its subcommand.
    allennlp = Path(sys.executable).with_name("allennlp")
    help_run = subprocess.run(
        [str(allennlp), "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert "jointie" in help_run.stdout
    listing = subprocess.run(
        [str(allennlp), "jointie", "list", "--include-package", "jointie_allennlp"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    assert "Metric: joint_extraction" in listing.stdout
    assert "Predictor: joint_extraction" in listing.stdout
    for run in (help_run, listing):  # no NLTK download attempts (allennlp-models is not a dependency)
        assert "[nltk_data]" not in run.stderr and "[nltk_data]" not in run.stdout


def _subcommands(help_text: str) -> set:
    """The subcommand names that a `--help` lists under `COMMAND`."""
    section = help_text.split("positional arguments:", 1)[1].split("options:", 1)[0]
    lines = section.splitlines()
    return {line.split()[0] for line in lines if line.startswith("    ") and not line.startswith("     ")}


def _environment(home: Path) -> dict:
    # this checkout first on the path (the installed package may be another checkout), HOME elsewhere
    return {**os.environ, "HOME": str(home), "PYTHONPATH": os.pathsep.join(
        [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


def test_allennlp_jointie_from_any_directory_through_the_global_plugins_file(tmp_path):
    allennlp = str(Path(sys.executable).with_name("allennlp"))
    elsewhere, home = tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    home.mkdir()
    # allennlp 2.10.1 resolves the subcommand before it reads --include-package: without a plugins
    # file that names the package, `jointie` is unknown whatever the flags
    unknown = subprocess.run([allennlp, "jointie", "list", "--include-package", "jointie_allennlp"], cwd=elsewhere,
                             env=_environment(home), capture_output=True, text=True)
    assert unknown.returncode == 2 and "invalid choice: 'jointie'" in unknown.stderr
    (home / ".allennlp").mkdir()
    (home / ".allennlp" / "plugins").write_text("jointie_allennlp\n")
    listing = subprocess.run([allennlp, "jointie", "list"], cwd=elsewhere, env=_environment(home),
                             capture_output=True, text=True, check=True)
    models = "Model: biaffine_joint, bio_tagger, deeper_task_specificity, marked_entity, spert, spert_mt"
    assert models in listing.stdout
    assert "TrainModel: whole_test_set" in listing.stdout


def test_jointie_python_m_and_allennlp_jointie_offer_the_same_subcommands(tmp_path):
    home = tmp_path / "home"
    (home / ".allennlp").mkdir(parents=True)
    (home / ".allennlp" / "plugins").write_text("jointie_allennlp\n")
    bin_dir = Path(sys.executable).parent
    programs = {
        "jointie": [str(bin_dir / "jointie")],
        "python -m": [sys.executable, "-m", "jointie_allennlp"],
        "allennlp jointie": [str(bin_dir / "allennlp"), "jointie"],
    }
    names = {module.NAME for module in COMMANDS}
    assert {"convert", "score", "render", "split-brat", "tune-threshold", "encoder", "serve", "predict-ray",
            "predict", "list"} <= names
    for program, command in programs.items():
        run = subprocess.run([*command, "--help"], cwd=tmp_path, env=_environment(home), capture_output=True,
                             text=True, check=True)
        assert _subcommands(run.stdout) == names, program
        assert "--silent" in run.stdout and "(default: False)" in " ".join(run.stdout.split()), program
    # a subcommand runs the same way under allennlp: its options, its output, its exit status
    source = PROJECT_ROOT / "fixtures" / "spert_json" / "conll04_like_dev.json"
    results = []
    for program in ("python -m", "allennlp jointie"):
        run = subprocess.run([*programs[program], "score", str(source), str(source)], cwd=tmp_path,
                             env=_environment(home), capture_output=True, text=True, check=True)
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    assert results[0] == results[1] and results[0]["rel_strict_f1"] == 1.0
    failed = subprocess.run([*programs["allennlp jointie"], "score", str(tmp_path / "none.json"), str(source)],
                            cwd=tmp_path, env=_environment(home), capture_output=True, text=True)
    assert failed.returncode == 2 and f"error: {tmp_path / 'none.json'}: no such file or directory" in failed.stderr


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
