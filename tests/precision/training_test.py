"""bf16 autocast in training: the option's values, and a SpERT model that trains under it on the fixtures."""
import pytest
import torch
from allennlp.common import Params
from allennlp.data import Batch, DatasetReader, Vocabulary
from allennlp.models import Model

from jointie_allennlp.precision import cpu
from jointie_allennlp.precision.training import bf16_training_enabled
from tests.conftest import PROJECT_ROOT, tiny_bert_environment

CONFIG = PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"


def test_the_option_values(monkeypatch):
    assert [bf16_training_enabled(value) for value in (True, False, None, "1", "true", "0", "", "off")] == [
        True, False, False, True, True, False, False, False]
    monkeypatch.setattr(cpu, "cpu_features", lambda: frozenset({"avx2", "avx512_bf16"}))
    assert bf16_training_enabled("auto") is True
    monkeypatch.setattr(cpu, "cpu_features", lambda: frozenset({"avx2", "avx512f"}))
    assert bf16_training_enabled("AUTO") is False
    with pytest.raises(ValueError, match="BF16_TRAINING\\) must be auto, 1 or 0; got 'maybe'"):
        bf16_training_enabled("maybe")


def _params(**variables):
    return Params.from_file(str(CONFIG), ext_vars=tiny_bert_environment(**variables))


def test_the_config_variable_reaches_the_model_only_when_set():
    assert "bf16_training" not in _params().as_dict()["model"]
    assert _params(BF16_TRAINING="auto").as_dict()["model"]["bf16_training"] == "auto"


def test_a_model_trains_under_bf16_autocast_and_its_loss_decreases():
    params = _params(BF16_TRAINING="1")  # forced on: autocast on the CPU runs anywhere
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    instances = list(reader.read(tiny_bert_environment()["VALIDATION_DATA_PATH"]))
    vocab = Vocabulary.from_instances(instances)
    torch.manual_seed(0)
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    assert model.bf16_training is True
    products = []
    linear = next(m for m in model.text_field_embedder.modules() if isinstance(m, torch.nn.Linear))
    linear.register_forward_hook(lambda module, inputs, output: products.append(output.dtype))
    batch = Batch(instances)
    batch.index_instances(vocab)
    tensors = batch.as_tensor_dict()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    losses = []
    for _ in range(12):
        loss = model(**tensors)["loss"]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert set(products) == {torch.bfloat16}  # the encoder's matrix products ran in bf16
    assert all(parameter.dtype == torch.float32 for parameter in model.parameters())  # the weights stay fp32
    assert sum(losses[-3:]) / 3 < 0.8 * sum(losses[:3]) / 3, losses
    model.eval()
    model.bf16_inference = False
    with torch.no_grad():
        model(**tensors)
    assert products[-1] == torch.float32  # evaluation follows bf16_inference, not bf16_training
