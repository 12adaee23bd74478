"""Tests of jointie_allennlp.compat.tokenizer_add_special_tokens.

The unpatched behaviour (reached through the wrapper's `__wrapped__` / `__wrapped_original__`) shows
the breakage on the installed versions; the patched path shows the fix.
"""
import re
from pathlib import Path

import pytest
from allennlp.common import cached_transformers
from allennlp.data.tokenizers import PretrainedTransformerTokenizer
from packaging.version import Version

from tests.conftest import TRANSFORMERS


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


def test_get_tokenizer_loads_once_per_set_of_load_options(tiny_bert, monkeypatch):
    import transformers

    cached_transformers._clear_caches()
    loads = []
    original = transformers.AutoTokenizer.from_pretrained
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained",
                        lambda name, **kwargs: loads.append(kwargs) or original(name, **kwargs))
    get = cached_transformers.get_tokenizer
    without = get(tiny_bert, add_special_tokens=False)
    # what a reader, an indexer and allennlp's special-token probe ask for: one load
    assert get(tiny_bert, add_special_tokens=True, use_fast=True) is without
    assert get(tiny_bert) is without and loads == [{"use_fast": True}]
    assert "add_special_tokens" not in without.init_kwargs
    slow = get(tiny_bert, use_fast=False)  # another load option: another tokenizer
    assert slow is not without and not slow.is_fast and loads[-1] == {"use_fast": False}
    cached_transformers._clear_caches()
    assert get(tiny_bert, add_special_tokens=False) is not without and len(loads) == 3


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
