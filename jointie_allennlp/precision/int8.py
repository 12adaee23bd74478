"""
Int8 inference: dynamic quantization (`torch.ao.quantization.quantize_dynamic`) of a chosen set of
`nn.Linear` layers. Weights become int8 once; activations are quantized per batch at run time.

Two layer selections of torch's dynamic quantization, one function (`quantize_int8`):

* `"all"`: every `nn.Linear` of the model, one scale per weight matrix (per tensor);
* `"encoder"`: the `nn.Linear` layers of the transformer encoder, one scale per output channel,
  leaving in fp32 what is most sensitive to rounding: each attention block's output projection
  (`attention.output.dense`), the encoder's unused pooler and every layer outside the encoder
  (the approach's classifier heads). LayerNorm and embeddings are never quantized.

A callable `(name, module) -> bool` selects layers otherwise. A third candidate, `int8-onnx`, runs
the encoder through ONNX Runtime with int8 weights (`jointie_allennlp.precision.onnx`); the heads
stay float32 in torch.
"""
import warnings
from typing import Callable, Dict, List, Union

import torch

from jointie_allennlp.precision.encoder_modules import encoder_prefixes

LayerSelection = Union[str, Callable[[str, torch.nn.Module], bool]]

#: the int8 candidates a benchmark compares: name -> arguments of `quantize_int8`, or
#: `{"runtime": "onnx"}`: the encoder through ONNX Runtime with int8 weights (`precision.onnx`)
INT8_CANDIDATES: Dict[str, Dict[str, object]] = {
    "int8-all": {"layers": "all", "per_channel": False},
    "int8-encoder": {"layers": "encoder", "per_channel": True},
    "int8-onnx": {"runtime": "onnx"},
}
#: what `int8` means when no layer selection is given
DEFAULT_INT8 = "int8-encoder"
#: layers of an encoder kept in fp32 by the `"encoder"` selection (name suffixes)
SENSITIVE_SUFFIXES = ("attention.output.dense",)


def selected_linear_layers(model: torch.nn.Module, layers: LayerSelection = "encoder") -> List[str]:
    """The names of the `nn.Linear` layers of `model` that `layers` selects (see the module docstring)."""
    linear = [(name, module) for name, module in model.named_modules() if type(module) is torch.nn.Linear]
    if callable(layers):
        return [name for name, module in linear if layers(name, module)]
    if layers == "all":
        return [name for name, _ in linear]
    if layers == "encoder":
        prefixes = encoder_prefixes(model)

        def chosen(name: str) -> bool:
            inside = any(name.startswith(prefix + ".") for prefix in prefixes)
            return inside and ".pooler." not in f".{name}." and not name.endswith(SENSITIVE_SUFFIXES)

        return [name for name, _ in linear if chosen(name)]
    raise ValueError(f"int8 layers must be 'all', 'encoder' or a callable (name, module) -> bool, got {layers!r}")


def quantize_int8(model: torch.nn.Module, layers: LayerSelection = "encoder", per_channel: bool = True) -> List[str]:
    """
    Replaces the selected `nn.Linear` layers of `model` (in place) by dynamically quantized int8
    ones and returns their names. Raises `ValueError` when nothing is selected.

    # Parameters

    model : `torch.nn.Module` in evaluation mode (quantized layers do not train).
    layers : `"all"`, `"encoder"` or a callable `(name, module) -> bool` (see the module docstring).
    per_channel : `bool`, optional (default = `True`) one scale per output channel of a weight
        matrix rather than one per matrix.
    """
    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic

    names = selected_linear_layers(model, layers)
    if not names:
        raise ValueError(f"int8 layers {layers!r} select no nn.Linear layer of {type(model).__name__}")
    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao on every call
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_channel.*")
        quantize_dynamic(model, {name: qconfig for name in names}, dtype=torch.qint8, inplace=True)
    model.eval()
    return names


def int8_candidate(model: torch.nn.Module, candidate: str = DEFAULT_INT8) -> List[str]:
    """Quantizes `model` in place as the named candidate of `INT8_CANDIDATES`; returns the quantized layers."""
    if candidate not in INT8_CANDIDATES:
        raise ValueError(f"unknown int8 candidate {candidate!r}; choose from {sorted(INT8_CANDIDATES)}")
    options = dict(INT8_CANDIDATES[candidate])
    if options.pop("runtime", None) == "onnx":
        from jointie_allennlp.precision.onnx import onnx_encoders

        return onnx_encoders(model, int8=True)
    return quantize_int8(model, **options)  # type: ignore[arg-type]
