"""allennlp's loss and masked helpers work on bf16 tensors (autocast), with float32's guard value."""
import pytest
import torch
from allennlp.nn import util

import jointie_allennlp  # noqa: F401  (applies the fixes)


def test_tiny_value_answers_for_bfloat16_and_keeps_the_others():
    assert util.tiny_value_of_dtype(torch.bfloat16) == 1e-13
    assert util.tiny_value_of_dtype(torch.float32) == 1e-13 and util.tiny_value_of_dtype(torch.half) == 1e-4
    with pytest.raises(TypeError):
        util.tiny_value_of_dtype(torch.int64)


def test_sequence_cross_entropy_on_bf16_logits_matches_float32():
    logits = torch.tensor([[[2.0, 0.0, -1.0], [0.5, 1.5, 0.0]]])
    tags, mask = torch.tensor([[0, 1]]), torch.tensor([[True, True]])
    expected = util.sequence_cross_entropy_with_logits(logits, tags, mask, average="token")
    # by hand: mean of -log softmax: [2, 0, -1] at 0 -> 0.16985; [0.5, 1.5, 0] at 1 -> 0.46436
    assert expected.item() == pytest.approx((0.16985 + 0.46436) / 2, abs=1e-4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = util.sequence_cross_entropy_with_logits(logits.bfloat16(), tags, mask, average="token")
    assert got.item() == pytest.approx(expected.item(), abs=2e-2)
    masked = util.masked_mean(logits.bfloat16(), mask.unsqueeze(-1), dim=1)
    assert masked.float()[0].tolist() == pytest.approx([1.25, 0.75, -0.5], abs=1e-2)
