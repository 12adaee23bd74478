import pytest
import torch
from allennlp.commands.train import TrainModel
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from jointie_allennlp.modules.linear_with_warmup_fraction import LinearWithWarmupFraction
from tests.training_configs_test import PROJECT_ROOT, fixture_ext_vars


def _optimizer(lr=1.0):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def test_warmup_is_a_fraction_of_all_steps_then_linear_decay():
    optimizer = _optimizer()
    scheduler = LinearWithWarmupFraction(optimizer, num_epochs=2, num_steps_per_epoch=25, warmup_fraction=0.1)
    assert (scheduler.warmup_steps, scheduler.total_steps) == (5, 50)
    rates = []
    for step in range(1, 51):
        scheduler.step_batch(step)
        rates.append(optimizer.param_groups[0]["lr"])
    assert rates[:5] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])  # steps 1..5: rising to lr
    assert rates[24] == pytest.approx(25 / 45)  # step 25: (50 - 25) / (50 - 5)
    assert rates[-1] == 0.0


def test_tiny_data_still_warms_up_one_step_and_bad_fraction_is_refused():
    assert LinearWithWarmupFraction(_optimizer(), 1, 3, warmup_fraction=0.1).warmup_steps == 1
    assert LinearWithWarmupFraction(_optimizer(), 1, 3, warmup_fraction=0.0).warmup_steps == 0
    with pytest.raises(ConfigurationError, match="warmup_fraction"):
        LinearWithWarmupFraction(_optimizer(), 1, 3, warmup_fraction=1.5)
    with pytest.raises(ConfigurationError, match="batches per epoch"):
        LinearWithWarmupFraction(_optimizer(), 1, None)


@pytest.mark.parametrize("approach", ["spert", "spert_mt"])
def test_shipped_config_warms_up_over_a_tenth_of_the_fixture_steps(approach, tmp_path):
    config = PROJECT_ROOT / "training_configs" / approach / "conll04.jsonnet"
    ext_vars = {**fixture_ext_vars(config), "NUM_EPOCHS": "20", "BATCH_SIZE": "2"}
    params = Params.from_file(str(config), ext_vars=ext_vars)
    params.pop("evaluate_on_test", None)
    params.pop("test_data_path", None)
    params.pop("evaluation", None)  # read by `allennlp evaluate`, not TrainModel
    for seed in ("random_seed", "numpy_seed", "pytorch_seed"):  # read by `train_model`, not TrainModel
        params.pop(seed)
    train_loop = TrainModel.from_params(params=params, serialization_dir=str(tmp_path), local_rank=0)
    trainer = train_loop.trainer
    batches = len(trainer.data_loader)
    assert batches == 5  # the 10 fixture training sentences in batches of 2
    scheduler = trainer._learning_rate_scheduler
    assert isinstance(scheduler, LinearWithWarmupFraction)
    assert scheduler.total_steps == 20 * batches
    assert scheduler.warmup_steps == 10  # 10% of 20 epochs × 5 batches (not of a hard-coded count)
