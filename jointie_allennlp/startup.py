"""
A lean import: what allennlp and transformers pull in at import time but prediction never uses is
deferred until it is used (nothing installed is changed). Applied by `import jointie_allennlp`
when it comes before allennlp's own import; `JOINTIE_LEAN_IMPORTS=0` turns it off.

* scikit-learn (and with it pandas): transformers imports it for assisted generation
  (`transformers.generation.candidate_generator`, when `is_sklearn_available()`), NLTK for its
  `SklearnClassifier`, allennlp's `Auc` metric as `from sklearn import metrics`. transformers'
  availability flag is set to false before its generation code is imported (this process then
  generates without the sklearn-based assistant threshold); `sklearn` and `sklearn.metrics` are
  deferred packages (`deferred_package`), run on first attribute access.
* torchvision: transformers imports it for image and video processing (`transformers.image_utils`,
  when `is_torchvision_available()`): that flag is set to false likewise; allennlp's
  `allennlp.data.image_loader` imports it and only touches its attributes inside its functions, so
  it is a deferred package (`deferred_package`) whose `__init__` runs on first attribute access.
* transformers' model packages: `transformers.models`' `__init__` imports every model transformers
  ships (about 280 packages, each scanning its own files for its names) when the first one is
  used. It is a deferred package whose submodules import without it, so a process imports only the
  models it uses (allennlp's encoder loading asks for them by name: `jointie_allennlp.encoders.auto_model`).
* NLTK: allennlp imports only `nltk.Tree` at import time (`allennlp.training.metrics.evalb_bracketing_scorer`).
  `nltk` is a deferred package holding `Tree` from `nltk.tree`; its `__init__` runs on first access
  of any other attribute, and its submodules import without it.
* SciPy: allennlp's `SpearmanCorrelation` metric imports `scipy.stats` (`import scipy.stats as stats`)
  and uses it inside its methods: `scipy` and `scipy.stats` are deferred packages, and transformers'
  SciPy availability flag is set to false before its object-detection losses are imported.
* SymPy: `transformers.pytorch_utils` imports torch's `torch.distributed.tensor` (which needs SymPy)
  for tensor-parallel model plans when `torch.distributed.is_available()`. While that one module is
  imported, `is_available` answers false (`WithoutTensorParallel`), so transformers offers no
  tensor-parallel plans in this process; torch's own `torch.distributed` (allennlp's DDP) is untouched.
* CUDA bindings: `torch.cuda._utils` and `torch.cuda.graphs` import `runtime` and `driver` from
  `cuda.bindings` (cuda-python) and use them only inside their functions: `cuda.bindings` and both
  are deferred packages.
* boto3 and `botocore.client` (S3 and R2 downloads in cached_path, which allennlp imports): cached_path
  touches them only inside its functions; they are deferred packages.
* spaCy's command line (`spacy.cli`: typer, rich, click, weasel and every spaCy subcommand): spaCy's
  `__init__` imports `info` from `spacy.cli.info` and allennlp's `allennlp.common.util` imports
  `download` from `spacy.cli.download`, both only to call them later: `spacy.cli` and both
  submodules are deferred packages, and the two functions are stand-ins that run their module on
  first call.
* allennlp's trainer (`allennlp.training`'s `__init__`: the trainers, checkpointer, callbacks with
  TensorBoard and its Google libraries): models import only its `metrics` and readers nothing of it,
  so `allennlp.training` is a deferred package whose submodules import without it. Its code runs
  on the first access of one of its names, and whenever `allennlp.training.trainer` is imported
  (`jointie_allennlp/__init__.py`), so every trainer and callback is registered before a training.
* h5py: thinc imports it (`thinc.compat`) for its TensorFlow and MXNet shims only; a deferred package.

And Python's cyclic garbage collector is paused while the package imports (`collector_paused`):
torch, transformers, allennlp and spaCy make about a million objects, nearly all of which live as
long as the process, and with the collector on, each full collection during the import scans all
of them again. Afterwards they are frozen (`gc.freeze`: later collections skip them) and the
collector runs again as before. The few cycles the import leaves unreachable (about ten thousand
objects) are frozen with them and stay: collecting them first would cost a full collection.

What stays: spaCy itself (allennlp's `__init__`, its tokenizers and `TextField` import it, and the
English tokenizer uses it), fairscale (imported by allennlp's `allennlp.nn.util` with `from` imports),
cached_path's scheme clients with botocore's core and the Google Cloud libraries (every file allennlp
reads goes through `cached_path`, which asks them for their schemes).
"""
import contextlib
import gc
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from typing import Dict, List, Optional, Sequence

VARIABLE = "JOINTIE_LEAN_IMPORTS"


def enabled() -> bool:
    """Whether the lean import applies (`JOINTIE_LEAN_IMPORTS` unset, or anything but `0`/`false`/`no`)."""
    return os.environ.get(VARIABLE, "1").strip().lower() not in ("0", "false", "no")


