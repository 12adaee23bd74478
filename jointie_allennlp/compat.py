"""Runtime fixes that make allennlp 2.10.1 work on today's torch / transformers.

allennlp 2.10.1 (2022) pins torch<1.13 and transformers<4.21.  This project runs
it on torch 2.x and transformers 4.4x (see ``requirements/overrides.txt``), where
a few things in allennlp break.  Each fix below is a separate function, guarded
by a version check, whose docstring says what breaks, why, and how the breakage
was reproduced (all reproduced in this venv: torch 2.13.0, transformers 4.49.0).
``apply()`` runs all of them; it is idempotent and is called when
``jointie_allennlp`` is imported.  A fix whose target lives in allennlp's
training or command modules waits until that module is imported
(``when_imported``; at once when it already is, as inside the ``allennlp``
command line), so that importing the package does not import them: a
prediction-only process (``python -m jointie_allennlp predict``) never loads
``allennlp.commands``.

Fixes:

* ``fix_get_tokenizer_add_special_tokens`` -- transformers>=4.44:
  ``PretrainedTransformerTokenizer`` (so every ``pretrained_transformer`` /
  ``pretrained_transformer_mismatched`` tokenizer or indexer) cannot be built.
* ``fix_torch_load_weights_only`` -- torch>=2.6: ``train --recover`` fails when
  the saved training state holds non-weights objects (e.g. numpy scalars among
  the validation metrics), and ``TensorCache`` can never read back its tensors.
* ``fix_reduce_on_plateau_verbose`` -- torch>=2.7: the ``reduce_on_plateau``
  learning-rate scheduler cannot be built.
* ``silence_known_future_warnings`` -- the two FutureWarnings every training
  run prints about allennlp's own calls (AdamW wrapper, ``torch.cuda.amp``).
* ``fix_batch_size_with_batch_sampler`` -- ``evaluate --batch-size`` fails with a
  ``batch_sampler`` in the config.
* ``fix_predict_reads_every_line`` -- not version drift: ``allennlp predict``
  reads its input in text mode, so one non-UTF-8 byte ends the run and blank
  lines get no output line; for this package's predictors it now reads bytes
  and hands every physical line to the predictor.
* ``fix_gradient_checkpointing`` -- transformers>=4.11: the
  ``pretrained_transformer`` embedder's ``gradient_checkpointing: true`` does
  nothing.
* ``fix_model_cache_key`` -- not version drift: allennlp's model cache ignores
  ``transformer_kwargs`` and ``load_weights``, so a second load of the same
  encoder in one process can get the first one's settings or random weights.
* ``fix_archive_compression`` -- not version drift: ``archive_model`` gzips
  ``model.tar.gz`` at level 9, which takes minutes for a multilingual encoder's
  weights; it now uses level 1.

How the stack was checked: with a throwaway tiny BERT (hidden 32, 1 layer),
``allennlp train`` of a ``basic_classifier`` (``pretrained_transformer``
tokenizer/indexer/embedder, ``bert_pooler``, ``huggingface_adamw``) once with
``linear_with_warmup`` and once with ``reduce_on_plateau``; ``train --recover``
of both; ``allennlp evaluate`` and ``allennlp predict`` (``text_classifier``)
on the archives; a ``simple_tagger`` with ``pretrained_transformer_mismatched``
indexer/embedder (train + evaluate); every registered LR / momentum scheduler
and moving average built from Params with its ``state_dict()`` round-tripped
through a weights-only ``torch.load``.  With the three fixes everything runs.
Without them: the tokenizer error kills train/evaluate/predict, the
``reduce_on_plateau`` error kills train, and ``--recover`` fails for a model
whose ``get_metrics()`` returns numpy scalars.

Seen and deliberately left alone (harmless on the pinned stack):

* ``FutureWarning: This implementation of AdamW is deprecated`` -- from
  ``huggingface_adamw`` (allennlp wraps ``transformers.AdamW``); silenced by
  ``silence_known_future_warnings``.  Harmless on
  transformers<4.50, but transformers 4.50 *removed* ``transformers.AdamW`` and
  ``allennlp.training.optimizers`` imports it at module level, i.e. on every
  ``allennlp`` command before any plugin (and so this module) is imported.
  That is why requirements pin transformers<4.50; it cannot be fixed here.
* ``FutureWarning: torch.cuda.amp.autocast(args...) is deprecated`` -- emitted
  by ``GradientDescentTrainer`` (gradient_descent_trainer.py lines 509/689)
  once per train/validation loop even on CPU with ``use_amp=False``; silenced
  by ``silence_known_future_warnings``.
* ``UserWarning: TypedStorage is deprecated`` -- ``TensorCache.__setitem__``
  calls ``tensor.storage()``.
* Loading a ``model.tar.gz`` (``weights.th``), ``best.th`` at the end of
  training, and the model-state half of a checkpoint all use the weights-only
  default and work: they are plain state dicts.  Likewise the training state
  of the stock schedulers / optimizers / metric tracker is weights-only safe
  as long as metric values are Python floats.
* Not version drift, but seen on the way: ``basic_classifier`` with a
  ``pretrained_transformer`` indexer needs ``"namespace": "tags"`` for
  ``predict`` (else ``KeyError`` in ``make_output_human_readable``), and the
  ``sentence_tagger`` predictor always builds a spaCy tokenizer, which needs
  ``en_core_web_sm`` (not installed; offline it fails trying to download it).

Measurements (this venv, CPU, ``.pyc`` compiled, no network):

* ``nltk.download`` (why ``allennlp-models`` is no longer a dependency: this
  project uses nothing from it, and a plugin cannot stop what follows, because
  allennlp imports its default plugins before any other):
  ``allennlp_models/rc/tools/narrativeqa.py`` calls
  ``nltk.download("punkt")`` and ``nltk.download("wordnet")`` at import when
  punkt is not installed.  ``import allennlp_models`` alone and ``import
  jointie_allennlp`` do *not* import it, but the ``allennlp`` CLI does: for
  ``--help``, ``train``, ``evaluate``, ``predict``, ... ``import_plugins()``
  recursively imports every submodule of the default plugin
  ``allennlp_models``.  Cost here: ~25-30 ms per call, ~50-70 ms per CLI
  start (the sandbox refuses the connection immediately), plus eight
  ``[nltk_data] Error loading punkt/wordnet`` lines on stderr every time.  On
  a host where DNS/connect hangs instead of failing fast, nltk's ``urlopen``
  has no timeout, so this can stall every command; installing ``punkt`` under
  ``NLTK_DATA`` skips the download entirely (``nltk.data.find`` ~1 ms).
* ``allennlp --help``: 8.2-9.6 s wall (5 runs), ~1.1 GB max RSS.  Of that,
  ``import allennlp.commands`` is 5.8-6.6 s (torch ~1.4 s, transformers
  ~1.7 s, torchvision ~1.6 s, spacy ~0.5 s, nltk ~0.6 s, cumulative and
  overlapping) and ``import_plugins()`` ~0.6 s.
"""

