import json
import tarfile

import pytest

from jointie_allennlp.model_card import (
    CardError,
    build_card,
    card_text,
    complete_card,
    put_card_in_archive,
    read_card,
    recording_command,
    split_metrics,
    write_card,
)

METRICS = {
    "epoch": 2,
    "best_epoch": 1,
    "training_loss": 0.5,
    "best_validation_ner_f1": 0.75,
    "best_validation_rel_strict_f1": 0.5,
    "best_validation__ner_Peop_f1": 1.0,
    "validation_ner_f1": 0.7,
    "test_ner_f1": 0.625,
    "test_rel_strict_f1": 0.25,
}


def _config(fixtures_dir, validation=True):
    spert_json = fixtures_dir / "spert_json"
    return {
        "dataset_reader": {"type": "spert", "transformer_model_name": "some/encoder", "tokenizer": "razdel"},
        "train_data_path": str(spert_json / "conll04_like_train.json"),
        **({"validation_data_path": str(spert_json / "conll04_like_dev.json")} if validation else {}),
        "model": {"type": "spert"},
        "trainer": {"num_epochs": 3, **({"validation_metric": "+rel_strict_f1"} if validation else {})},
    }


def _counts(path):
    items = json.loads(path.read_text(encoding="utf-8"))
    return {
        "path": str(path),
        "documents": len(items),
        "sentences": len(items),  # one sentence per item in these files
        "entities": sum(len(i["entities"]) for i in items),
        "relations": sum(len(i["relations"]) for i in items),
    }


def test_card_of_a_run(fixtures_dir):
    types = {"entities": ["Org", "Peop"], "relations": ["Conj", "Work_For"], "symmetric": ["Conj"]}
    with recording_command("jointie train spert --train x -s out"):
        card = build_card(_config(fixtures_dir), types, METRICS)
    spert_json = fixtures_dir / "spert_json"
    assert card["approach"] == "spert" and card["encoder"] == "some/encoder"
    assert card["data"] == {
        "train": _counts(spert_json / "conll04_like_train.json"),
        "validation": _counts(spert_json / "conll04_like_dev.json"),
        "test": None,
    }
    assert card["types"] == types
    assert card["epochs"] == {
        "configured": 3, "trained": 3, "kept": 2,
        "selection": "the best on the development data by +rel_strict_f1",
    }
    assert card["metrics"] == {
        "validation": {"ner_f1": 0.75, "rel_strict_f1": 0.5, "_ner_Peop_f1": 1.0},
        "test": {"ner_f1": 0.625, "rel_strict_f1": 0.25},
    }
    assert card["command"] == "jointie train spert --train x -s out"
    assert card["versions"]["jointie_allennlp"] and card["date"].endswith("+00:00")
    text = card_text(card)
    assert "- symmetric relation types: Conj" in text
    assert "| ner_f1 | 75.00 | 62.50 |" in text and "| rel_strict_f1 | 50.00 | 25.00 |" in text
    assert "| test | none | | | | |" in text
    assert "kept epoch 2, the best on the development data by +rel_strict_f1" in text


def test_without_development_data_the_last_epoch_is_kept(fixtures_dir):
    card = build_card(_config(fixtures_dir, validation=False), {}, {"epoch": 4, "best_epoch": 0}, command="c")
    assert card["epochs"]["kept"] == 5 and card["epochs"]["trained"] == 5
    assert card["epochs"]["selection"] == "the last (no development data)"
    assert card["metrics"] == {"validation": {}, "test": {}}
    assert "No development or test data was scored." in card_text(card)


def test_split_metrics_falls_back_to_the_last_validation():
    assert split_metrics({"validation_ner_f1": 0.5, "validation_x": "text", "test_ok": True}) == {
        "validation": {"ner_f1": 0.5}, "test": {},
    }


def test_complete_card_takes_the_test_metrics_of_metrics_json(tmp_path):
    write_card(tmp_path, {"approach": "spert", "metrics": {"validation": {"ner_f1": 0.5}, "test": {}}, "command": "a"})
    assert not complete_card(tmp_path)  # no metrics.json: nothing to add
    (tmp_path / "metrics.json").write_text(json.dumps({"best_validation_ner_f1": 0.5, "test_ner_f1": 0.25}))
    assert complete_card(tmp_path, command="b")
    card = read_card(tmp_path)
    assert card["metrics"] == {"validation": {"ner_f1": 0.5}, "test": {"ner_f1": 0.25}} and card["command"] == "b"
    assert "| ner_f1 | 50.00 | 25.00 |" in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert not complete_card(tmp_path, command="b")  # nothing new
    assert not complete_card(tmp_path / "elsewhere")


def test_card_put_into_and_read_from_an_archive(tmp_path):
    (tmp_path / "weights.th").write_bytes(b"\x00weights")
    (tmp_path / "model_card.json").write_text("{}")
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as archive:
        archive.add(tmp_path / "weights.th", arcname="weights.th")
        archive.add(tmp_path / "model_card.json", arcname="model_card.json")
    card = {"approach": "biaffine_joint", "metrics": {"validation": {}, "test": {}}}
    write_card(tmp_path, card)
    put_card_in_archive(tmp_path)
    with tarfile.open(tmp_path / "model.tar.gz") as archive:
        assert sorted(archive.getnames()) == ["README.md", "model_card.json", "weights.th"]
        assert archive.extractfile("weights.th").read() == b"\x00weights"
    assert read_card(tmp_path / "model.tar.gz") == card
    (tmp_path / "model_card.json").unlink()
    assert read_card(tmp_path) == card  # a directory without the card file: the archive's
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tar.gz")] == ["model.tar.gz"]


def test_read_card_errors_name_the_path(tmp_path):
    with pytest.raises(CardError, match=f"{tmp_path / 'nothing'}: no such file"):
        read_card(tmp_path / "nothing")
    with pytest.raises(CardError, match="no model_card.json"):
        read_card(tmp_path)
    (tmp_path / "notes.txt").write_text("plain")
    with pytest.raises(CardError, match="notes.txt: not a model archive"):
        read_card(tmp_path / "notes.txt")
    with tarfile.open(tmp_path / "old.tar.gz", "w:gz") as archive:
        archive.add(tmp_path / "notes.txt", arcname="config.json")
    with pytest.raises(CardError, match="old.tar.gz: the archive holds no model_card.json"):
        read_card(tmp_path / "old.tar.gz")
