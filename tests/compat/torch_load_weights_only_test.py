"""Tests of jointie_allennlp.compat.torch_load_weights_only.

The unpatched behaviour (reached through the wrapper's `__wrapped__` / `__wrapped_original__`) shows
the breakage on the installed versions; the patched path shows the fix.
"""
import io
import pickle

import numpy as np
import pytest
import torch
from allennlp.common.file_utils import TensorCache
from allennlp.training.checkpointer import Checkpointer
from allennlp.training.trainer import TrainerCheckpoint
from packaging.version import Version

from jointie_allennlp.compat import torch_load_weights_only
from tests.conftest import TORCH


def _original_torch_load():
    return getattr(torch.load, "__wrapped_original__", torch.load)


class _Opaque:
    """A non-tensor object that a weights-only unpickler must reject."""

    def __init__(self, value):
        self.value = value


def _training_state():
    return {
        "version": 1,
        "metric_tracker": {"best_so_far": np.float64(0.5), "best_epoch_metrics": {"f1": np.float64(0.5)}},
        "epochs_completed": 1,
        "batches_in_epoch_completed": 0,
        "custom": _Opaque(3),
    }


class _FakeTrainer:
    def get_checkpoint_state(self):
        return TrainerCheckpoint({"w": torch.ones(2)}, _training_state())


def test_checkpointer_round_trip(tmp_path):
    checkpointer = Checkpointer(tmp_path)
    checkpointer.save_checkpoint(_FakeTrainer())
    _, training_state_path = checkpointer.find_latest_checkpoint()
    if TORCH >= Version("2.6"):
        with pytest.raises(pickle.UnpicklingError):
            _original_torch_load()(training_state_path)  # unpatched default
    model_state, training_state = checkpointer.load_checkpoint()
    assert torch.equal(model_state["w"], torch.ones(2))
    assert training_state["metric_tracker"]["best_so_far"] == 0.5
    assert training_state["custom"].value == 3
    assert torch_load_weights_only._TRUSTED_TORCH_LOAD.get() is False  # reset afterwards


def test_tensor_cache_round_trip(tmp_path):
    cache = TensorCache(tmp_path / "cache")
    cache["a"] = torch.arange(5.0)
    cache["b"] = torch.arange(6).view(2, 3)[:, 1]  # non-contiguous view
    del cache
    cache = TensorCache(tmp_path / "cache", read_only=True)  # empty in-memory cache
    assert torch.equal(cache["a"], torch.arange(5.0))
    assert torch.equal(cache["b"], torch.tensor([1, 4]))
    assert torch_load_weights_only._TRUSTED_TORCH_LOAD.get() is False


@pytest.mark.skipif(TORCH < Version("2.6"), reason="weights_only default changed in torch 2.6")
def test_unpatched_tensor_cache_format_still_breaks():
    buffer = io.BytesIO()
    torch.save(torch.arange(3.0), buffer, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        _original_torch_load()(buffer, map_location="cpu")


def _pickled_opaque() -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save({"x": _Opaque(1)}, buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.skipif(TORCH < Version("2.6"), reason="weights_only default changed in torch 2.6")
def test_torch_load_default_is_unchanged_outside_allennlp():
    with pytest.raises(pickle.UnpicklingError):
        torch.load(_pickled_opaque())


def test_explicit_weights_only_true_is_respected_even_inside_allennlp(tmp_path, monkeypatch):
    seen = {}

    def load_checkpoint(self):
        seen["inside"] = torch_load_weights_only._TRUSTED_TORCH_LOAD.get()
        with pytest.raises(pickle.UnpicklingError):
            torch.load(_pickled_opaque(), weights_only=True)
        return torch.load(_pickled_opaque())  # default -> trusted inside

    monkeypatch.setattr(Checkpointer, "load_checkpoint", torch_load_weights_only._trusted_torch_load(load_checkpoint))
    assert Checkpointer(tmp_path).load_checkpoint()["x"].value == 1
    assert seen["inside"] is True
    assert torch_load_weights_only._TRUSTED_TORCH_LOAD.get() is False


def test_trusted_context_is_reset_after_an_exception():
    @torch_load_weights_only._trusted_torch_load
    def boom():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        boom()
    assert torch_load_weights_only._TRUSTED_TORCH_LOAD.get() is False