import contextvars
import functools
import inspect
import logging
import tarfile
from typing import Any, Callable, List, Union  # noqa: UP035  (see fix_reduce_on_plateau_verbose)

from packaging.version import Version

logger = logging.getLogger(__name__)

_APPLIED = False

# Marker attribute set on every function this module installs, so that each fix
# is idempotent even if the module is reloaded.
_MARKER = "_jointie_compat_patched"


def when_imported(module: str, action: Callable[[Any], Any]) -> None:
    """
    Calls `action(module_object)` once `module` is imported: at once when it already is, else
    right after its import (wrapt's post-import hooks).
    """
    import wrapt

    wrapt.register_post_import_hook(action, module)


def _torch_version() -> Version:
    import torch

    return Version(Version(torch.__version__).base_version)


def _transformers_version() -> Version:
    import transformers

    return Version(Version(transformers.__version__).base_version)


# ---------------------------------------------------------------------------
# 1. transformers>=4.44: add_special_tokens passed to AutoTokenizer.from_pretrained
# ---------------------------------------------------------------------------


def fix_get_tokenizer_add_special_tokens() -> bool:
    """Stop ``cached_transformers.get_tokenizer`` passing ``add_special_tokens``
    to ``AutoTokenizer.from_pretrained``.

    What breaks: ``PretrainedTransformerTokenizer.__init__`` calls
    ``cached_transformers.get_tokenizer(model_name, add_special_tokens=False,
    **tokenizer_kwargs)`` and ``_reverse_engineer_special_tokens`` calls it with
    ``add_special_tokens=True``.  ``get_tokenizer`` forwards all kwargs to
    ``AutoTokenizer.from_pretrained``, which forwards unknown kwargs to the
    tokenizer's ``__init__``.  Since transformers 4.44
    ``PreTrainedTokenizerBase.__init__`` rejects init kwargs that shadow a
    method, so every ``pretrained_transformer`` tokenizer / indexer /
    ``pretrained_transformer_mismatched`` indexer fails with::

        AttributeError: add_special_tokens conflicts with the method
        add_special_tokens in BertTokenizerFast

    Reproduced with transformers 4.49 on a tiny local BERT:
    ``PretrainedTransformerTokenizer("/tmp/tiny_bert")`` raises the error above.

    Why dropping it is safe: it is not a tokenizer constructor option; before
    4.44 it just ended up in ``tokenizer.init_kwargs``.  Encoding never
    depended on it: allennlp passes ``add_special_tokens=`` explicitly to every
    ``encode`` / ``encode_plus`` call (and the special-token layout is
    reverse-engineered from explicit calls too).

    The fix replaces the module attribute ``cached_transformers.get_tokenizer``
    with a copy that keeps allennlp's cache semantics (cache key is still
    ``(model_name, hash_object(kwargs))`` over the *original* kwargs, so the
    ``add_special_tokens=True`` and ``=False`` tokenizers remain distinct
    objects, and ``_clear_caches()`` still clears it) but loads with
    ``add_special_tokens`` removed.  All callers in allennlp 2.10.1 and
    allennlp-models 2.10.1 look the function up as
    ``cached_transformers.get_tokenizer`` at call time (checked with grep:
    pretrained_transformer_tokenizer.py, data_collator.py, vocabulary.py,
    allennlp_models/mc/dataset_readers/transformer_mc_tt.py; nothing does
    ``from ...cached_transformers import get_tokenizer``), so they all pick up
    the patched function.

    Returns True if the patch was installed (or already present).
    """
    if _transformers_version() < Version("4.44"):
        return False
    import transformers
    from allennlp.common import cached_transformers

    if getattr(cached_transformers.get_tokenizer, _MARKER, False):
        return True
    original = cached_transformers.get_tokenizer

    @functools.wraps(original)
    def get_tokenizer(model_name: str, **kwargs) -> transformers.PreTrainedTokenizer:
        from allennlp.common.util import hash_object

        cache_key = (model_name, hash_object(kwargs))
        cache = cached_transformers._tokenizer_cache
        tokenizer = cache.get(cache_key, None)
        if tokenizer is None:
            from jointie_allennlp.encoders.build import require_built_encoder

            require_built_encoder(model_name)
            load_kwargs = {k: v for k, v in kwargs.items() if k != "add_special_tokens"}
            tokenizer = transformers.AutoTokenizer.from_pretrained(model_name, **load_kwargs)
            cache[cache_key] = tokenizer
        return tokenizer

    setattr(get_tokenizer, _MARKER, True)
    get_tokenizer.__wrapped_original__ = original
    cached_transformers.get_tokenizer = get_tokenizer
    return True


