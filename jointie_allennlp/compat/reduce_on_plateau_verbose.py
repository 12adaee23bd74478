"""
torch>=2.7: allennlp 2.10.1's `reduce_on_plateau` scheduler passes the removed `verbose` option
to `ReduceLROnPlateau` and cannot be built; it passes it only where torch takes it.
Test: tests/compat/reduce_on_plateau_verbose_test.py.
"""
import inspect
import logging
from typing import List, Union  # noqa: UP035  (allennlp's FromParams reads typing.Union)

from packaging.version import Version

from jointie_allennlp.patching import MARKER, torch_version

logger = logging.getLogger(__name__)


def fix_reduce_on_plateau_verbose() -> bool:
    """Make allennlp's ``reduce_on_plateau`` scheduler constructible on torch>=2.7.

    What breaks: ``ReduceOnPlateauLearningRateScheduler.__init__``
    (allennlp/training/learning_rate_schedulers/pytorch_lr_schedulers.py)
    always passes ``verbose=verbose`` to
    ``torch.optim.lr_scheduler.ReduceLROnPlateau``.  ``verbose`` was deprecated
    in torch 2.2 and removed in torch 2.7 (pytorch PR #147301), so any config
    with ``"learning_rate_scheduler": {"type": "reduce_on_plateau"}`` fails::

        TypeError: ReduceLROnPlateau.__init__() got an unexpected keyword
        argument 'verbose'

    Reproduced with torch 2.13: ``LearningRateScheduler.from_params(
    Params({"type": "reduce_on_plateau"}), optimizer=SGD(...))``.

    The fix replaces ``__init__`` with one that has exactly the same signature
    (``FromParams`` builds the object from ``inspect.signature(__init__)``, so
    ``verbose`` stays a valid config key) and only forwards ``verbose`` when the
    installed torch still accepts it.  ``verbose=True`` is otherwise ignored
    with a warning (it only ever printed LR changes).

    Returns True if the patch was installed (or already present).
    """
    if torch_version() < Version("2.7"):
        return False
    import torch
    from allennlp.training.learning_rate_schedulers.pytorch_lr_schedulers import (
        ReduceOnPlateauLearningRateScheduler as cls,
    )
    from allennlp.training.optimizers import Optimizer

    if getattr(cls.__init__, MARKER, False):
        return True
    original_init = cls.__init__
    torch_accepts_verbose = (
        "verbose" in inspect.signature(torch.optim.lr_scheduler.ReduceLROnPlateau).parameters
    )

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        verbose: bool = False,
        threshold_mode: str = "rel",
        threshold: float = 1e-4,
        cooldown: int = 0,
        # typing.Union on purpose: the annotation must equal allennlp's, and
        # allennlp 2.10's FromParams only understands typing.Union, not `X | Y`.
        min_lr: Union[float, List[float]] = 0,  # noqa: UP006, UP007
        eps: float = 1e-8,
    ) -> None:
        kwargs = {
            "optimizer": optimizer,
            "mode": mode,
            "factor": factor,
            "patience": patience,
            "threshold_mode": threshold_mode,
            "threshold": threshold,
            "cooldown": cooldown,
            "min_lr": min_lr,
            "eps": eps,
        }
        if torch_accepts_verbose:
            kwargs["verbose"] = verbose
        elif verbose:
            logger.warning(
                "reduce_on_plateau: torch %s has no 'verbose' option; ignoring verbose=True",
                torch.__version__,
            )
        lr_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(**kwargs)
        super(cls, self).__init__(lr_scheduler)

    __init__.__doc__ = original_init.__doc__
    __init__.__qualname__ = original_init.__qualname__
    __init__.__module__ = original_init.__module__
    __init__.__wrapped_original__ = original_init
    setattr(__init__, MARKER, True)
    cls.__init__ = __init__
    return True
