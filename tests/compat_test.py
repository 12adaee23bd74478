"""Tests for jointie_allennlp.compat.

Each test exercises the *unpatched* behaviour (kept reachable through the
wrappers' ``__wrapped__`` / ``__wrapped_original__`` attributes) to show the
breakage still exists on the installed versions, and then the patched path.
Without the corresponding fix the patched-path assertions fail.
"""
import inspect
import io
import os
import pickle
import re
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pytest
import torch
import transformers
from packaging.version import Version

from allennlp.common import Params, cached_transformers
from allennlp.common.file_utils import TensorCache
from allennlp.data.tokenizers import PretrainedTransformerTokenizer
from allennlp.training.checkpointer import Checkpointer
from allennlp.training.learning_rate_schedulers import LearningRateScheduler
from allennlp.training.learning_rate_schedulers.pytorch_lr_schedulers import (
    ReduceOnPlateauLearningRateScheduler,
)
from allennlp.training.trainer import TrainerCheckpoint

from jointie_allennlp import compat  # importing the package (conftest) has applied the fixes

TORCH = Version(Version(torch.__version__).base_version)
TRANSFORMERS = Version(Version(transformers.__version__).base_version)
FIXTURE_BERT = Path(__file__).resolve().parent.parent / "fixtures" / "tiny_bert"


def _original_torch_load():
    return getattr(torch.load, "__wrapped_original__", torch.load)


@pytest.fixture(scope="module")
def tiny_bert() -> str:
    """The tiny BERT of the fixtures (fixtures/build_tiny_bert.py)."""
    return str(FIXTURE_BERT)


def test_apply_is_idempotent():
    load, get_tokenizer, init = (
        torch.load,
        cached_transformers.get_tokenizer,
        ReduceOnPlateauLearningRateScheduler.__init__,
    )
    compat.apply()
    compat.fix_get_tokenizer_add_special_tokens()
    compat.fix_torch_load_weights_only()
    compat.fix_reduce_on_plateau_verbose()
    assert torch.load is load
    assert cached_transformers.get_tokenizer is get_tokenizer
    assert ReduceOnPlateauLearningRateScheduler.__init__ is init
    # Wrappers wrap the originals, never another wrapper.
    assert not getattr(_original_torch_load(), compat._MARKER, False)
    assert not getattr(get_tokenizer.__wrapped_original__, compat._MARKER, False)


# --- 1. get_tokenizer / add_special_tokens ---------------------------------


@pytest.mark.skipif(TRANSFORMERS < Version("4.44"), reason="breakage starts at transformers 4.44")
def test_unpatched_get_tokenizer_still_breaks(tiny_bert):
    original = cached_transformers.get_tokenizer.__wrapped_original__
    with pytest.raises(AttributeError, match="add_special_tokens conflicts"):
        original(tiny_bert, add_special_tokens=False, use_fast=True, local_files_only=True)


def test_pretrained_transformer_tokenizer_works(tiny_bert):
    tokenizer = PretrainedTransformerTokenizer(tiny_bert)
    tokens = [t.text for t in tokenizer.tokenize("the guard moved to denver")]
    assert tokens == ["[CLS]", "the", "guard", "moved", "to", "denver", "[SEP]"]
    no_special = PretrainedTransformerTokenizer(tiny_bert, add_special_tokens=False)
    assert [t.text for t in no_special.tokenize("the guard")] == ["the", "guard"]


def test_get_tokenizer_keeps_cache_semantics(tiny_bert):
    get = cached_transformers.get_tokenizer
    without = get(tiny_bert, add_special_tokens=False)
    with_ = get(tiny_bert, add_special_tokens=True)
    assert get(tiny_bert, add_special_tokens=False) is without
    assert with_ is not without  # distinct cache entries, as in allennlp
    assert "add_special_tokens" not in without.init_kwargs
    cached_transformers._clear_caches()
    assert get(tiny_bert, add_special_tokens=False) is not without


def test_no_allennlp_caller_bypasses_the_patched_get_tokenizer():
    """All callers must look get_tokenizer up on the module at call time."""
    import allennlp

    packages = [allennlp]
    try:  # allennlp-models is optional (not a dependency), but a user may install it
        import allennlp_models

        packages.append(allennlp_models)
    except ModuleNotFoundError:
        pass
    pattern = re.compile(r"from\s+allennlp\.common\.cached_transformers\s+import\s+[^\n]*get_tokenizer")
    offenders = []
    for package in packages:
        for path in Path(package.__file__).parent.rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                offenders.append(str(path))
    assert offenders == []


