"""Tests of jointie_allennlp.compat.known_future_warnings."""
import warnings

import pytest
import torch
import transformers

from jointie_allennlp import compat


@pytest.mark.filterwarnings("default::FutureWarning")
def test_known_future_warnings_are_silenced_and_no_others():
    compat.silence_known_future_warnings()  # pytest's per-test filters came after the import-time ones
    parameter = torch.nn.Parameter(torch.zeros(2))
    with warnings.catch_warnings(record=True) as caught:
        transformers.AdamW([parameter], lr=0.1)
        warnings.warn_explicit(
            "`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', args...)`",
            FutureWarning, "gradient_descent_trainer.py", 509, module="allennlp.training.gradient_descent_trainer",
        )
        warnings.warn_explicit(
            "`torch.cuda.amp.autocast(args...)` is deprecated.", FutureWarning, "mine.py", 1, module="mine"
        )
        warnings.warn_explicit("something else is deprecated", FutureWarning, "x.py", 1, module="transformers.x")
    assert [str(w.message) for w in caught] == [
        "`torch.cuda.amp.autocast(args...)` is deprecated.",
        "something else is deprecated",
    ]