# ---------------------------------------------------------------------------
# 2. torch>=2.6: torch.load(weights_only=True) by default
# ---------------------------------------------------------------------------

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

    setattr(wrapper, _MARKER, True)
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
    if _torch_version() < Version("2.6"):
        return False
    import torch
    from allennlp.common.file_utils import TensorCache

    if not getattr(torch.load, _MARKER, False):
        original_load = torch.load

        @functools.wraps(original_load)
        def load(*args, **kwargs):
            if _TRUSTED_TORCH_LOAD.get() and kwargs.get("weights_only") is None:
                kwargs["weights_only"] = False
            return original_load(*args, **kwargs)

        setattr(load, _MARKER, True)
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
    if not getattr(method, _MARKER, False):
        setattr(cls, name, _trusted_torch_load(method))


# ---------------------------------------------------------------------------
# 3. torch>=2.7: ReduceLROnPlateau no longer accepts verbose=
# ---------------------------------------------------------------------------


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
    if _torch_version() < Version("2.7"):
        return False
    import torch
    from allennlp.training.learning_rate_schedulers.pytorch_lr_schedulers import (
        ReduceOnPlateauLearningRateScheduler as cls,
    )
    from allennlp.training.optimizers import Optimizer

    if getattr(cls.__init__, _MARKER, False):
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
    setattr(__init__, _MARKER, True)
    cls.__init__ = __init__
    return True


