"""
Fixes that make allennlp 2.10.1 (which pins torch<1.13 and transformers<4.21) work on today's
torch 2.x and transformers 4.4x (`requirements/overrides.txt`). One module per fix; its docstring
says what breaks, on which versions, and names its test (tests/compat/<fix>_test.py):

* `tokenizer_add_special_tokens` (transformers>=4.44): no `pretrained_transformer` tokenizer or indexer can be built.
* `torch_load_weights_only` (torch>=2.6): `train --recover` and `TensorCache` cannot read back their files.
* `reduce_on_plateau_verbose` (torch>=2.7): the `reduce_on_plateau` scheduler cannot be built.
* `known_future_warnings` (torch 2.x, transformers 4.4x): two FutureWarnings about allennlp's own calls.
* `batch_size_with_batch_sampler` (allennlp 2.10.1): `evaluate --batch-size` fails with a `batch_sampler`.
* `gradient_checkpointing` (transformers>=4.11): the embedder's `gradient_checkpointing` does nothing.
* `bfloat16_tiny_value` (bf16 autocast): allennlp's loss and masked helpers raise on bf16 tensors.

`apply()` installs every fix that applies to the installed versions; it is idempotent and runs when
`jointie_allennlp` is imported. A fix on allennlp's training or command modules waits until that
module is imported (`when_imported`), so a process that only predicts never loads them.

Left alone: `transformers.AdamW`, which `allennlp.training.optimizers` imports at module level,
is gone in transformers 4.50 (hence the pin transformers<4.50); `TensorCache` warns that
`TypedStorage` is deprecated.
"""
from jointie_allennlp.compat.batch_size_with_batch_sampler import fix_batch_size_with_batch_sampler
from jointie_allennlp.compat.bfloat16_tiny_value import fix_bfloat16_tiny_value
from jointie_allennlp.compat.gradient_checkpointing import fix_gradient_checkpointing
from jointie_allennlp.compat.known_future_warnings import silence_known_future_warnings
from jointie_allennlp.patching import when_imported
from jointie_allennlp.compat.reduce_on_plateau_verbose import fix_reduce_on_plateau_verbose
from jointie_allennlp.compat.tokenizer_add_special_tokens import fix_get_tokenizer_add_special_tokens
from jointie_allennlp.compat.torch_load_weights_only import fix_torch_load_weights_only

__all__ = ["apply", "when_imported"]

_APPLIED = False


def apply() -> None:
    """Installs every fix that applies to the installed versions (those on allennlp's training and
    command modules when these are imported). Idempotent."""
    global _APPLIED
    if _APPLIED:
        return
    fix_get_tokenizer_add_special_tokens()
    fix_torch_load_weights_only()  # the Checkpointer part when allennlp.training.checkpointer is imported
    when_imported(
        "allennlp.training.learning_rate_schedulers.pytorch_lr_schedulers",
        lambda _: fix_reduce_on_plateau_verbose(),
    )
    silence_known_future_warnings()
    fix_batch_size_with_batch_sampler()
    fix_gradient_checkpointing()
    fix_bfloat16_tiny_value()
    _APPLIED = True