@contextlib.contextmanager
def collector_paused():
    """Pauses the cyclic garbage collector for the block (when the lean import applies), then
    freezes the objects made so far (`gc.freeze`) and turns the collector back on if it was on."""
    collecting = gc.isenabled()
    if not enabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


class _RunParentFirst(importlib.abc.MetaPathFinder):
    """Before a submodule of a deferred package is imported, runs the package's code (finds nothing itself)."""

    def find_spec(self, fullname, path=None, target=None):
        parent = fullname.rpartition(".")[0]
        while parent:
            if parent in _RUN_BEFORE_SUBMODULES and is_deferred(parent):
                getattr(sys.modules[parent], "__version__", None)  # any attribute it has not got runs it
            parent = parent.rpartition(".")[0]
        return None


_RUN_BEFORE_SUBMODULES: set = set()
_FINDER = _RunParentFirst()


def _shell(spec, parent: Optional[types.ModuleType] = None, independent_submodules: bool = False) -> types.ModuleType:
    """
    A module of `spec` whose code runs on first access of an attribute it has not got (after its
    parent's); with `independent_submodules`, an attribute naming a submodule imports that submodule only.
    """
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attribute: str):  # PEP 562: only attributes the module has not got
        asks_if_package = attribute == "__path__" and spec.submodule_search_locations is None
        if "__getattr__" not in module.__dict__ or asks_if_package:
            # its code has run (or is running); or the import system asks whether a plain module is a package
            raise AttributeError(f"module {spec.name!r} has no attribute {attribute!r}")
        if independent_submodules and not attribute.startswith("__"):
            if importlib.machinery.PathFinder.find_spec(f"{spec.name}.{attribute}", module.__path__) is not None:
                return importlib.import_module(f"{spec.name}.{attribute}")
        if parent is not None:
            getattr(parent, "__version__", None)  # the parent's code may import this module itself
            if "__getattr__" not in module.__dict__:
                return getattr(module, attribute)
        del module.__dict__["__getattr__"]
        spec.loader.exec_module(module)
        return getattr(module, attribute)

    __getattr__.deferred = True
    module.__getattr__ = __getattr__
    return module


def is_deferred(name: str) -> bool:
    """Whether `sys.modules[name]` is a module put there by `deferred_package` whose code has not run."""
    hook = getattr(sys.modules.get(name), "__dict__", {}).get("__getattr__")
    return getattr(hook, "deferred", False)


def _find_spec(name: str):
    """The spec of module `name`, without importing its parent when the parent is a top-level
    package with an `__init__` not imported yet (`importlib.util.find_spec` would run it); a
    namespace parent (no code) is imported."""
    parent = name.rpartition(".")[0]
    if parent and parent not in sys.modules and "." not in parent:
        parent_spec = importlib.util.find_spec(parent)
        if parent_spec is None or parent_spec.submodule_search_locations is None:
            return None
        if parent_spec.origin is not None:
            return importlib.machinery.PathFinder.find_spec(name, parent_spec.submodule_search_locations)
    return importlib.util.find_spec(name)


def run_deferred(name: str) -> None:
    """Runs the code of the module `name` if `deferred_package` put it in `sys.modules` unrun."""
    if name in sys.modules:
        _run_deferred(sys.modules[name])


def _run_deferred(module: types.ModuleType) -> None:
    """Runs the code of a module from `deferred_package` if it has not run yet."""
    hook = module.__dict__.get("__getattr__")
    if getattr(hook, "deferred", False):
        try:
            hook("__jointie_run__")
        except AttributeError:
            pass  # the module's code has run; it has no such attribute


def _stand_in(module: types.ModuleType, attribute: str):
    """A function standing in for `module.attribute` of a deferred module until it is called."""

    def stand_in(*args, **kwargs):
        _run_deferred(module)
        real = module.__dict__.get(attribute)
        if real is None or real is stand_in:
            raise ImportError(f"{module.__name__} has no function {attribute}")
        return real(*args, **kwargs)

    stand_in.__name__ = stand_in.__qualname__ = attribute
    stand_in.__module__ = module.__name__
    return stand_in