# ---------------------------------------------------------------------------
# 4. Known FutureWarnings of allennlp 2.10.1 on today's torch / transformers
# ---------------------------------------------------------------------------

#: (message regex, module regex) of the FutureWarnings silenced by ``silence_known_future_warnings``.
KNOWN_FUTURE_WARNINGS = (
    # huggingface_adamw wraps transformers.AdamW (transformers/optimization.py), deprecated in
    # favour of torch.optim.AdamW; the wrapper is allennlp's and behaves the same until removal
    # (transformers 4.50, excluded by the requirements).
    (r"This implementation of AdamW is deprecated", r"transformers\.optimization"),
    # GradientDescentTrainer enters torch.cuda.amp.autocast(enabled=use_amp) around every
    # forward pass, also on CPU with use_amp=False, where it does nothing.
    (r"`torch\.cuda\.amp\.autocast\(args\.\.\.\)` is deprecated", r"allennlp\.training"),
)


def silence_known_future_warnings() -> bool:
    """Ignore the FutureWarnings that allennlp 2.10.1 triggers on every training run.

    What it fixes: every ``allennlp train`` prints ``This implementation of AdamW is deprecated``
    (once, when the optimizer is built) and ``torch.cuda.amp.autocast(args...) is deprecated``
    (once per training and per validation loop, from gradient_descent_trainer.py lines 509 and
    689), none of which the user can act on: they concern allennlp's own calls.  Reproduced with
    ``allennlp train training_configs/spert/conll04.jsonnet`` on the fixtures (torch 2.13,
    transformers 4.49).

    Only these two messages, and only when raised from the named modules, are filtered (see
    ``KNOWN_FUTURE_WARNINGS``); every other warning is shown as before.

    Returns True (the filters are installed once).
    """
    import warnings

    for message, module in KNOWN_FUTURE_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=FutureWarning, module=module)


# ---------------------------------------------------------------------------
# 5. evaluate --batch-size with a config whose loader has a batch_sampler
# ---------------------------------------------------------------------------


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
    if getattr(original_init, _MARKER, False):
        return True

    @functools.wraps(original_init)
    def __init__(self, *args, batch_size=None, batch_sampler=None, **kwargs):
        if batch_size is not None and batch_sampler is not None and hasattr(batch_sampler, "batch_size"):
            batch_sampler.batch_size = batch_size
            batch_size = None
        original_init(self, *args, batch_size=batch_size, batch_sampler=batch_sampler, **kwargs)

    setattr(__init__, _MARKER, True)
    cls.__init__ = __init__
    return True


