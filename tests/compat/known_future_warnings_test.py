"""Tests of jointie_allennlp.compat.known_future_warnings."""
import os
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from packaging.version import Version  # noqa: E402


from jointie_allennlp import compat  # noqa: E402

TORCH = Version(Version(torch.__version__).base_version)
TRANSFORMERS = Version(Version(transformers.__version__).base_version)


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
