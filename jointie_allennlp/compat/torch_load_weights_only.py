"""
torch>=2.6: `torch.load` defaults to `weights_only=True`, so allennlp 2.10.1's `train --recover`
(`Checkpointer.load_checkpoint`) and `TensorCache` cannot read back what they wrote; inside those
two only, `torch.load` defaults to `weights_only=False`. Test: tests/compat/torch_load_weights_only_test.py.
"""
import contextvars
import functools

from packaging.version import Version

from jointie_allennlp.patching import MARKER, torch_version, when_imported


#: True while running inside an allennlp method that reads a file allennlp
#: itself wrote with plain ``torch.save`` (see ``fix_torch_load_weights_only``).
_TRUSTED_TORCH_LOAD: contextvars.ContextVar = contextvars.ContextVar(
    "jointie_allennlp_trusted_torch_load", default=False
)


def _trusted_torch_load(method):
    """Wrap ``method`` so that ``torch.load`` calls made while it runs default
    to ``weights_only=False``."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        token = _TRUSTED_TORCH_LOAD.set(True)
        try:
            return method(*args, **kwargs)
        finally:
            _TRUSTED_TORCH_LOAD.reset(token)

    setattr(wrapper, MARKER, True)
    return wrapper


def fix_torch_load_weights_only() -> bool:
    """Let allennlp read back its own training state / tensor cache on torch>=2.6.

    What breaks: torch 2.6 changed the default of ``torch.load`` to
    ``weights_only=True``, whose restricted unpickler only accepts tensors,
    primitive containers and allow-listed globals, and (in torch 2.13) not the
    ``FRAME`` opcode of pickle protocol >= 4.  Two allennlp call sites read files
    that allennlp itself wrote and that are not weights-only:

    * ``Checkpointer.load_checkpoint`` (used by ``allennlp train --recover``)
      loads ``training_state_e*_b*.th``, which holds the optimizer /
      LR-scheduler / metric-tracker / callback state.  The metric tracker
      stores the validation metrics as returned by ``Model.get_metrics()``;
      when those are numpy scalars (``spearman_correlation`` returns one, as
      does any model computing metrics with ``np.mean`` & co.) the file holds
      ``numpy._core.multiarray.scalar``, which the weights-only unpickler
      rejects.  Reproduced: ``allennlp train`` for 1 epoch with a
      ``basic_classifier`` subclass whose ``get_metrics`` returns
      ``np.float64`` values, then ``allennlp train --recover`` ->
      ``UnpicklingError: Weights only load failed ... Unsupported global:
      GLOBAL numpy._core.multiarray.scalar``.  (With Python-float metrics and
      the stock optimizers/schedulers the training state happens to be
      weights-only safe; the fix makes ``--recover`` not depend on that.)
    * ``TensorCache.__getitem__`` (allennlp/common/file_utils.py) reads tensors
      written by ``TensorCache.__setitem__`` with
      ``torch.save(..., pickle_protocol=pickle.HIGHEST_PROTOCOL)``.
      Reproduced: ``c = TensorCache(path); c["a"] = torch.arange(5.)``, reopen
      read-only, ``c["a"]`` -> ``UnpicklingError: Weights only load failed ...
      Unsupported operand 149`` (149 = pickle ``FRAME``).  TensorCache backs
      the image-feature caches of the allennlp-models vision readers.

    The fix is deliberately narrow: ``torch.load`` is replaced by a thin
    wrapper that only changes anything while the context variable
    ``_TRUSTED_TORCH_LOAD`` is set, and then only when the caller did not pass
    ``weights_only`` (an explicit ``weights_only=True`` is respected, and the
    ``TORCH_FORCE_WEIGHTS_ONLY_LOAD`` env var still wins inside torch).  The
    variable is set only while ``Checkpointer.load_checkpoint`` or
    ``TensorCache.__getitem__`` run.  Every other ``torch.load`` caller --
    model archives (``weights.th`` is a plain state dict and loads fine
    weights-only), transformers, user code -- keeps torch's default.  A context
    variable (rather than a global flag) keeps other threads unaffected.

    Returns True if the patch was installed (or already present).
    """
    if torch_version() < Version("2.6"):
        return False
    import torch
    from allennlp.common.file_utils import TensorCache

    if not getattr(torch.load, MARKER, False):
        original_load = torch.load

        @functools.wraps(original_load)
        def load(*args, **kwargs):
            if _TRUSTED_TORCH_LOAD.get() and kwargs.get("weights_only") is None:
                kwargs["weights_only"] = False
            return original_load(*args, **kwargs)

        setattr(load, MARKER, True)
        load.__wrapped_original__ = original_load
        torch.load = load

    _trust_torch_load_in(TensorCache, "__getitem__")
    when_imported(
        "allennlp.training.checkpointer",
        lambda module: _trust_torch_load_in(module.Checkpointer, "load_checkpoint"),
    )
    return True


def _trust_torch_load_in(cls, name: str) -> None:
    method = cls.__dict__[name]
    if not getattr(method, MARKER, False):
        setattr(cls, name, _trusted_torch_load(method))
