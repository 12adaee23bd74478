"""
The transformer encoder through ONNX Runtime (the `onnx` extra): every Hugging Face encoder inside
a model is exported to ONNX (`torch.onnx.export`, any batch size and length), optionally with its
matrix-product weights in int8 (`onnxruntime.quantization.quantize_dynamic`, one scale per output
channel; activations quantized per batch at run time), and replaced by an `OnnxEncoder` that runs
it in an ONNX Runtime session. The approach's heads and decoding stay in torch, in float32.

The encoder must give its last layer only (allennlp's `last_layer_only`, every shipped config); an
embedder mixing several layers is refused.
"""
import copy
import inspect
import os
import tempfile
import warnings
from typing import Dict, List, Optional

import torch

from jointie_allennlp.precision.encoder_modules import encoder_prefixes

#: the inputs an exported encoder takes, in this order, when its `forward` has them
ENCODER_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxEncoder(torch.nn.Module):
    """
    A Hugging Face encoder run by ONNX Runtime: `forward` takes the encoder's own arguments and
    returns its `last_hidden_state` (a `BaseModelOutput`), float32.

    # Parameters

    path : `str` the ONNX file (inputs `ENCODER_INPUTS` that the encoder takes, output `last_hidden_state`).
    config : `PretrainedConfig` the encoder's configuration (what allennlp's embedder reads).
    threads : `int`, optional threads of the session (default: torch's).
    """

    def __init__(self, path: str, config, threads: Optional[int] = None) -> None:
        super().__init__()
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self.input_names = [item.name for item in self.session.get_inputs()]
        self.config = config
        self.path = path

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None,
                token_type_ids: Optional[torch.Tensor] = None, **kwargs):
        from transformers.modeling_outputs import BaseModelOutput

        if kwargs.get("output_hidden_states") or getattr(self.config, "output_hidden_states", False):
            raise ValueError("the ONNX encoder gives the last layer only; this embedder mixes several layers")
        given = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
        feeds = {}
        for name in self.input_names:
            value = given[name]
            if value is None:
                value = torch.ones_like(input_ids) if name == "attention_mask" else torch.zeros_like(input_ids)
            feeds[name] = value.detach().to(torch.int64).cpu().numpy()
        hidden = self.session.run(["last_hidden_state"], feeds)[0]
        return BaseModelOutput(last_hidden_state=torch.from_numpy(hidden).to(input_ids.device))


class _LastHiddenState(torch.nn.Module):
    """What is exported: the encoder's `last_hidden_state` from positional inputs."""

    def __init__(self, encoder: torch.nn.Module, names: List[str]) -> None:
        super().__init__()
        self.encoder, self.names = encoder, names

    def forward(self, *inputs):
        return self.encoder(**dict(zip(self.names, inputs))).last_hidden_state


def export_encoder(encoder: torch.nn.Module, path: str) -> List[str]:
    """Writes `encoder` (a Hugging Face `PreTrainedModel`, left unchanged) as ONNX to `path`, with a
    dynamic batch size and length; returns its input names."""
    parameters = inspect.signature(encoder.forward).parameters
    names = [name for name in ENCODER_INPUTS if name in parameters]
    example = torch.ones(2, 8, dtype=torch.long)
    inputs = [example.clone() if name != "token_type_ids" else torch.zeros_like(example) for name in names]
    inputs[names.index("attention_mask")][1, 6:] = 0  # a padded example: no all-ones special case is traced
    axes = {name: {0: "batch", 1: "pieces"} for name in [*names, "last_hidden_state"]}
    # the exporter changes the module it traces: a copy is exported
    wrapper = _LastHiddenState(copy.deepcopy(encoder).eval(), names)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter announces its deprecation, tracing its branches
        torch.onnx.export(wrapper, tuple(inputs), path, input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    return names


def quantize_onnx_int8(source: str, destination: str) -> None:
    """The int8 copy of an ONNX file: matrix-product weights int8, one scale per output channel."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process goes to the root logger
    try:
        quantize_dynamic(source, destination, weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.getLogger().setLevel(level)


def onnx_encoders(model: torch.nn.Module, int8: bool = True, directory: Optional[str] = None,
                  threads: Optional[int] = None) -> List[str]:
    """
    Replaces every Hugging Face encoder inside `model` (in place) by an `OnnxEncoder`; returns
    their module names. `ValueError` when the model has none.

    # Parameters

    model : `torch.nn.Module` in evaluation mode.
    int8 : `bool`, optional (default = `True`) int8 weights (`quantize_onnx_int8`); float32 otherwise.
    directory : `str`, optional where the ONNX files go (default: a new temporary directory).
    threads : `int`, optional threads of the sessions (default: torch's).
    """
    prefixes = encoder_prefixes(model)
    if not prefixes:
        raise ValueError(f"{type(model).__name__} has no Hugging Face encoder to run with ONNX Runtime")
    directory = directory or tempfile.mkdtemp(prefix="jointie-onnx-")
    modules: Dict[str, torch.nn.Module] = dict(model.named_modules())
    for number, prefix in enumerate(prefixes):
        encoder = modules[prefix]
        path = os.path.join(directory, f"encoder{number}.onnx")
        export_encoder(encoder, path)
        if int8:
            quantized = os.path.join(directory, f"encoder{number}.int8.onnx")
            quantize_onnx_int8(path, quantized)
            path = quantized
        parent_name, _, attribute = prefix.rpartition(".")
        parent = modules[parent_name] if parent_name else model
        setattr(parent, attribute, OnnxEncoder(path, encoder.config, threads))
    model.eval()
    return prefixes
