"""
transformers>=4.11: allennlp 2.10.1's `pretrained_transformer` embedder accepts
`gradient_checkpointing: true` and does nothing; the option now switches checkpointing on (or off).
Test: tests/compat/gradient_checkpointing_test.py.
"""
import functools
import inspect

from packaging.version import Version

from jointie_allennlp.patching import MARKER, transformers_version


def fix_gradient_checkpointing() -> bool:
    """Make ``PretrainedTransformerEmbedder(gradient_checkpointing=True)`` checkpoint.

    What breaks: allennlp's embedder sets ``config.gradient_checkpointing`` on the
    model it has loaded.  Since transformers 4.11 a model reads that attribute only
    while it is built (``post_init``); its layers follow the module flag that
    ``gradient_checkpointing_enable()`` sets.  So the option is accepted and does
    nothing.  Reproduced with transformers 4.49 on the tiny BERT of ``fixtures/``:
    ``transformer_model.is_gradient_checkpointing`` stays False, and a batch of
    16 x 512 pieces through multilingual-e5-small peaks at the same memory with or
    without the option.

    The fix wraps the embedder's ``__init__`` (same signature): after allennlp's
    constructor, ``gradient_checkpointing_enable()`` or ``_disable()`` as the option
    says (``None`` leaves the model as loaded).

    Returns True if the patch was installed (or already present).
    """
    if transformers_version() < Version("4.11"):
        return False
    from allennlp.modules.token_embedders.pretrained_transformer_embedder import (
        PretrainedTransformerEmbedder as cls,
    )

    original_init = cls.__init__
    if getattr(original_init, MARKER, False):
        return True

    @functools.wraps(original_init)
    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        wanted = inspect.signature(original_init).bind(self, *args, **kwargs).arguments.get("gradient_checkpointing")
        if wanted is True:
            self.transformer_model.gradient_checkpointing_enable()
        elif wanted is False and self.transformer_model.is_gradient_checkpointing:
            self.transformer_model.gradient_checkpointing_disable()

    setattr(__init__, MARKER, True)
    cls.__init__ = __init__
    return True
