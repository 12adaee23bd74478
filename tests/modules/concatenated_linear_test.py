import pytest
import torch
from torch import nn

from jointie_allennlp.modules.concatenated_linear import linear_over_parts


def _parts(generator):
    shared = torch.randn(3, 1, 4, generator=generator)  # one row per batch item, broadcast over positions
    per_position = torch.randn(3, 5, 6, generator=generator)
    small = torch.randn(3, 5, 2, generator=generator)
    return [shared, per_position, small]


@pytest.mark.parametrize("bias", [True, False])
def test_equals_the_layer_on_the_concatenation_with_gradients(bias):
    generator = torch.Generator().manual_seed(0)
    layer = nn.Linear(12, 7, bias=bias)
    parts = [part.requires_grad_() for part in _parts(generator)]
    result = linear_over_parts(layer, parts)
    concatenated = torch.cat([parts[0].expand(3, 5, 4), parts[1], parts[2]], dim=-1)
    expected = layer(concatenated)
    assert result.shape == (3, 5, 7)
    torch.testing.assert_close(result, expected)

    weights = torch.randn(3, 5, 7, generator=generator)
    (result * weights).sum().backward()
    gradients = [part.grad.clone() for part in parts] + [layer.weight.grad.clone()]
    for tensor in parts + [layer.weight]:
        tensor.grad = None
    (expected * weights).sum().backward()
    # the shared part's gradient sums over the positions it was broadcast to
    for got, want in zip(gradients, [part.grad for part in parts] + [layer.weight.grad]):
        torch.testing.assert_close(got, want)


def test_a_quantized_layer_gets_the_concatenation():
    generator = torch.Generator().manual_seed(1)
    layer = nn.Sequential(nn.Linear(12, 7))
    quantized = torch.ao.quantization.quantize_dynamic(layer, {nn.Linear}, dtype=torch.qint8)[0]
    assert type(quantized) is not nn.Linear
    parts = _parts(generator)
    concatenated = torch.cat([parts[0].expand(3, 5, 4), parts[1], parts[2]], dim=-1)
    torch.testing.assert_close(linear_over_parts(quantized, parts), quantized(concatenated))


def test_parts_of_the_wrong_total_width_are_an_error():
    with pytest.raises(ValueError, match=r"widths \[4, 6\] do not add up to the layer's 12 inputs"):
        linear_over_parts(nn.Linear(12, 3), [torch.zeros(2, 4), torch.zeros(2, 6)])
