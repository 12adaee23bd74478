import os
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import torch
import transformers
from packaging.version import Version

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# archives loaded by the tests are extracted into this session's own cache (jointie_allennlp.archives)
os.environ.setdefault("JOINTIE_CACHE_DIR", tempfile.mkdtemp(prefix="jointie-test-cache-"))

import jointie_allennlp  # noqa: E402,F401  (applies compat fixes, registers everything)
from allennlp.common import Params  # noqa: E402
from allennlp.common.testing import ModelTestCase  # noqa: E402
from allennlp.data import Batch, Instance  # noqa: E402
from allennlp.models import Model  # noqa: E402

from jointie_allennlp.data.document import Document  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
TINY_BERT = str(FIXTURES / "tiny_bert")  # fixtures/build_tiny_bert.py
# the installed versions without local tags (`2.6.0+cpu` is 2.6.0), for version-dependent tests
TORCH = Version(Version(torch.__version__).base_version)
TRANSFORMERS = Version(Version(transformers.__version__).base_version)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def tiny_bert() -> str:
    """The tiny BERT of the fixtures (fixtures/build_tiny_bert.py)."""
    return TINY_BERT


def load_benchmark(name: str):
    """A script of benchmarks/ as a module (the folder on sys.path while it loads, for its own imports)."""
    import importlib.util
    import sys

    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(benchmarks))
    try:
        spec = importlib.util.spec_from_file_location(name, benchmarks / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(benchmarks))


def tiny_bert_environment(**changes: Optional[str]) -> Dict[str, str]:
    """
    The variables a training config reads, for a run on the fixtures: the tiny BERT, the CoNLL04-like
    SpERT JSON files, one epoch, batches of 2. `changes` replace or add variables; a change to `None`
    leaves that variable out.
    """
    spert_json = FIXTURES / "spert_json"
    environment = {
        "TRANSFORMER_MODEL": str(FIXTURES / "tiny_bert"),
        "TRAIN_DATA_PATH": str(spert_json / "conll04_like_train.json"),
        "VALIDATION_DATA_PATH": str(spert_json / "conll04_like_dev.json"),
        "TEST_DATA_PATH": str(spert_json / "conll04_like_test.json"),
        "NUM_EPOCHS": "1",
        "BATCH_SIZE": "2",
        **changes,
    }
    return {name: value for name, value in environment.items() if value is not None}


def set_environment(environment: Dict[str, str]) -> pytest.MonkeyPatch:
    """Sets `environment` in `os.environ`; `undo()` of the returned patch restores what was there
    (for a test class's `setup_method` / `teardown_method`, which have no `monkeypatch` fixture)."""
    patch = pytest.MonkeyPatch()
    for name, value in environment.items():
        patch.setenv(name, value)
    return patch


class ConfigModelTestCase(ModelTestCase):
    """
    allennlp's `ModelTestCase` on the model of a training config (`config`), read with the variables
    of `environment` set while each test runs, on the instances of `data`.
    """

    config: Path
    data: Path = FIXTURES / "spert_json" / "conll04_like_dev.json"
    environment: Dict[str, str] = tiny_bert_environment()

    def setup_method(self):
        super().setup_method()
        self._environment = set_environment(self.environment)
        self.set_up_model(self.config, self.data, seed=1)

    def teardown_method(self):
        self._environment.undo()
        super().teardown_method()

    def _model(self, **options) -> Model:
        """A fresh model of the config, its options changed by `options`."""
        params = Params.from_file(self.param_file).pop("model").as_dict()
        params.update(options)
        return Model.from_params(vocab=self.vocab, params=Params(params))

    def pooler(self) -> set:
        """The names of the transformer pooler's parameters (frozen: they get no gradient)."""
        return {name for name, _ in self.model.named_parameters() if ".pooler." in name}

    def _tensors(self, instances: Optional[List[Instance]] = None) -> Dict:
        batch = Batch(instances or self.instances)
        batch.index_instances(self.vocab)
        return batch.as_tensor_dict()

    def predicted_and_gold(self, output: Dict) -> List[Tuple[Document, Document]]:
        """`(predicted, gold)` document pairs of a forward pass on all instances, after checking that
        there is one prediction per instance, over the same tokens."""
        assert len(output["document"]) == len(self.instances)
        pairs = [(predicted, i["metadata"]["document"]) for predicted, i in zip(output["document"], self.instances)]
        assert all(document.tokens == gold.tokens for document, gold in pairs)
        return pairs


@pytest.fixture
def tiny_bert_env(monkeypatch):
    """`tiny_bert_env(**changes)`: sets `tiny_bert_environment(**changes)` in `os.environ` for the test."""

    def apply(**changes: Optional[str]) -> Dict[str, str]:
        environment = tiny_bert_environment(**changes)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return environment

    return apply


def _fit_then_score(model: Model, instances: List[Instance], epochs: int, lr: float, batch_size: int = 8) -> Dict:
    """AdamW over `instances` for `epochs` (fixed order, seed 0), then the metrics of one evaluation pass."""
    torch.manual_seed(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    batches = [Batch(instances[i : i + batch_size]).as_tensor_dict() for i in range(0, len(instances), batch_size)]
    model.train()
    for _ in range(epochs):
        for batch in batches:
            model(**batch)["loss"].backward()
            optimizer.step()
            optimizer.zero_grad()
    assert model.get_metrics(reset=True) == {}  # training mode: no scores rather than zeros
    model.eval()
    with torch.no_grad():
        for batch in batches:
            model(**batch)
    return model.get_metrics(reset=True)


@pytest.fixture
def fit_then_score():
    """`fit_then_score(model, instances, epochs, lr)`: fit a model to a few instances, then score it on them."""
    return _fit_then_score


def _assert_same_prediction(actual, expected, path="record"):
    """Equal records, except that scores may differ in the last float digits: a batch of other
    documents pads the encoder input differently, which moves float sums by ~1e-7."""
    if isinstance(expected, float):
        assert actual == pytest.approx(expected, abs=1e-5), path
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), path
        for key in expected:
            _assert_same_prediction(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for index, (a, e) in enumerate(zip(actual, expected)):
            _assert_same_prediction(a, e, f"{path}[{index}]")
    else:
        assert actual == expected, path


@pytest.fixture
def assert_same_prediction():
    """`assert_same_prediction(actual, expected)`: prediction records equal up to 1e-5 in their scores."""
    return _assert_same_prediction


@pytest.fixture(scope="session")
def spert_archive(tmp_path_factory) -> Path:
    """A SpERT archive trained for one epoch on the SpERT JSON fixtures with the tiny BERT."""
    from allennlp.commands.train import train_model
    from allennlp.common import Params

    ext_vars = tiny_bert_environment(DISTRIBUTED_DEVICES="")
    params = Params.from_file(str(PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"), ext_vars=ext_vars)
    directory = tmp_path_factory.mktemp("spert_archive")
    train_model(params, serialization_dir=str(directory / "run"))
    return directory / "run" / "model.tar.gz"


#: CPU flags with and without native bf16 instructions (`jointie_allennlp.precision.cpu`)
WITH_BF16 = frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni"})
WITHOUT_BF16 = frozenset({"avx2", "avx512f", "avx512_vnni"})


@pytest.fixture
def fake_cpu(monkeypatch):
    """`fake_cpu(flags)`: the CPU flags `precision: auto` sees in this process."""
    from jointie_allennlp.precision import cpu

    def fake(features):
        monkeypatch.setattr(cpu, "cpu_features", lambda: frozenset(features))

    return fake
