"""Every approach trains one epoch under bf16 autocast and predicts in bf16 on the fixtures (autocast
runs on any CPU): no allennlp helper or output conversion refuses a bfloat16 tensor."""
import json

import pytest
from allennlp.commands.train import train_model
from allennlp.common import Params

from jointie_allennlp.predictors.loading import load_predictor
from tests.conftest import PROJECT_ROOT, tiny_bert_environment

CONFIGS = ["spert/conll04.jsonnet", "spert_mt/conll04.jsonnet", "biaffine/conll04.jsonnet",
           "deeper_task_specificity/conll04.jsonnet", "deeper_task_specificity/conll04_transformer.jsonnet",
           "marked_entity/conll04.jsonnet", "rurebus/ner.jsonnet"]


@pytest.mark.parametrize("config", CONFIGS)
def test_trains_and_predicts_in_bf16(config, tmp_path):
    ext_vars = tiny_bert_environment(BF16_TRAINING="1", DISTRIBUTED_DEVICES="", MAX_INSTANCES="")
    params = Params.from_file(str(PROJECT_ROOT / "training_configs" / config), ext_vars=ext_vars)
    model = train_model(params, serialization_dir=str(tmp_path / "run"))
    assert model.bf16_training is True
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["training_loss"] == metrics["training_loss"]  # not NaN
    predictor = load_predictor(str(tmp_path / "run" / "model.tar.gz"), precision="bf16")
    assert predictor.precision.precision == "bf16"
    gold = json.loads((PROJECT_ROOT / "fixtures" / "spert_json" / "conll04_like_test.json").read_text())[:3]
    records = predictor.predict_batch_json([{"id": str(n), "tokens": item["tokens"],
                                             **({"entities": item["entities"]} if "marked_entity" in config else {})}
                                            for n, item in enumerate(gold)])
    assert [record["id"] for record in records] == ["0", "1", "2"]
    assert not [record["error"] for record in records if "error" in record]
