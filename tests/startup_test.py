"""The lean import: a process that loads a predictor and predicts never loads sklearn, SciPy, pandas,
torchvision, NLTK, SymPy, boto3, botocore's client, the CUDA bindings, h5py, spaCy's command line or
allennlp's trainer, and each still works when used; the garbage collector is paused during the import."""
import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFERRED = ("sklearn", "scipy", "pandas", "torchvision", "nltk", "sympy", "boto3", "h5py", "typer", "weasel",
            "tensorboardX")
DEFERRED_MODULES = ("botocore.client", "cuda.bindings.runtime", "torch.distributed.tensor", "spacy.cli",
                    "allennlp.training", "allennlp.training.trainer", "jointie_allennlp.modules.callbacks")

PREDICT = """
import json, sys
import jointie_allennlp as ji
from jointie_allennlp.startup import is_deferred
model = ji.load(sys.argv[1])
document = model("Maria Lopez works for Northfield Labs in Denver.")
loaded = {name: name in sys.modules and not is_deferred(name) for name in %r}
submodules = sorted({m for m in sys.modules if "." in m and m.split(".")[0] in %r and not is_deferred(m)})
submodules = [m for m in submodules if not m.startswith("nltk.")]
modules = {name: name in sys.modules and not is_deferred(name) for name in %r}
print(json.dumps({"tokens": document.tokens, "loaded": loaded, "submodules": submodules, "modules": modules}))
""" % (DEFERRED, DEFERRED, DEFERRED_MODULES)

USE = """
import jointie_allennlp, torch
from jointie_allennlp.startup import is_deferred
from allennlp.training.metrics import Auc, SpearmanCorrelation
from sklearn.metrics import f1_score
import nltk, scipy.stats, torchvision
auc = Auc(); auc(torch.tensor([0.2, 0.9, 0.4]), torch.tensor([0, 1, 1]))
rho = SpearmanCorrelation(); rho(torch.tensor([0.1, 0.9, 0.3]), torch.tensor([0.0, 1.0, 2.0]))
print(auc.get_metric(), rho.get_metric(), f1_score([0, 1, 1], [0, 1, 0]), nltk.Tree.fromstring("(S (N a))").label(),
      nltk.word_tokenize.__name__, round(scipy.stats.norm.cdf(0), 2), torchvision.io.read_image.__name__,
      [is_deferred(name) for name in ("sklearn", "scipy", "nltk", "torchvision")])
import boto3.session, botocore.client, cuda.bindings.runtime, torch.distributed.tensor, transformers.pytorch_utils
print(type(boto3.session.Session()).__name__, botocore.client.Config(signature_version="s3v4").signature_version,
      int(cuda.bindings.runtime.cudaError_t.cudaSuccess), torch.distributed.tensor.Replicate().is_replicate(),
      torch.distributed.is_available(), [is_deferred(name) for name in ("boto3", "botocore.client", "cuda.bindings")])
import spacy, h5py
from allennlp.common.util import spacy_download
print(spacy.info()["spacy_version"] == spacy.about.__version__, spacy_download.__name__, h5py.File.__name__,
      [is_deferred(name) for name in ("spacy.cli", "h5py")], type(spacy.cli).__name__)
import allennlp.training.trainer
from allennlp.training import Trainer, TrainerCallback
from allennlp.training.learning_rate_schedulers import LearningRateScheduler
print(is_deferred("allennlp.training"), Trainer.resolve_class_name("gradient_descent")[0].__name__,
      TrainerCallback.by_name("score_curve").__name__,
      LearningRateScheduler.by_name("linear_with_warmup_fraction").__name__)
"""


def _run(code, *arguments, **environment):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "OMP_NUM_THREADS": "1", **environment}
    result = subprocess.run([sys.executable, "-c", code, *arguments], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_predicting_loads_none_of_the_deferred_packages(spert_archive):
    report = json.loads(_run(PREDICT, str(spert_archive)))
    assert report["tokens"][:2] == ["Maria", "Lopez"]
    assert report["loaded"] == {name: False for name in DEFERRED}
    assert report["submodules"] == []  # none of their submodules either (nltk's Tree module aside)
    assert report["modules"] == {name: False for name in DEFERRED_MODULES}
    without = json.loads(_run(PREDICT, str(spert_archive), JOINTIE_LEAN_IMPORTS="0"))
    assert without["loaded"] == {name: True for name in DEFERRED}  # what the lean import saves
    assert without["modules"] == {name: True for name in DEFERRED_MODULES}


def _run_lines(code):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-4:]


def test_the_deferred_packages_work_when_used():
    first, second, third, fourth = _run_lines(USE)
    assert first.split() == ["1.0", "0.5", "0.6666666666666666", "S", "word_tokenize", "0.5", "read_image",
                             "[False,", "False,", "False,", "False]"]
    # torch.distributed itself stays available (allennlp's DDP); only transformers' import skipped it
    assert second.split() == ["Session", "s3v4", "0", "True", "True", "[False,", "False,", "False]"]
    assert third.split() == ["True", "download", "File", "[False,", "False]", "module"]
    # importing the trainer module runs allennlp.training and registers this package's callbacks and scheduler
    assert fourth.split() == ["False", "GradientDescentTrainer", "ScoreCurveCallback", "LinearWithWarmupFraction"]


COLLECTOR = """
import gc, sys, weakref
full_collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and info["generation"] == 2 and full_collections.append(1))
if sys.argv[1:] == ["off"]:
    gc.disable()
import jointie_allennlp
during_import = len(full_collections)

class Node:
    pass

node = Node(); node.itself = node; ref = weakref.ref(node); del node
gc.collect()  # a cycle made after the import is still collected
print(gc.isenabled(), gc.get_freeze_count(), ref() is None, during_import)
"""


def test_the_collector_is_paused_during_the_import_and_on_again_after_it():
    enabled, frozen, collected, full = _run(COLLECTOR).split()
    # no full collection during the import; the import's objects frozen; a later cycle collected
    assert (enabled, collected, full) == ("True", "True", "0") and int(frozen) > 100_000
    enabled, frozen, collected, full = _run(COLLECTOR, "off").split()
    assert (enabled, collected, full) == ("False", "True", "0") and int(frozen) > 100_000  # left off, as it was
    enabled, frozen, collected, full = _run(COLLECTOR, JOINTIE_LEAN_IMPORTS="0").split()
    assert (enabled, frozen, collected) == ("True", "0", "True") and int(full) > 0  # what the pause saves