# ---------------------------------------------------------------------------
# 6. allennlp predict: every physical input line reaches the predictor
# ---------------------------------------------------------------------------


def fix_predict_reads_every_line() -> bool:
    """Let ``allennlp predict`` give this package's predictors every input line as bytes.

    What breaks: ``_PredictManager._get_json_data`` (allennlp/commands/predict.py)
    opens the input with ``open_compressed`` in text mode (UTF-8, strict) and
    skips lines that are only white space before calling
    ``predictor.load_line``.  A line with a non-UTF-8 byte therefore raises
    ``UnicodeDecodeError`` out of the iterator and ends the run -- lines before
    it that were still in the current ``--batch-size`` group are lost, and all
    later lines are never answered -- and a blank line gets no output line,
    so output lines no longer match input lines.  Reproduced with a 2,000-line
    file with one ``\xff`` byte on line 1,562: 439 lines unanswered.

    The fix wraps ``_get_json_data``: when the predictor has a ``parse_line``
    method (every predictor of this package, see
    ``jointie_allennlp.predictors.lines``), the input (a file, compressed or
    not, or ``-`` for stdin) is read in binary and every physical line, blank
    ones included, goes to ``predictor.load_line`` as ``bytes``; the predictor
    answers each with one record (an error record for a line it cannot read).
    Any other predictor gets allennlp's own behaviour unchanged.

    Returns True if the patch was installed (or already present).
    """
    from allennlp.commands.predict import _PredictManager

    from jointie_allennlp.predictors.lines import read_input_lines

    if getattr(_PredictManager._get_json_data, _MARKER, False):
        return True
    original = _PredictManager._get_json_data

    @functools.wraps(original)
    def _get_json_data(self):
        if not hasattr(self._predictor, "parse_line"):
            yield from original(self)
            return
        for line in read_input_lines(self._input_file):
            yield self._predictor.load_line(line)

    setattr(_get_json_data, _MARKER, True)
    _get_json_data.__wrapped_original__ = original
    _PredictManager._get_json_data = _get_json_data
    return True


# ---------------------------------------------------------------------------
# 7. transformers>=4.11: the embedder's gradient_checkpointing option does nothing
# ---------------------------------------------------------------------------


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
    if _transformers_version() < Version("4.11"):
        return False
    from allennlp.modules.token_embedders.pretrained_transformer_embedder import (
        PretrainedTransformerEmbedder as cls,
    )

    original_init = cls.__init__
    if getattr(original_init, _MARKER, False):
        return True

    @functools.wraps(original_init)
    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        wanted = inspect.signature(original_init).bind(self, *args, **kwargs).arguments.get("gradient_checkpointing")
        if wanted is True:
            self.transformer_model.gradient_checkpointing_enable()
        elif wanted is False and self.transformer_model.is_gradient_checkpointing:
            self.transformer_model.gradient_checkpointing_disable()

    setattr(__init__, _MARKER, True)
    cls.__init__ = __init__
    return True


# ---------------------------------------------------------------------------
# 8. the transformer cache key ignores transformer_kwargs and load_weights
# ---------------------------------------------------------------------------


