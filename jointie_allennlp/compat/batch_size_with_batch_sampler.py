"""
allennlp 2.10.1: `allennlp evaluate --batch-size` fails on a data loader with a `batch_sampler`
(every shipped config); the sampler takes the batch size instead.
Test: tests/compat/batch_size_with_batch_sampler_test.py.
"""
import functools

from jointie_allennlp.patching import MARKER


def fix_batch_size_with_batch_sampler() -> bool:
    """Let a data loader's ``batch_size`` set the batch size of its ``batch_sampler``.

    What breaks (not version drift: allennlp 2.10.1 itself): ``allennlp evaluate
    --batch-size N`` sets ``batch_size`` on the archive's (validation) data loader; when that
    loader has a ``batch_sampler`` (every shipped config: ``bucket``),
    ``MultiProcessDataLoader`` refuses the pair with ``ValueError: batch_sampler option is
    mutually exclusive with batch_size``.

    The fix wraps ``MultiProcessDataLoader.__init__`` (same signature, so ``FromParams`` is
    unchanged): given both, and a sampler with a ``batch_size`` (``bucket``), the sampler
    takes that batch size and keeps its ordering. Other combinations fail as before.

    Returns True if the patch was installed (or already present).
    """
    from allennlp.data.data_loaders.multiprocess_data_loader import MultiProcessDataLoader as cls

    original_init = cls.__init__
    if getattr(original_init, MARKER, False):
        return True

    @functools.wraps(original_init)
    def __init__(self, *args, batch_size=None, batch_sampler=None, **kwargs):
        if batch_size is not None and batch_sampler is not None and hasattr(batch_sampler, "batch_size"):
            batch_sampler.batch_size = batch_size
            batch_size = None
        original_init(self, *args, batch_size=batch_size, batch_sampler=batch_sampler, **kwargs)

    setattr(__init__, MARKER, True)
    cls.__init__ = __init__
    return True
