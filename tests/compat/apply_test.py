"""`compat.apply` installs each fix once, wrapping the originals."""
import torch
from allennlp.common import cached_transformers
from allennlp.training.learning_rate_schedulers.pytorch_lr_schedulers import (
    ReduceOnPlateauLearningRateScheduler,
)

from jointie_allennlp import compat  # (importing the package (conftest) has applied the fixes)
from jointie_allennlp.patching import MARKER


def _original_torch_load():
    return getattr(torch.load, "__wrapped_original__", torch.load)


def test_apply_is_idempotent():
    load, get_tokenizer, init = (
        torch.load,
        cached_transformers.get_tokenizer,
        ReduceOnPlateauLearningRateScheduler.__init__,
    )
    compat.apply()
    compat.fix_get_tokenizer_add_special_tokens()
    compat.fix_torch_load_weights_only()
    compat.fix_reduce_on_plateau_verbose()
    assert torch.load is load
    assert cached_transformers.get_tokenizer is get_tokenizer
    assert ReduceOnPlateauLearningRateScheduler.__init__ is init
    # Wrappers wrap the originals, never another wrapper.
    assert not getattr(_original_torch_load(), MARKER, False)
    assert not getattr(get_tokenizer.__wrapped_original__, MARKER, False)