def fix_model_cache_key() -> bool:
    """Key ``cached_transformers.get``'s cache also by ``load_weights`` and the model kwargs.

    What breaks (not version drift: allennlp 2.10.1 itself): ``get`` caches models under
    ``(model_name, override_weights_file, override_weights_strip_prefix, reinit_modules)``.
    A second request for the same encoder in one process gets the first one's model whatever
    its ``transformer_kwargs`` (e.g. ``attention_probs_dropout_prob``) or ``load_weights``:
    after an archive was loaded (``load_weights=False``: random weights, then the archive's
    state dict), a new embedder of that encoder starts from random weights instead of the
    pretrained ones. Reproduced on the tiny BERT of ``fixtures/``: ``get(name, True)`` then
    ``get(name, True, attention_probs_dropout_prob=0.0)`` returns dropout 0.1.

    The fix wraps ``get``: a request with kwargs or without weights is cached under its own key
    (in the same ``_model_cache``, so ``_clear_caches()`` still clears it); the plain request
    keeps allennlp's key and behaviour.

    Returns True if the patch was installed (or already present).
    """
    import copy

    from allennlp.common import cached_transformers
    from allennlp.common.util import hash_object

    if getattr(cached_transformers.get, _MARKER, False):
        return True
    original = cached_transformers.get

    @functools.wraps(original)
    def get(model_name, make_copy, override_weights_file=None, override_weights_strip_prefix=None,
            reinit_modules=None, load_weights=True, **kwargs):
        arguments = (model_name, override_weights_file, override_weights_strip_prefix, reinit_modules)
        if load_weights and not kwargs:
            return original(*arguments[:1], make_copy, *arguments[1:])
        cache = cached_transformers._model_cache
        plain = cached_transformers.TransformerSpec(*arguments)
        key = (plain, load_weights, hash_object(kwargs))
        model = cache.get(key)
        if model is None:
            shadowed = cache.pop(plain, None)  # make allennlp load anew, with these settings
            try:
                model = original(model_name, False, override_weights_file, override_weights_strip_prefix,
                                 reinit_modules, load_weights, **kwargs)
            finally:
                cache.pop(plain, None)
                if shadowed is not None:
                    cache[plain] = shadowed
            cache[key] = model
        return copy.deepcopy(model) if make_copy else model

    setattr(get, _MARKER, True)
    get.__wrapped_original__ = original
    cached_transformers.get = get
    return True


# ---------------------------------------------------------------------------
# 9. model.tar.gz is gzipped at the slowest level
# ---------------------------------------------------------------------------

ARCHIVE_COMPRESSLEVEL = 1


class _FastGzipTarfile:
    """The ``tarfile`` module as ``allennlp.models.archival`` sees it: ``open(..., "w:gz")``
    compresses at ``ARCHIVE_COMPRESSLEVEL`` unless a level is given; everything else is
    ``tarfile``'s."""

    def __getattr__(self, name: str) -> Any:
        return getattr(tarfile, name)

    @staticmethod
    def open(name=None, mode="r", *args, **kwargs):
        if mode == "w:gz":
            kwargs.setdefault("compresslevel", ARCHIVE_COMPRESSLEVEL)
        return tarfile.open(name, mode, *args, **kwargs)


setattr(_FastGzipTarfile, _MARKER, True)


def fix_archive_compression() -> bool:
    """Gzip ``model.tar.gz`` at level 1 instead of 9.

    What is slow (not version drift: allennlp 2.10.1 itself): ``archive_model`` writes the
    archive with ``tarfile.open(path, "w:gz")``, i.e. gzip level 9, at the end of every
    training run. Level 9 buys almost nothing on model weights and costs much time: on 64 MB of
    a multilingual-e5-small state dict, level 9 took 30.9 s (to 40.8% of the size), level 6
    12.1 s (40.6%), level 1 1.7 s (44.1%), measured one after another on this machine. The
    e5 archive (470 MB of weights) took about 2 minutes to write, twice per ``make demo-ru``.

    The fix gives ``allennlp.models.archival`` a ``tarfile`` whose ``open(..., "w:gz")``
    defaults to level 1; reading archives is unchanged (any level reads the same way).

    Returns True if the patch was installed (or already present).
    """
    from allennlp.models import archival

    if getattr(archival.tarfile, _MARKER, False):
        return True
    archival.tarfile = _FastGzipTarfile()
    return True


# ---------------------------------------------------------------------------


def apply() -> None:
    """Install every fix that applies to the installed versions (those on allennlp's training and
    command modules when these are imported).  Idempotent."""
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
    fix_model_cache_key()
    fix_archive_compression()
    when_imported("allennlp.commands.predict", lambda _: fix_predict_reads_every_line())
    _APPLIED = True