# --- 2. torch.load weights_only ---------------------------------------------


class _Opaque:
    """A non-tensor object that a weights-only unpickler must reject."""

    def __init__(self, value):
        self.value = value


def _training_state():
    return {
        "version": 1,
        "metric_tracker": {"best_so_far": np.float64(0.5), "best_epoch_metrics": {"f1": np.float64(0.5)}},
        "epochs_completed": 1,
        "batches_in_epoch_completed": 0,
        "custom": _Opaque(3),
    }


class _FakeTrainer:
    def get_checkpoint_state(self):
        return TrainerCheckpoint({"w": torch.ones(2)}, _training_state())


def test_checkpointer_round_trip(tmp_path):
    checkpointer = Checkpointer(tmp_path)
    checkpointer.save_checkpoint(_FakeTrainer())
    _, training_state_path = checkpointer.find_latest_checkpoint()
    if TORCH >= Version("2.6"):
        with pytest.raises(pickle.UnpicklingError):
            _original_torch_load()(training_state_path)  # unpatched default
    model_state, training_state = checkpointer.load_checkpoint()
    assert torch.equal(model_state["w"], torch.ones(2))
    assert training_state["metric_tracker"]["best_so_far"] == 0.5
    assert training_state["custom"].value == 3
    assert compat._TRUSTED_TORCH_LOAD.get() is False  # reset afterwards


def test_tensor_cache_round_trip(tmp_path):
    cache = TensorCache(tmp_path / "cache")
    cache["a"] = torch.arange(5.0)
    cache["b"] = torch.arange(6).view(2, 3)[:, 1]  # non-contiguous view
    del cache
    cache = TensorCache(tmp_path / "cache", read_only=True)  # empty in-memory cache
    assert torch.equal(cache["a"], torch.arange(5.0))
    assert torch.equal(cache["b"], torch.tensor([1, 4]))
    assert compat._TRUSTED_TORCH_LOAD.get() is False


