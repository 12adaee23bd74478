"""The papers' training protocols as the configs build them: optimizers, batching, final runs."""
from pathlib import Path

import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.data.data_loaders import DataLoader
from allennlp.models import Model
from allennlp.training.optimizers import Optimizer

from tests.conftest import tiny_bert_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
SPERT = FIXTURES / "spert_json"


def _ext_vars(**extra) -> dict:
    return tiny_bert_environment(**{"NUM_EPOCHS": None, "BATCH_SIZE": "3", "FINAL_RUN": "", "BATCHING": "", **extra})


def _config(approach: str, **extra) -> Params:
    config = PROJECT_ROOT / "training_configs" / approach / "conll04.jsonnet"
    return Params.from_file(str(config), ext_vars=_ext_vars(**extra))


def _optimizer(params: Params):
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    instances = list(reader.read(str(SPERT / "conll04_like_train.json")))
    model = Model.from_params(vocab=Vocabulary.from_instances(instances), params=params.pop("model"))
    optimizer = Optimizer.from_params(
        model_parameters=list(model.named_parameters()), params=params.pop("trainer").pop("optimizer")
    )
    names = {id(p): n for n, p in model.named_parameters()}
    return optimizer, names, reader, instances


@pytest.mark.parametrize("approach", ["spert", "spert_mt"])
def test_spert_adamw_without_bias_correction_and_no_decay_on_biases(approach):
    optimizer, names, _, _ = _optimizer(_config(approach))
    assert all(group["correct_bias"] is False for group in optimizer.param_groups)
    for group in optimizer.param_groups:
        for parameter in group["params"]:
            name = names[id(parameter)]
            no_decay = name.endswith("bias") or name.endswith("LayerNorm.weight")
            assert group["weight_decay"] == (0.0 if no_decay else 0.01), name
    switched, _, _, _ = _optimizer(
        Params.from_file(
            str(PROJECT_ROOT / "training_configs" / approach / "conll04.jsonnet"),
            params_overrides='{"trainer.optimizer.correct_bias": true}',
            ext_vars=_ext_vars(),
        )
    )
    assert all(group["correct_bias"] is True for group in switched.param_groups)


@pytest.mark.parametrize("batching", ["bucket", "shuffle"])
def test_spert_batching_switch(batching):
    params = _config("spert", BATCHING=batching)
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    loader_params = params.pop("data_loader")
    train = str(SPERT / "conll04_like_train.json")
    loader = DataLoader.from_params(params=loader_params, reader=reader, data_path=train)
    instances = list(reader.read(str(SPERT / "conll04_like_train.json")))
    loader.index_with(Vocabulary.from_instances(instances))
    sizes = [len(batch["metadata"]) for batch in loader]
    if batching == "shuffle":  # the reference: random order, incomplete last batch dropped
        assert sizes == [3] * (len(instances) // 3)
        orders = {tuple(m["document"].id for b in loader for m in b["metadata"]) for _ in range(5)}
        assert len(orders) > 1
    else:  # batches of similar length, the last incomplete one kept
        assert sum(sizes) == len(instances) and len(sizes) == -(-len(instances) // 3)
    with pytest.raises(Exception, match="BATCHING"):
        _config("spert", BATCHING="sorted")


def test_biaffine_one_learning_rate_no_decay_on_biases_and_layer_norm():
    optimizer, names, _, _ = _optimizer(_config("biaffine"))
    seen = 0
    for group in optimizer.param_groups:
        assert group["lr"] == 5e-5
        for parameter in group["params"]:
            name = names[id(parameter)]
            no_decay = name.endswith("bias") or name.endswith("LayerNorm.weight")
            assert group["weight_decay"] == (0.0 if no_decay else 0.01), name
            seen += 1
    assert seen == len(names)


def test_biaffine_head_lr_gives_the_heads_their_own_rate(tmp_path):
    config = tmp_path / "two_rates.jsonnet"
    library = PROJECT_ROOT / "training_configs" / "biaffine" / "biaffine.libsonnet"
    config.write_text(
        f"(import '{library}').config(train_path='t', validation_path='v', head_lr=1e-3)", encoding="utf-8"
    )
    optimizer, names, _, _ = _optimizer(Params.from_file(str(config), ext_vars=_ext_vars()))
    seen = 0
    for group in optimizer.param_groups:
        for parameter in group["params"]:
            name = names[id(parameter)]
            assert group["lr"] == (5e-5 if name.startswith("text_field_embedder") else 1e-3), name
            no_decay = name.endswith("bias") or name.endswith("LayerNorm.weight")
            assert group["weight_decay"] == (0.0 if no_decay else 0.01), name
            seen += 1
    assert seen == len(names)


def test_biaffine_final_run_trains_on_train_and_dev_and_keeps_the_last_epoch():
    default = _config("biaffine", TRAIN_DATA_PATH="", VALIDATION_DATA_PATH="", JOINTIE_DATA_DIR="/data")
    assert default["train_data_path"] == "/data/conll04/conll04_train.json"
    assert default["trainer"]["validation_metric"] == "+rel_strict_f1"
    final = _config("biaffine", TRAIN_DATA_PATH="", VALIDATION_DATA_PATH="", JOINTIE_DATA_DIR="/data", FINAL_RUN="1")
    assert final["train_data_path"] == "/data/conll04/conll04_train_dev.json"
    assert "validation_data_path" not in final and "validation_metric" not in final["trainer"]


@pytest.mark.parametrize("approach", ["spert", "spert_mt", "biaffine", "deeper_task_specificity"])
def test_ade_configs_take_the_fold(approach):
    config = str(PROJECT_ROOT / "training_configs" / approach / "ade.jsonnet")
    ext_vars = _ext_vars(TRAIN_DATA_PATH="", TEST_DATA_PATH="", VALIDATION_DATA_PATH="", JOINTIE_DATA_DIR="/d")
    for fold, expected in (("", 0), ("7", 7)):
        params = Params.from_file(config, ext_vars={**ext_vars, "ADE_FOLD": fold})
        assert params["train_data_path"] == f"/d/ade/ade_split_{expected}_train.json"
        assert params["test_data_path"] == f"/d/ade/ade_split_{expected}_test.json"
        assert params["dataset_reader"].get("drop_overlapping_relations", False) == (approach == "biaffine")


def test_crone_follows_the_reimplementation_report():
    params = _config("deeper_task_specificity", BATCH_SIZE="")
    assert params["data_loader"]["batch_sampler"]["batch_size"] == 2
    assert params["trainer"]["optimizer"]["lr"] == 0.003
    assert params["model"]["text_field_embedder"]["token_embedders"]["tokens"]["embedding_dim"] == 300
