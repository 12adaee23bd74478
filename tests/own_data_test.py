import json
import shlex
from pathlib import Path

import pytest
from allennlp.common import Params

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.own_data import (
    APPROACHES,
    OwnDataError,
    OwnDataRun,
    check_data,
    check_output,
    generic_config,
    parse_overrides,
    resolve_config,
    training_types,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _run(tmp_path, fixtures_dir, **changes) -> OwnDataRun:
    values = dict(approach="spert", train=str(fixtures_dir / "spert_json" / "conll04_like_train.json"),
                  serialization_dir=str(tmp_path / "out"))
    values.update(changes)
    return OwnDataRun(**values)


@pytest.mark.parametrize("approach", sorted(set(APPROACHES.values())))
def test_generic_config_needs_the_training_data_and_nothing_else(approach, tmp_path):
    config = str(PROJECT_ROOT / "training_configs" / approach / "generic.jsonnet")
    empty = {"TRAIN_DATA_PATH": "", "VALIDATION_DATA_PATH": "", "TEST_DATA_PATH": "", "TYPES_FILE": ""}
    with pytest.raises(RuntimeError, match="TRAIN_DATA_PATH is required"):
        Params.from_file(config, ext_vars=empty)
    params = Params.from_file(config, ext_vars={**empty, "TRAIN_DATA_PATH": "mine/train"}).as_dict()
    assert params["train_data_path"] == "mine/train"
    for key in ("validation_data_path", "test_data_path", "evaluate_on_test"):
        assert key not in params
    assert "validation_metric" not in params["trainer"] and "patience" not in params["trainer"]
    assert {"type": "model_card"} in params["trainer"]["callbacks"]
    assert params["include_in_archive"] == ["model_card.json", "README.md"]
    assert "conll04" not in json.dumps(params)
    full = Params.from_file(config, ext_vars={
        **empty, "TRAIN_DATA_PATH": "a", "VALIDATION_DATA_PATH": "b", "TEST_DATA_PATH": "c", "TYPES_FILE": "t.json",
    }).as_dict()
    assert (full["validation_data_path"], full["test_data_path"], full["evaluate_on_test"]) == ("b", "c", True)
    assert full["dataset_reader"]["types_path"] == "t.json" and "validation_metric" in full["trainer"]


def test_resolved_config_has_absolute_paths_inline_types_and_the_options(tmp_path, fixtures_dir, monkeypatch):
    monkeypatch.chdir(fixtures_dir)
    monkeypatch.setenv("TEST_DATA_PATH", "/somewhere/else.json")  # the run's own (none) wins
    run = _run(tmp_path, fixtures_dir, approach="biaffine", train="spert_json/conll04_like_train.json",
               dev="spert_json/conll04_like_dev.json", encoder="tiny_bert", epochs=3, batch_size=4,
               overrides={"trainer.grad_norm": 2.5})
    types = training_types(run, "razdel")
    params = resolve_config(run, types).as_dict()
    assert params["train_data_path"] == str(fixtures_dir / "spert_json" / "conll04_like_train.json")
    assert params["validation_data_path"] == str(fixtures_dir / "spert_json" / "conll04_like_dev.json")
    assert "test_data_path" not in params
    assert params["dataset_reader"]["transformer_model_name"] == str(fixtures_dir / "tiny_bert")
    assert params["dataset_reader"]["types"] == {
        "entities": ["Loc", "Org", "Other", "Peop"],
        "relations": ["Conjunction", "Kill", "Live_In", "Located_In", "OrgBased_In", "Work_For"],
        "symmetric": ["Conjunction"],  # from the *_types.json beside the training file
    }
    assert params["trainer"]["num_epochs"] == 3 and params["trainer"]["grad_norm"] == 2.5
    assert params["data_loader"]["batch_sampler"]["batch_size"] == 4


def test_a_types_file_gives_the_types(tmp_path, fixtures_dir):
    types_file = tmp_path / "mine_types.json"
    types_file.write_text(json.dumps({"entities": {"Peop": {}}, "relations": {"Kill": {"symmetric": True}}}))
    inventory = training_types(_run(tmp_path, fixtures_dir, types=str(types_file)), "razdel")
    assert (inventory.entity_types, inventory.relation_types) == (["Peop"], ["Kill"])
    assert inventory.symmetric_relation_types == {"Kill"}
    with pytest.raises(OwnDataError, match=f"--types {tmp_path / 'none.json'}: no such file"):
        training_types(_run(tmp_path, fixtures_dir, types=str(tmp_path / "none.json")), "razdel")


def test_missing_empty_and_unannotated_data_are_named(tmp_path, fixtures_dir):
    with pytest.raises(OwnDataError, match=f"^--train {tmp_path / 'gone'}: no such file or directory$"):
        check_data(str(tmp_path / "gone"), "--train")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(OwnDataError, match=f"^--dev {tmp_path / 'empty_dir'}: empty \\(no documents\\)"):
        check_data(str(tmp_path / "empty_dir"), "--dev")
    (tmp_path / "empty.json").write_text("[]")
    with pytest.raises(OwnDataError, match="empty.json: empty \\(no documents\\)"):
        check_data(str(tmp_path / "empty.json"), "--train")
    blank = tmp_path / "blank"
    blank.mkdir()
    (blank / "a.txt").write_text("  \n")
    with pytest.raises(OwnDataError, match="blank: empty \\(1 documents without any text\\)"):
        check_data(str(blank), "--train")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.txt").write_text("Just text. No annotation.\n")
    with pytest.raises(OwnDataError, match=f"--test {plain}: no entity annotations in 1 documents"):
        check_data(str(plain), "--test")
    (tmp_path / "bad.json").write_text("[{oops")
    with pytest.raises(FormatError, match="bad.json:1: invalid JSON"):
        check_data(str(tmp_path / "bad.json"), "--train")
    inventory = check_data(str(fixtures_dir / "brat"), "--train")
    assert "GOL" in inventory.relation_types and "MET" in inventory.entity_types


def test_an_existing_run_needs_recover_or_force(tmp_path, fixtures_dir):
    check_output(_run(tmp_path, fixtures_dir))  # not there yet
    (tmp_path / "out").mkdir()
    check_output(_run(tmp_path, fixtures_dir))  # empty
    (tmp_path / "out" / "config.json").write_text("{}")
    with pytest.raises(OwnDataError, match=f"-s {tmp_path / 'out'}: exists and is not empty; --recover"):
        check_output(_run(tmp_path, fixtures_dir))
    check_output(_run(tmp_path, fixtures_dir, recover=True))
    check_output(_run(tmp_path, fixtures_dir, force=True))
    with pytest.raises(OwnDataError, match="give one of them"):
        check_output(_run(tmp_path, fixtures_dir, recover=True, force=True))
    with pytest.raises(OwnDataError, match="--recover needs a run there"):
        check_output(_run(tmp_path, fixtures_dir, serialization_dir=str(tmp_path / "new"), recover=True))


def test_command_line_and_overrides(tmp_path, fixtures_dir):
    run = _run(tmp_path, fixtures_dir, train="my data/train", test="t.json", epochs=2, overrides={"a.b": 1}, force=True)
    assert shlex.split(run.command()) == [
        "jointie", "train", "spert", "--train", "my data/train", "--test", "t.json", "-s", str(tmp_path / "out"),
        "--epochs", "2", "-o", '{"a.b": 1}', "--force",
    ]
    assert parse_overrides('{"trainer.num_epochs": 3}') == {"trainer.num_epochs": 3}
    assert parse_overrides(None) == {}
    with pytest.raises(OwnDataError, match=r"^-o: expected a JSON object of config overrides, .*, got \[1\]$"):
        parse_overrides("[1]")
    with pytest.raises(OwnDataError, match=r"^-o: invalid JSON: Expecting property name .* \(column 2\)$"):
        parse_overrides("{oops")
    with pytest.raises(OwnDataError, match="unknown approach 'crf'"):
        generic_config("crf")


def test_cyrillic_training_text_with_the_english_default_encoder_gets_advice(tmp_path, fixtures_dir):
    from jointie_allennlp.own_data import RUSSIAN_ENCODER, encoder_advice

    russian = tmp_path / "ru"
    russian.mkdir()
    (russian / "doc.txt").write_text("Программа развития предприятий малого бизнеса.", encoding="utf-8")
    (russian / "doc.ann").write_text("T1\tACT 0 9\tПрограмма\n", encoding="utf-8")

    def advice(**changes):
        run = _run(tmp_path, fixtures_dir, **changes)
        return encoder_advice(run, resolve_config(run), "auto")

    message = advice(train=str(russian))
    assert RUSSIAN_ENCODER == "built:multilingual-e5-small"
    assert f"--train {russian}" in message and f"--encoder {RUSSIAN_ENCODER}" in message
    assert advice(train=str(russian), encoder=RUSSIAN_ENCODER) is None  # an encoder given
    assert advice() is None  # English text
    assert advice(train=str(russian), approach="deeper_task_specificity") is None  # words only: no encoder
    assert advice(train=str(russian), approach="biaffine_joint") == message