@pytest.mark.skipif(TORCH < Version("2.6"), reason="weights_only default changed in torch 2.6")
def test_unpatched_tensor_cache_format_still_breaks():
    buffer = io.BytesIO()
    torch.save(torch.arange(3.0), buffer, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        _original_torch_load()(buffer, map_location="cpu")


def _pickled_opaque() -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save({"x": _Opaque(1)}, buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.skipif(TORCH < Version("2.6"), reason="weights_only default changed in torch 2.6")
def test_torch_load_default_is_unchanged_outside_allennlp():
    with pytest.raises(pickle.UnpicklingError):
        torch.load(_pickled_opaque())


def test_explicit_weights_only_true_is_respected_even_inside_allennlp(tmp_path, monkeypatch):
    seen = {}

    def load_checkpoint(self):
        seen["inside"] = compat._TRUSTED_TORCH_LOAD.get()
        with pytest.raises(pickle.UnpicklingError):
            torch.load(_pickled_opaque(), weights_only=True)
        return torch.load(_pickled_opaque())  # default -> trusted inside

    monkeypatch.setattr(Checkpointer, "load_checkpoint", compat._trusted_torch_load(load_checkpoint))
    assert Checkpointer(tmp_path).load_checkpoint()["x"].value == 1
    assert seen["inside"] is True
    assert compat._TRUSTED_TORCH_LOAD.get() is False


def test_trusted_context_is_reset_after_an_exception():
    @compat._trusted_torch_load
    def boom():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        boom()
    assert compat._TRUSTED_TORCH_LOAD.get() is False


# --- 3. reduce_on_plateau / verbose -----------------------------------------


def _optimizer(lr=0.1):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


@pytest.mark.skipif(TORCH < Version("2.7"), reason="verbose removed in torch 2.7")
def test_unpatched_reduce_on_plateau_still_breaks():
    original = ReduceOnPlateauLearningRateScheduler.__init__.__wrapped_original__
    scheduler = ReduceOnPlateauLearningRateScheduler.__new__(ReduceOnPlateauLearningRateScheduler)
    with pytest.raises(TypeError, match="verbose"):
        original(scheduler, _optimizer())


def test_reduce_on_plateau_signature_unchanged():
    patched = inspect.signature(ReduceOnPlateauLearningRateScheduler.__init__)
    original = inspect.signature(ReduceOnPlateauLearningRateScheduler.__init__.__wrapped_original__)
    assert patched == original


@pytest.mark.parametrize("verbose", [False, True])
def test_reduce_on_plateau_from_params_steps(verbose):
    optimizer = _optimizer(0.1)
    scheduler = LearningRateScheduler.from_params(
        Params({"type": "reduce_on_plateau", "patience": 0, "factor": 0.5, "verbose": verbose}),
        optimizer=optimizer,
    )
    assert isinstance(scheduler, ReduceOnPlateauLearningRateScheduler)
    scheduler.step(1.0)
    scheduler.step(2.0)  # worse -> patience 0 exhausted -> lr halved
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.05)
    restored = LearningRateScheduler.from_params(
        Params({"type": "reduce_on_plateau"}), optimizer=_optimizer(0.05)
    )
    restored.load_state_dict(scheduler.state_dict())
    assert restored.lr_scheduler.best == 1.0


# --- 4. known FutureWarnings -------------------------------------------------


@pytest.mark.filterwarnings("default::FutureWarning")
def test_known_future_warnings_are_silenced_and_no_others():
    compat.silence_known_future_warnings()  # pytest's per-test filters came after the import-time ones
    parameter = torch.nn.Parameter(torch.zeros(2))
    with warnings.catch_warnings(record=True) as caught:
        transformers.AdamW([parameter], lr=0.1)
        warnings.warn_explicit(
            "`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', args...)`",
            FutureWarning, "gradient_descent_trainer.py", 509, module="allennlp.training.gradient_descent_trainer",
        )
        warnings.warn_explicit(
            "`torch.cuda.amp.autocast(args...)` is deprecated.", FutureWarning, "mine.py", 1, module="mine"
        )
        warnings.warn_explicit("something else is deprecated", FutureWarning, "x.py", 1, module="transformers.x")
    assert [str(w.message) for w in caught] == [
        "`torch.cuda.amp.autocast(args...)` is deprecated.",
        "something else is deprecated",
    ]


# ---------------------------------------------------------------------------
# allennlp predict: every physical line reaches this package's predictors
# ---------------------------------------------------------------------------


class _LinePredictor:
    """Records what `_PredictManager` hands to `load_line`."""

    def __init__(self, with_parse_line: bool) -> None:
        self.seen = []
        if with_parse_line:
            self.parse_line = lambda line, number: line

    def load_line(self, line):
        self.seen.append(line)
        return line


def _manager(predictor, path):
    from allennlp.commands.predict import _PredictManager

    manager = _PredictManager.__new__(_PredictManager)
    manager._predictor, manager._input_file = predictor, str(path)
    return manager


def test_predict_reads_every_line_as_bytes(tmp_path):
    import gzip

    data = b'{"a": 1}\n\n   \ncaf\xe9\n{"b": 2}\r\n'
    (tmp_path / "in.jsonl").write_bytes(data)
    with gzip.open(tmp_path / "in.jsonl.gz", "wb") as file:
        file.write(data)
    from allennlp.commands.predict import _PredictManager

    original = _PredictManager._get_json_data.__wrapped_original__
    other = _LinePredictor(with_parse_line=False)
    with pytest.raises(UnicodeDecodeError):  # allennlp's own reading: the bad byte ends the run
        list(original(_manager(other, tmp_path / "in.jsonl")))
    assert other.seen == []  # text mode decodes a whole buffer first: even the good first line is lost
    for name in ("in.jsonl", "in.jsonl.gz"):
        ours = _LinePredictor(with_parse_line=True)
        assert len(list(_manager(ours, tmp_path / name)._get_json_data())) == 5
        assert ours.seen == [b'{"a": 1}\n', b"\n", b"   \n", b"caf\xe9\n", b'{"b": 2}\r\n']


def test_unpatched_gradient_checkpointing_option_does_nothing(tiny_bert):
    from allennlp.modules.token_embedders import PretrainedTransformerEmbedder

    embedder = PretrainedTransformerEmbedder.__new__(PretrainedTransformerEmbedder)
    PretrainedTransformerEmbedder.__init__.__wrapped__(embedder, tiny_bert, gradient_checkpointing=True)
    assert embedder.transformer_model.config.gradient_checkpointing is True
    assert not embedder.transformer_model.is_gradient_checkpointing


@pytest.mark.parametrize("option", [True, False, None])
def test_gradient_checkpointing_option_checkpoints_with_the_same_gradients(tiny_bert, option):
    from allennlp.modules.token_embedders import PretrainedTransformerEmbedder

    plain = PretrainedTransformerEmbedder(tiny_bert)
    embedder = PretrainedTransformerEmbedder(tiny_bert, gradient_checkpointing=option)
    assert embedder.transformer_model.is_gradient_checkpointing is (option is True)
    token_ids = torch.tensor([[2, 7, 9, 11, 3], [2, 5, 3, 0, 0]])
    mask = token_ids != 0
    gradients = []
    for model in (plain, embedder):
        model.train()
        model.zero_grad()
        torch.manual_seed(3)  # the same dropout draws; checkpointing replays them in the recomputation
        model(token_ids, mask).pow(2).sum().backward()
        gradients.append({name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None})
    assert gradients[0].keys() == gradients[1].keys() and len(gradients[0]) > 10
    for name, gradient in gradients[0].items():
        torch.testing.assert_close(gradients[1][name], gradient, rtol=1e-5, atol=1e-6, msg=name)


def test_unpatched_model_cache_ignores_the_model_kwargs(tiny_bert):
    original = cached_transformers.get.__wrapped_original__
    cached_transformers._clear_caches()
    try:
        original(tiny_bert, True)
        assert original(tiny_bert, True, attention_probs_dropout_prob=0.0).config.attention_probs_dropout_prob == 0.1
    finally:
        cached_transformers._clear_caches()


def test_model_cache_keeps_apart_kwargs_and_models_loaded_without_weights(tiny_bert):
    cached_transformers._clear_caches()
    try:
        pretrained = transformers.AutoModel.from_pretrained(tiny_bert).embeddings.word_embeddings.weight
        random_init = cached_transformers.get(tiny_bert, True, load_weights=False)
        assert not torch.equal(random_init.embeddings.word_embeddings.weight, pretrained)
        plain = cached_transformers.get(tiny_bert, True)
        assert torch.equal(plain.embeddings.word_embeddings.weight, pretrained)
        lean = cached_transformers.get(tiny_bert, True, attention_probs_dropout_prob=0.0)
        assert lean.config.attention_probs_dropout_prob == 0.0 and plain.config.attention_probs_dropout_prob == 0.1
        assert torch.equal(lean.embeddings.word_embeddings.weight, pretrained)
        again = cached_transformers.get(tiny_bert, False, attention_probs_dropout_prob=0.0)
        assert again is cached_transformers.get(tiny_bert, False, attention_probs_dropout_prob=0.0)  # cached
        assert cached_transformers.get(tiny_bert, False).config.attention_probs_dropout_prob == 0.1
    finally:
        cached_transformers._clear_caches()


def _serialization_dir(path: Path) -> Path:
    path.mkdir()
    (path / "config.json").write_text("{}", encoding="utf-8")
    torch.save({"weight": torch.arange(50_000, dtype=torch.float32)}, path / "best.th")
    (path / "vocabulary").mkdir()
    (path / "vocabulary" / "non_padded_namespaces.txt").write_text("*tags\n", encoding="utf-8")
    return path


def _gzip_extra_flags(archive: Path) -> int:
    """The XFL byte of a gzip header: 2 = written at level 9, 4 = at level 1 (RFC 1952)."""
    return archive.read_bytes()[8]


def test_tarfile_itself_still_gzips_at_level_9(tmp_path):
    import tarfile

    archive = tmp_path / "stock.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:  # the call of archive_model, outside allennlp's module
        tar.add(_serialization_dir(tmp_path / "run") / "best.th", arcname="weights.th")
    assert _gzip_extra_flags(archive) == 2


def test_archives_are_gzipped_at_level_1_and_read_back(tmp_path):
    from allennlp.models.archival import archive_model

    run = _serialization_dir(tmp_path / "run")
    archive_model(run, weights="best.th")
    archive = run / "model.tar.gz"
    assert _gzip_extra_flags(archive) == 4
    import tarfile

    with tarfile.open(archive, "r:gz") as tar:
        assert sorted(tar.getnames())[:2] == ["config.json", "vocabulary"]
        tar.extractall(tmp_path / "out", filter="data")
    assert torch.equal(torch.load(tmp_path / "out" / "weights.th")["weight"], torch.arange(50_000, dtype=torch.float32))
