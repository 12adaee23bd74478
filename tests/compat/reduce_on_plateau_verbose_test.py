"""Tests of jointie_allennlp.compat.reduce_on_plateau_verbose.

The unpatched behaviour (reached through the wrapper's `__wrapped__` / `__wrapped_original__`) shows
the breakage on the installed versions; the patched path shows the fix.
"""
import inspect

import pytest
import torch
from allennlp.common import Params
from allennlp.training.learning_rate_schedulers import LearningRateScheduler
from allennlp.training.learning_rate_schedulers.pytorch_lr_schedulers import (
    ReduceOnPlateauLearningRateScheduler,
)
from packaging.version import Version

from tests.conftest import TORCH


def _optimizer(lr=0.1):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


@pytest.mark.skipif(TORCH < Version("2.7"), reason="verbose removed in torch 2.7")
def test_unpatched_reduce_on_plateau_still_breaks():
    original = ReduceOnPlateauLearningRateScheduler.__init__.__wrapped_original__
    scheduler = ReduceOnPlateauLearningRateScheduler.__new__(ReduceOnPlateauLearningRateScheduler)
    with pytest.raises(TypeError, match="verbose"):
        original(scheduler, _optimizer())


def test_reduce_on_plateau_signature_unchanged():
    patched = inspect.signature(ReduceOnPlateauLearningRateScheduler.__init__)
    original = inspect.signature(ReduceOnPlateauLearningRateScheduler.__init__.__wrapped_original__)
    assert patched == original


@pytest.mark.parametrize("verbose", [False, True])
def test_reduce_on_plateau_from_params_steps(verbose):
    optimizer = _optimizer(0.1)
    scheduler = LearningRateScheduler.from_params(
        Params({"type": "reduce_on_plateau", "patience": 0, "factor": 0.5, "verbose": verbose}),
        optimizer=optimizer,
    )
    assert isinstance(scheduler, ReduceOnPlateauLearningRateScheduler)
    scheduler.step(1.0)
    scheduler.step(2.0)  # worse -> patience 0 exhausted -> lr halved
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.05)
    restored = LearningRateScheduler.from_params(
        Params({"type": "reduce_on_plateau"}), optimizer=_optimizer(0.05)
    )
    restored.load_state_dict(scheduler.state_dict())
    assert restored.lr_scheduler.best == 1.0
