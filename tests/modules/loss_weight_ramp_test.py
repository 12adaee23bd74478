from types import SimpleNamespace

import pytest
from allennlp.common.checks import ConfigurationError

from jointie_allennlp.modules.callbacks.loss_weight_ramp import LossWeightRampCallback
from jointie_allennlp.modules.loss_weight_ramp import LossWeightRamp


def test_lambda_rises_linearly_over_the_ramp_then_stays_one():
    ramp = LossWeightRamp(ramp_batches=4)
    assert [ramp.step() for _ in range(7)] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert int(ramp.batches_seen) == 7


def test_value_for_a_given_batch_count():
    ramp = LossWeightRamp(ramp_batches=10)
    assert ramp.value(0) == 0.0 and ramp.value(3) == pytest.approx(0.3) and ramp.value(25) == 1.0


def test_disabled_ramp_is_always_one():
    ramp = LossWeightRamp(enabled=False)
    assert [ramp.step() for _ in range(3)] == [1.0, 1.0, 1.0]


def test_ramp_without_length_warns_and_uses_weight_one(caplog):
    ramp = LossWeightRamp()
    assert [ramp.step(), ramp.step()] == [1.0, 1.0]
    warnings = [r for r in caplog.records if "loss_weight_ramp" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"


def test_ramp_state_survives_state_dict_round_trip():
    ramp = LossWeightRamp(ramp_batches=8)
    for _ in range(3):
        ramp.step()
    restored = LossWeightRamp()
    restored.load_state_dict(ramp.state_dict())
    assert restored.ramp_batches == 8 and restored.step() == pytest.approx(3 / 8)


def _trainer(model, batches):
    return SimpleNamespace(model=model, data_loader=[None] * batches)


def test_callback_sets_the_ramp_to_epochs_times_batches_per_epoch(tmp_path):
    model = SimpleNamespace(loss_weight_ramp=LossWeightRamp())
    LossWeightRampCallback(str(tmp_path)).on_start(_trainer(model, 12))
    assert model.loss_weight_ramp.ramp_batches == 12
    LossWeightRampCallback(str(tmp_path), epochs=0.5).on_start(_trainer(model, 12))
    assert model.loss_weight_ramp.ramp_batches == 6
    assert [model.loss_weight_ramp.step() for _ in range(4)] == pytest.approx([0, 1 / 6, 2 / 6, 3 / 6])


def test_callback_needs_a_model_with_a_ramp(tmp_path):
    with pytest.raises(ConfigurationError):
        LossWeightRampCallback(str(tmp_path)).on_start(_trainer(SimpleNamespace(), 3))