def deferred_package(
    name: str,
    early: Optional[Dict[str, str]] = None,
    independent_submodules: bool = False,
    submodules: Sequence[str] = (),
    stand_ins: Optional[Dict[str, Sequence[str]]] = None,
) -> bool:
    """
    Puts the package `name` in `sys.modules` without running its `__init__`, which runs on first
    access of an attribute it has not got yet (PEP 562 `__getattr__`). Returns False (and does
    nothing) when the package is imported already or not installed. Unlike
    `importlib.util.LazyLoader`, the module's `__file__`, `__path__`, `__spec__` are there from the
    start, so neither `inspect.getmodule`'s scan of `sys.modules` nor `from package import name`
    loads it by themselves.

    # Parameters

    name : `str` the package.
    early : `Dict[str, str]`, optional attributes imported now from a submodule (attribute -> submodule).
    independent_submodules : `bool`, optional (default = `False`) whether a submodule may be imported
        without the package's `__init__` (`from nltk import tree`); otherwise importing a submodule
        runs the `__init__` first.
    submodules : `Sequence[str]`, optional submodules deferred likewise and set as the package's
        attributes (`from sklearn import metrics` gives the deferred `sklearn.metrics`, whose code
        runs, after the package's, on its first attribute access).
    stand_ins : `Dict[str, Sequence[str]]`, optional functions of deferred submodules that other
        modules import by name at their own import (`from spacy.cli.info import info`): each is a
        stand-in whose first call runs the submodule's code and calls the real function.
    """
    if name in sys.modules:
        return False
    spec = _find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return False
    package = _shell(spec, independent_submodules=independent_submodules)
    sys.modules[name] = package
    parent, _, last = name.rpartition(".")
    if parent in sys.modules:  # as the import system does: the package is an attribute of its parent
        setattr(sys.modules[parent], last, package)
    elif parent:  # the parent's own import finds the package in sys.modules and would not set it
        from jointie_allennlp.patching import when_imported

        when_imported(parent, lambda module: module.__dict__.setdefault(last, sys.modules.get(name, package)))
    try:
        for submodule in submodules:
            sub_spec = importlib.machinery.PathFinder.find_spec(f"{name}.{submodule}", spec.submodule_search_locations)
            if sub_spec is None:
                raise ImportError(f"{name} has no submodule {submodule}")
            sys.modules[sub_spec.name] = package.__dict__[submodule] = _shell(sub_spec, package)
            _RUN_BEFORE_SUBMODULES.add(sub_spec.name)
            for attribute in (stand_ins or {}).get(submodule, ()):
                setattr(sys.modules[sub_spec.name], attribute, _stand_in(sys.modules[sub_spec.name], attribute))
        for attribute, source in (early or {}).items():
            setattr(package, attribute, getattr(importlib.import_module(source), attribute))
    except Exception:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
        raise
    if not independent_submodules:
        _RUN_BEFORE_SUBMODULES.add(name)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    return True


class WithoutTensorParallel(importlib.abc.MetaPathFinder):
    """
    Imports the module `name` with `torch.distributed.is_available()` answering false, so that it
    skips its optional imports of `torch.distributed.tensor`; restores the function afterwards.

    # Parameters

    name : `str` the module.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader_exec = spec.loader.exec_module

        def exec_module(module):
            import torch.distributed

            available = torch.distributed.is_available
            torch.distributed.is_available = lambda: False
            try:
                loader_exec(module)
            finally:
                torch.distributed.is_available = available

        spec.loader.exec_module = exec_module
        return spec


_WITHOUT_TENSOR_PARALLEL = WithoutTensorParallel("transformers.pytorch_utils")


def _transformers_flags() -> List[str]:
    """Sets transformers' sklearn / scipy / torchvision availability to false where the code reading it
    is not imported yet; returns the flags set."""
    try:
        from transformers.utils import import_utils
    except ImportError:
        return []
    changed = []
    for flag, reader in (("_sklearn_available", "transformers.generation"),
                         ("_scipy_available", "transformers.loss"),
                         ("_torchvision_available", "transformers.image_utils")):
        if reader not in sys.modules and getattr(import_utils, flag, False):
            setattr(import_utils, flag, False)
            changed.append(flag)
    return changed


def install() -> List[str]:
    """Applies the lean import (see the module docstring); returns what it deferred. Idempotent."""
    if not enabled():
        return []
    deferred = []
    if deferred_package("cuda.bindings", submodules=["runtime", "driver"]):  # before torch's first import
        deferred.append("cuda.bindings")
    deferred += [f"transformers.{flag}" for flag in _transformers_flags()]
    if deferred_package("transformers.models", independent_submodules=True):
        deferred.append("transformers.models")
    if "transformers.pytorch_utils" not in sys.modules and _WITHOUT_TENSOR_PARALLEL not in sys.meta_path:
        sys.meta_path.insert(0, _WITHOUT_TENSOR_PARALLEL)
        deferred.append("torch.distributed.tensor")
    if deferred_package("spacy.cli", submodules=["info", "download"],
                        stand_ins={"info": ["info"], "download": ["download"]}):
        deferred.append("spacy.cli")
    if deferred_package("allennlp.training", independent_submodules=True):
        deferred.append("allennlp.training")
    if deferred_package("h5py"):
        deferred.append("h5py")
    if deferred_package("boto3", submodules=["session", "dynamodb"]):
        deferred.append("boto3")
    if deferred_package("botocore", submodules=["client"]):
        deferred.append("botocore.client")
    if deferred_package("torchvision"):
        deferred.append("torchvision")
    if deferred_package("nltk", {"Tree": "nltk.tree"}, independent_submodules=True):
        deferred.append("nltk")
    if deferred_package("sklearn", submodules=["metrics"]):
        deferred.append("sklearn")
    if deferred_package("scipy", submodules=["stats"]):
        deferred.append("scipy")
    return deferred
