"""benchmarks/rurebus_official.py (its folders and once-only test step) and benchmarks/rurebus_tables.py."""
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import load_benchmark

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = PROJECT_ROOT / "benchmarks"


def _document(folder: Path, name: str) -> None:
    (folder / f"{name}.txt").write_text("Компания увеличила выпуск.\n", encoding="utf-8")
    (folder / f"{name}.ann").write_text("T1\tECO 0 8\tКомпания\n", encoding="utf-8")


def test_dev_folders_are_every_sixth_file_and_seven_others(tmp_path):
    official = load_benchmark("rurebus_official")
    (tmp_path / "dev").mkdir()
    for i in range(64):
        (tmp_path / "dev" / f"{i:02d}.txt").write_text("")
    folders = official.dev_folders(tmp_path)
    assert [t.stem for t in folders["dev_every6"]] == [f"{i:02d}" for i in range(0, 64, 6)]
    assert [t.stem for t in folders["dev_tune"]] == ["03", "13", "23", "33", "43", "53", "63"]


def test_prepare_splits_by_document_and_fills_the_dev_folders(tmp_path):
    train = tmp_path / "data" / "rurebus" / "train"
    train.mkdir(parents=True)
    for i in range(20):
        _document(train, f"report{i:02d}")
    work = tmp_path / "work"
    for encoder in ("e5-rurebus", "e5-rurebus-all"):  # encoders already built: not rebuilt
        (work / encoder).mkdir(parents=True)
        (work / encoder / "config.json").write_text("{}")
    command = [sys.executable, str(BENCHMARKS / "rurebus_official.py"), str(work), "prepare",
               "--data", str(tmp_path / "data")]
    subprocess.run(command, check=True, cwd=PROJECT_ROOT, capture_output=True)
    split = work / "rurebus_split"
    dev = sorted(p.name for p in (split / "dev").glob("*.txt"))
    assert len(dev) == 6 and len(list((split / "train").glob("*.txt"))) == 14
    assert sorted(p.name for p in (split / "dev_every6").iterdir()) == sorted([dev[0], dev[0].replace(".txt", ".ann")])
    assert sorted(p.name for p in (split / "dev_tune").iterdir()) == sorted([dev[3], dev[3].replace(".txt", ".ann")])
    # a second run keeps what is there
    (split / "dev_tune" / "marker").write_text("kept")
    subprocess.run(command, check=True, cwd=PROJECT_ROOT, capture_output=True)
    assert (split / "dev_tune" / "marker").read_text() == "kept"


