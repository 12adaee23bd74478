"""`tune-threshold`: one scoring pass of an archived model on dev, a grid of thresholds, the best per task."""
import json
from pathlib import Path

import pytest
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.data.data_loaders import SimpleDataLoader
from allennlp.models.archival import load_archive
from allennlp.training.util import evaluate

from jointie_allennlp.cli import main
from tests.conftest import tiny_bert_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
DEV = str(FIXTURES / "spert_json" / "conll04_like_dev.json")


@pytest.fixture(scope="module")
def spert_mt_archive(tmp_path_factory) -> str:
    params = Params.from_file(
        str(PROJECT_ROOT / "training_configs" / "spert_mt" / "conll04.jsonnet"),
        ext_vars=tiny_bert_environment(TEST_DATA_PATH=None, NUM_EPOCHS="2"),
    )
    params.pop("evaluate_on_test", None)
    params.pop("test_data_path", None)
    directory = tmp_path_factory.mktemp("spert_mt_run")
    train_model(params, serialization_dir=str(directory))
    return str(directory / "model.tar.gz")


def _evaluate(archive_file: str, overrides: dict) -> dict:
    archive = load_archive(archive_file, overrides=json.dumps(overrides))
    loader = SimpleDataLoader(list(archive.validation_dataset_reader.read(DEV)), batch_size=8)
    loader.index_with(archive.model.vocab)
    return evaluate(archive.model, loader, cuda_device=-1)


def test_tune_threshold_command_scores_the_grid_like_evaluate(spert_mt_archive, capsys):
    grid = ["-0.2", "0.0", "0.2"]
    status = main(["tune-threshold", spert_mt_archive, DEV, "--entity-grid", *grid, "--relation-grid", *grid])
    assert status == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["model"] == "SpertMTModel" and len(result["grid"]) == 9
    assert result["current"] == {"entity_threshold": 0.85, "relation_threshold": 0.85}
    # every grid row is what `allennlp evaluate --overrides` gives at those thresholds (two checked)
    for row in (result["grid"][0], result["grid"][5]):
        metrics = _evaluate(
            spert_mt_archive,
            {"model.entity_threshold": row["entity_threshold"], "model.relation_threshold": row["relation_threshold"]},
        )
        for key in ("ner_f1", "rel_strict_f1", "rel_boundaries_f1"):
            assert row[key] == pytest.approx(metrics[key], abs=1e-9)
    # the best entity θ has the highest NER F1 of the grid, the best relation θ the highest
    # relation F1 among the rows at that entity θ
    best_entity = result["options"]["entity_threshold"]
    assert result["best"]["entities"]["ner_f1"] == max(r["ner_f1"] for r in result["grid"])
    at_entity = [r for r in result["grid"] if r["entity_threshold"] == best_entity]
    assert result["best"]["relations"]["rel_strict_f1"] == max(r["rel_strict_f1"] for r in at_entity)
    assert json.loads(result["overrides"]) == {
        "model.entity_threshold": best_entity,
        "model.relation_threshold": result["options"]["relation_threshold"],
    }



def test_grids_must_be_finite_and_probabilities_in_0_1():
    from jointie_allennlp.data.errors import FormatError
    from jointie_allennlp.threshold_tuning import check_grid, tune_thresholds

    for grid, option in (([0.5, float("nan")], "--relation-grid"), ([float("inf")], "--entity-grid")):
        with pytest.raises(FormatError, match=f"^{option}: (nan|inf) is not a finite number$"):
            keyword = "relation_grid" if option == "--relation-grid" else "entity_grid"
            tune_thresholds("never-loaded.tar.gz", DEV, **{keyword: grid})
    check_grid([-0.5, 3.0], "--relation-grid")  # raw class scores (spert_mt) may lie anywhere
    with pytest.raises(FormatError, match=r"^--relation-grid: 1.5 is outside \[0, 1\]"):
        check_grid([0.5, 1.5], "--relation-grid", probabilities=True)


def test_dev_data_without_gold_is_an_error(spert_mt_archive, tmp_path):
    from jointie_allennlp.data.errors import FormatError
    from jointie_allennlp.threshold_tuning import tune_thresholds

    items = json.loads(Path(DEV).read_text("utf-8"))
    for name, strip in (("bare", ("entities", "relations")), ("no_relations", ("relations",))):
        dev = tmp_path / f"{name}_dev.json"
        dev.write_text(json.dumps([{**item, **{key: [] for key in strip}} for item in items]), encoding="utf-8")
        missing = "entities and no gold relations" if name == "bare" else "relations"
        with pytest.raises(FormatError, match=f"^{dev}: the dev data has no gold {missing}: every score"):
            tune_thresholds(spert_mt_archive, str(dev), [0.0], [0.0])


def test_an_archive_that_is_missing_or_no_archive_is_named(tmp_path, capsys):
    not_archive = tmp_path / "model.tar.gz"
    not_archive.write_text("not a tar", encoding="utf-8")
    for path, message in ((tmp_path / "missing.tar.gz", "no such model archive"), (not_archive, "not a model archive")):
        assert main(["tune-threshold", str(path), DEV]) == 2
        error = capsys.readouterr().err
        assert error.startswith(f"error: {path}: {message}") and "Traceback" not in error
