"""
bf16 autocast (torch>=1.10): allennlp 2.10.1's `tiny_value_of_dtype` knows float16, float32 and
float64 only, so every allennlp function that guards a division with it
(`sequence_cross_entropy_with_logits`, `masked_mean`, ...) raises `TypeError: Does not support
dtype torch.bfloat16` on bf16 tensors: a `bio_tagger` cannot predict or train in bf16. bfloat16 has
float32's exponent range, so it gets float32's value (1e-13).
Test: tests/compat/bfloat16_tiny_value_test.py.
"""
import torch

from jointie_allennlp.patching import MARKER

#: float32's value in allennlp, representable in bfloat16 (same exponent range)
BFLOAT16_TINY = 1e-13


def fix_bfloat16_tiny_value() -> bool:
    """Makes `allennlp.nn.util.tiny_value_of_dtype` answer for bfloat16; True once installed."""
    from allennlp.nn import util

    if getattr(util.tiny_value_of_dtype, MARKER, False):
        return True
    original = util.tiny_value_of_dtype

    def tiny_value_of_dtype(dtype: torch.dtype):
        if dtype == torch.bfloat16:
            return BFLOAT16_TINY
        return original(dtype)

    tiny_value_of_dtype.__doc__ = original.__doc__
    tiny_value_of_dtype.__wrapped_original__ = original
    setattr(tiny_value_of_dtype, MARKER, True)
    util.tiny_value_of_dtype = tiny_value_of_dtype
    return True