def test_the_official_test_set_is_scored_once(tmp_path):
    (tmp_path / "test_full.done").write_text("{}")
    result = subprocess.run([sys.executable, str(BENCHMARKS / "rurebus_official.py"), str(tmp_path), "test"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert "scored once" in result.stderr


def test_the_final_step_scores_once_and_needs_the_all_documents_models(tmp_path):
    official = load_benchmark("rurebus_official")
    assert official.models(tmp_path, "head", all_documents=True) == (
        tmp_path / "ru_all_ner" / "model.tar.gz", tmp_path / "ru_all_re_head" / "model.tar.gz")
    assert official.models(tmp_path, "both") == (
        tmp_path / "ru_ner" / "model.tar.gz", tmp_path / "ru_re_both" / "model.tar.gz")
    command = [sys.executable, str(BENCHMARKS / "rurebus_official.py"), str(tmp_path), "final",
               "--data", str(tmp_path)]
    (tmp_path / "choice.json").write_text(json.dumps(
        {"chosen": "head", "by": "subtask 2 F1 on dev_every6", "dev": {"head": {"relation_threshold": 0.4}}}))
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert "not trained yet (train ... --all-documents)" in result.stderr and "ru_all_re_head" in result.stderr
    (tmp_path / "test_full_all.done").write_text("{}")
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "scored once with the all-documents models" in result.stderr


def test_decoding_step_chooses_on_the_dev_tune_trials_and_the_final_step_needs_it(tmp_path):
    official = load_benchmark("rurebus_official")
    (tmp_path / "choice.json").write_text(json.dumps(
        {"chosen": "head", "by": "subtask 2 F1 on dev_every6", "dev": {"head": {"relation_threshold": 0.4}}}))
    trials = tmp_path / "decoding_trials"
    trials.mkdir()
    (trials / "ner_constrained_false.json").write_text(json.dumps({"ner_f1": 0.45}))
    (trials / "ner_constrained_true.json").write_text(json.dumps({"ner_f1": 0.50}))
    for share, theta, f1 in (("off", 0.4, 0.30), ("0", 0.4, 0.31), ("0.0005", 0.5, 0.33), ("0.001", 0.3, 0.33),
                             ("0.002", 0.4, 0.32)):
        (trials / f"relations_signatures_{share}.json").write_text(json.dumps(
            {"best": {"relations": {"relation_threshold": theta, "rel_strict_f1": f1}}}))
    for subtask in ("2", "3"):  # the dev rows exist: nothing is run
        (tmp_path / "dev_rows" / f"head-decoding-subtask{subtask}").mkdir(parents=True)
        (tmp_path / "dev_rows" / f"head-decoding-subtask{subtask}" / "scores.json").write_text("{}")
    decoding = official.choose_decoding(tmp_path, threads=1)
    # the better NER F1; among equal relation F1 the smaller share, with its own θ
    assert decoding["ner_constrained_decoding"] is True
    assert (decoding["relation_signature_min_share"], decoding["relation_threshold"]) == (0.0005, 0.5)
    assert json.loads((tmp_path / "decoding.json").read_text()) == decoding
    assert official.decoding_label(decoding) == (
        "BIO Viterbi NER; relation signatures with ≥ 0.05% of the train relations")
    assert official.decoding_models_overrides(decoding, Path("/data/train")) == {
        "ner_overrides": {"model.constrained_decoding": True},
        "re_overrides": {"model.relation_signatures_from": "/data/train", "model.relation_signature_min_share": 0.0005}}
    assert official.decoding_overrides(None, Path("/data/train")) == {}
    assert official.decoding_overrides(0.0, Path("/data/train"))["model.relation_signature_min_share"] == 0.0
    assert official.decoding_label({"ner_constrained_decoding": False, "relation_signature_min_share": None}) == (
        "per-word argmax NER; no signature filter")
    # the final step refuses without decoding.json, once the all-documents models are there
    (tmp_path / "decoding.json").unlink()
    for archive in official.models(tmp_path, "head", all_documents=True):
        archive.parent.mkdir()
        archive.write_text("")
    result = subprocess.run([sys.executable, str(BENCHMARKS / "rurebus_official.py"), str(tmp_path), "final",
                             "--data", str(tmp_path)], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "decoding.json is missing: run the decoding step first" in result.stderr


def test_the_checkpoint_override_adds_to_the_trainer_and_keeps_the_rest(monkeypatch):
    from allennlp.common import Params

    import jointie_allennlp  # noqa: F401  (the configs' external variables)

    official = load_benchmark("rurebus_official")
    monkeypatch.setenv("NUM_EPOCHS", "4")
    for config in ("ner.jsonnet", "re_cpu.jsonnet"):
        plain = Params.from_file(str(official.CONFIGS / config)).as_dict()["trainer"]
        trainer = Params.from_file(str(official.CONFIGS / config), official.CHECKPOINTS).as_dict()["trainer"]
        assert trainer == {**plain, "checkpointer": {"save_every_num_seconds": 600}}
        assert trainer["optimizer"]["type"] == "huggingface_adamw" and "num_epochs" in trainer
        # the all-documents models: the same trainer, no validation (dev_tune is in their training data)
        for all_documents in (False, True):
            config_dict = Params.from_file(str(official.CONFIGS / config), official.train_overrides(all_documents))
            assert config_dict.as_dict()["trainer"] == trainer
            validation = config_dict.pop("validation_data_path", None)
            assert (validation is None) == all_documents


def test_an_interrupted_final_step_scores_only_the_subtask_it_has_not_scored(tmp_path, monkeypatch):
    official = load_benchmark("rurebus_official")
    (tmp_path / "choice.json").write_text(json.dumps(
        {"chosen": "head", "by": "subtask 2 F1 on dev_every6", "dev": {"head": {"relation_threshold": 0.4}}}))
    (tmp_path / "decoding.json").write_text(json.dumps(
        {"ner_constrained_decoding": True, "relation_signature_min_share": 0.001, "relation_threshold": 0.5}))
    for archive in official.models(tmp_path, "head", all_documents=True):
        archive.parent.mkdir()
        archive.write_text("")
    (tmp_path / "rurebus" / "train").mkdir(parents=True)
    _document(tmp_path / "rurebus" / "train", "report")
    (tmp_path / "test_full_all" / "2").mkdir(parents=True)
    (tmp_path / "test_full_all" / "2" / "scores.json").write_text("{}")  # scored before the interruption
    (tmp_path / "test_full_all" / "1+3").mkdir()
    (tmp_path / "test_full_all" / "1+3" / "predictions.jsonl").write_text("partial")
    calls = []

    def run(command, env=None):  # rurebus_pipeline.py's command line
        option = {name: value for name, value in zip(command, command[1:]) if name.startswith("--")}
        output = Path(option["--output-dir"])
        assert not output.exists()  # the interrupted run's predictions are gone
        calls.append((command[2:4], output.name, "--gold-entities" in command,
                      json.loads(option["--fields"])["decoding"], json.loads(option["--overrides"]),
                      json.loads(option["--re-overrides"])))

    monkeypatch.setattr(official, "run", run)
    official.score_test(tmp_path, tmp_path, threads=1, all_documents=True)
    label = "BIO Viterbi NER; relation signatures with ≥ 0.10% of the train relations"
    archives = [str(archive) for archive in official.models(tmp_path, "head", all_documents=True)]
    assert calls == [(archives, "1+3", False, label, {"model.constrained_decoding": True},
                      {"model.relation_threshold": 0.5,
                       "model.relation_signatures_from": str(tmp_path / "rurebus" / "train"),
                       "model.relation_signature_min_share": 0.001})]
    assert (tmp_path / "test_full_all.done").is_file()


def _row(variant, **fields):
    return {"dataset": "rurebus", "variant": variant, **fields}


def test_official_table_sets_our_scores_beside_the_shared_tasks():
    tables = load_benchmark("rurebus_tables")
    pending = "\n".join(tables.official_test_table([]))
    assert "| this project | pending | pending | pending |" in pending
    assert "| the shared task's best systems | 0.561 | 0.394 | 0.132 (0.194 after the competition) |" in pending
    common = {"relation_directions": "both", "relation_threshold": 0.4, "re_training": "2 epochs, 0:50:00 of training",
              "chosen_by": "subtask 2 F1 on dev_every6"}
    rows = [
        _row("official test_full; subtask 2; models chosen on dev", rurebus_relations_f1=0.41234, **common),
        _row("official test_full; subtask 1+3; models chosen on dev", rurebus_ner_f1=0.5012,
             rurebus_relations_f1=0.1349, ner_training="4 epochs, 1:20:00 of training", **common),
    ]
    text = "\n".join(tables.official_test_table(rows))
    assert "| this project | 0.501 | 0.412 | 0.135 |" in text
    assert "RELATION_DIRECTIONS=both" in text and "at θ 0.4" in text and "1:20:00" in text
    assert "trained on all" not in text
    assert "per-word argmax NER; no signature filter." in text
    decoding = "BIO Viterbi NER; relation signatures with ≥ 0.10% of the train relations"
    rows.append(_row("official test_full, models on all train documents; subtask 2; settings chosen on dev",
                     rurebus_relations_f1=0.43, train_documents=188, decoding=decoding,
                     **{**common, "re_training": "2 epochs, 0:95:00 of training", "relation_threshold": 0.3}))
    text = "\n".join(tables.official_test_table(rows))
    # the dev-chosen models' row stays; the all-documents row beside it, pending where not scored
    assert "| this project | 0.501 | 0.412 | 0.135 |" in text
    assert ("| this project, trained on all 188 train documents, decoding chosen on dev | pending | 0.430 | pending |"
            in text)
    final = next(line for line in text.splitlines() if line.startswith("The last row"))
    assert "188 train documents" in final and "0:95:00" in final and "bio_tagger" not in final
    assert f"on dev: {decoding}, θ 0.3." in final


def test_directions_table_has_one_line_per_setting_and_subtask():
    tables = load_benchmark("rurebus_tables")
    assert "pending" in "\n".join(tables.directions_table([]))
    rows = [
        _row(f"dev_every6 (11 of 64 dev files); subtask {subtask}; RELATION_DIRECTIONS={d}", subtask=subtask,
             relation_directions=d, relation_threshold=0.5, re_training="2 epochs", rurebus_relations_precision=0.3,
             rurebus_relations_recall=0.6, rurebus_relations_f1=0.4, rel_strict_f1=0.35)
        for d in ("head", "both") for subtask in ("2", "3")
    ]
    lines = [line for line in tables.directions_table(rows) if line.startswith("| head") or line.startswith("| both")]
    assert lines[0] == ("| head | 2 | per-word argmax NER; no signature filter | 0.5 | 0.300 | 0.600 | 0.400 | 0.350 "
                        "| 2 epochs |")
    assert len(lines) == 4
    header = "| setting | subtask | decoding | θ | P | R | F1 | strict F1 | relation model |"
    assert header in tables.directions_table(rows)
    rows.append({**rows[0], "decoding": "BIO Viterbi NER; relation signatures with ≥ 0.10% of the train relations"})
    assert tables.directions_table(rows)[-2].startswith(
        "| head | 2 | BIO Viterbi NER; relation signatures with ≥ 0.10% of the train relations | 0.5 |")


def test_training_time_leaves_out_a_recorded_pause(tmp_path):
    import os

    official, quiet = load_benchmark("rurebus_official"), load_benchmark("quiet")
    t0 = 1_800_000_000.0  # epoch 0 ends 30 min after t0, epoch 1 at 1:02:30.5
    for epoch, (duration, end) in enumerate([("0:30:00", t0 + 1800), ("1:02:30.5", t0 + 3750.5)]):
        path = tmp_path / f"metrics_epoch_{epoch}.json"
        path.write_text(json.dumps({"epoch": epoch, "training_duration": duration}))
        os.utime(path, (end, end))
    assert official.training_note(tmp_path / "model.tar.gz") == "2 epochs, 63 min of training"
    quiet.record_pause(tmp_path, t0 - 500, t0 - 100)  # before the training: not its time
    quiet.record_pause(tmp_path, t0 + 1900, t0 + 3700)
    assert official.training_note(tmp_path / "model.tar.gz") == (
        "2 epochs, 33 min of training (without a pause of 30 min)")


def test_an_all_documents_training_validates_nothing_and_keeps_its_last_epoch(tmp_path):
    from allennlp.commands.train import train_model
    from allennlp.common import Params

    from tests.conftest import tiny_bert_environment

    official = load_benchmark("rurebus_official")
    ext_vars = tiny_bert_environment(NUM_EPOCHS="2", DISTRIBUTED_DEVICES="", MAX_INSTANCES="")
    params = Params.from_file(str(official.CONFIGS / "ner.jsonnet"), official.train_overrides(True), ext_vars)
    train_model(params, serialization_dir=str(tmp_path / "run"))
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["epoch"] == 1 and metrics["best_epoch"] == 1  # the last of two epochs
    assert not [key for key in metrics if key.startswith("validation_")]
    assert (tmp_path / "run" / "model.tar.gz").is_file()
