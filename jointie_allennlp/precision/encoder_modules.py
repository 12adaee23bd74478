"""Where the transformer encoders sit inside a model (what int8 quantizes and ONNX exports)."""
from typing import List

import torch


def encoder_prefixes(model: torch.nn.Module) -> List[str]:
    """The module names of the Hugging Face transformers inside `model` (outermost only)."""
    from transformers import PreTrainedModel

    prefixes: List[str] = []
    for name, module in model.named_modules():
        if isinstance(module, PreTrainedModel) and not any(name.startswith(p + ".") for p in prefixes):
            prefixes.append(name)
    return prefixes
