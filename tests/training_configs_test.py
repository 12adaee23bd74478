"""Every shipped training config loads and trains for one epoch on the fixtures with the tiny BERT."""
import json
from pathlib import Path

import pytest
import torch
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.data import Batch, DatasetReader, Vocabulary
from allennlp.models import Model

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.formats.spert_json import document_to_spert_dicts
from tests.conftest import tiny_bert_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
CONFIGS = sorted(
    p for p in (PROJECT_ROOT / "training_configs").rglob("*.jsonnet") if not p.name.startswith("_")
)


def fixture_ext_vars(config: Path) -> dict:
    """Points a config at the fixtures: brat for RuREBus configs, SpERT JSON for the others."""
    data_dir = str(FIXTURES)
    if "rurebus" in config.parts or config.stem == "rurebus":
        brat = str(FIXTURES / "brat")
        return tiny_bert_environment(
            TRAIN_DATA_PATH=brat, VALIDATION_DATA_PATH=brat, TEST_DATA_PATH=brat, JOINTIE_DATA_DIR=data_dir
        )
    return tiny_bert_environment(JOINTIE_DATA_DIR=data_dir)


def load_config(config: Path) -> Params:
    return Params.from_file(str(config), ext_vars=fixture_ext_vars(config))


@pytest.mark.parametrize("config", CONFIGS, ids=[str(c.relative_to(PROJECT_ROOT)) for c in CONFIGS])
def test_config_trains_on_fixtures(config, tmp_path):
    params = load_config(config)
    if "trainer" not in params:
        pytest.skip(f"{config.name} is not a training config")
    params["trainer"]["num_epochs"] = 1
    params["trainer"]["cuda_device"] = -1
    params.pop("evaluate_on_test", None)
    has_validation = "validation_data_path" in params
    model = train_model(params, serialization_dir=str(tmp_path / "run"))
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["epoch"] == 0
    assert "training_loss" in metrics
    if has_validation:
        # the shared metric is reported on the validation data
        assert 0.0 <= metrics["validation_ner_f1"] <= 1.0
    assert model is not None and (tmp_path / "run" / "model.tar.gz").exists()


def test_every_config_reads_the_shared_ext_vars():
    for config in CONFIGS:
        text = config.read_text(encoding="utf-8")
        assert "common.libsonnet" in text or ".libsonnet" in text, f"{config} does not import the shared template"


def test_a_nested_trainer_override_replaces_the_block_a_dotted_one_does_not():
    # what the README warns about: `{"trainer": {...}}` drops the optimizer and the schedule
    config = PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"
    ext_vars = fixture_ext_vars(config)
    whole = Params.from_file(str(config), '{"trainer": {"num_epochs": 1}}', ext_vars=ext_vars)
    assert whole["trainer"].as_dict() == {"num_epochs": 1}
    dotted = Params.from_file(str(config), '{"trainer.num_epochs": 1}', ext_vars=ext_vars)["trainer"]
    assert dotted["num_epochs"] == 1
    assert dotted["learning_rate_scheduler"]["type"] == "linear_with_warmup_fraction"
    assert dotted["optimizer"]["type"] == "huggingface_adamw" and dotted["grad_norm"] == 1.0


def _written(document: Document, directory: Path) -> str:
    """`document` as a SpERT JSON training file (every reader reads it)."""
    path = directory / "one.json"
    path.write_text(json.dumps(document_to_spert_dicts(document)), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("config", CONFIGS, ids=[str(c.relative_to(PROJECT_ROOT)) for c in CONFIGS])
def test_every_trainable_parameter_gets_a_gradient_in_every_batch(config, tmp_path):
    """Distributed training (DDP) fails when a trainable parameter takes no part in a batch's loss."""
    params = load_config(config)
    if "trainer" not in params:
        pytest.skip(f"{config.name} is not a training config")
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    # a training reader may sample (rurebus/re_cpu keeps a tenth of the main entities without
    # relations); the validation reader reads every instance
    full_reader = reader
    if "validation_dataset_reader" in params:
        full_reader = DatasetReader.from_params(params.pop("validation_dataset_reader"))
    train_path = params.pop("train_data_path")
    instances = list(reader.read(train_path))
    vocab = Vocabulary.from_params(params.pop("vocabulary", Params({})), instances=instances)
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    # the fixture's batches, then one batch without any relation (one entity only)
    batches = [instances[start : start + 2] for start in range(0, len(instances), 2)]
    document = next(iter(reader.read_documents(train_path)))
    no_relation = _written(document.with_annotations(document.entities[:1], []), tmp_path)
    batches.append((list(reader.read(no_relation)) or list(full_reader.read(no_relation)))[:2])
    torch.manual_seed(0)
    model.train()
    for number, batch in enumerate(batches):
        for instance in batch:
            instance.index_fields(vocab)
        model.zero_grad(set_to_none=True)
        model(**Batch(batch).as_tensor_dict())["loss"].backward()
        missing = [name for name, p in model.named_parameters() if p.requires_grad and p.grad is None]
        assert not missing, f"batch {number} of {len(batches)}: no gradient for {missing}"
