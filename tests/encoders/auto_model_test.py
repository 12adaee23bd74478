"""Tests of jointie_allennlp.encoders.auto_model: allennlp's encoder loading imports only the model it loads."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import transformers
from allennlp.common import cached_transformers

from jointie_allennlp.encoders.auto_model import ModelMappingByName

PROJECT_ROOT = Path(__file__).resolve().parents[2]

LOAD = """
import json, sys
import jointie_allennlp
from allennlp.common import cached_transformers
with_weights = cached_transformers.get(sys.argv[1], False)
without = cached_transformers.get(sys.argv[1], False, load_weights=False)
models = sorted({m.split(".")[2] for m in sys.modules if m.startswith("transformers.models.") and m.count(".") >= 2})
print(json.dumps({"classes": [type(with_weights).__name__, type(without).__name__], "models": models}))
"""


def _load(tiny_bert, **environment):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", **environment}
    result = subprocess.run([sys.executable, "-c", LOAD, tiny_bert], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_loading_an_encoder_imports_only_its_own_model(tiny_bert):
    report = _load(tiny_bert)
    assert report["classes"] == ["BertModel", "BertModel"]
    # allennlp's transformer embedder imports XLNetConfig itself; none of the ~280 other models is imported
    assert report["models"] == ["auto", "bert", "xlnet"]
    without_lean_import = _load(tiny_bert, JOINTIE_LEAN_IMPORTS="0")
    assert without_lean_import["classes"] == ["BertModel", "BertModel"]
    assert len(without_lean_import["models"]) > 200  # what transformers.models' __init__ imports


def test_the_lean_auto_model_loads_what_transformers_auto_model_loads(tiny_bert):
    cached_transformers._clear_caches()
    try:
        lean = cached_transformers.AutoModel
        assert lean is not transformers.AutoModel and lean.__name__ == "AutoModel"  # `auto_map` keys by this name
        reference = transformers.AutoModel.from_pretrained(tiny_bert)
        loaded = lean.from_pretrained(tiny_bert, hidden_dropout_prob=0.0)
        assert type(loaded) is type(reference) and loaded.config.hidden_dropout_prob == 0.0
        assert reference.config.hidden_dropout_prob != 0.0
        mine, theirs = loaded.state_dict(), reference.state_dict()
        assert list(mine) == list(theirs)
        for name in mine:
            assert torch.equal(mine[name], theirs[name]), name
        from_config = lean.from_config(transformers.AutoConfig.from_pretrained(tiny_bert))
        assert type(from_config) is type(reference)
    finally:
        cached_transformers._clear_caches()


def test_an_unknown_config_class_gets_transformers_own_error():
    class NotAModelConfig(transformers.PretrainedConfig):
        model_type = "not_a_model"

    with pytest.raises(ValueError, match="Unrecognized configuration class"):
        cached_transformers.AutoModel.from_config(NotAModelConfig())


def test_a_config_class_with_a_built_in_name_from_elsewhere_is_not_taken_for_it():
    from transformers.models.auto.modeling_auto import MODEL_MAPPING

    class BertConfig(transformers.PretrainedConfig):  # as remote code may name its own config
        model_type = "bert"

    by_name = ModelMappingByName(MODEL_MAPPING)
    assert BertConfig not in by_name.keys() and BertConfig not in by_name
    assert transformers.BertConfig in by_name.keys()


def test_the_mapping_answers_membership_by_name_and_lists_every_key():
    from transformers import BertConfig, PretrainedConfig
    from transformers.models.auto.modeling_auto import MODEL_MAPPING

    by_name = ModelMappingByName(MODEL_MAPPING)
    assert BertConfig in by_name.keys() and BertConfig in by_name
    assert PretrainedConfig not in by_name.keys()
    assert by_name[BertConfig] is transformers.BertModel
    assert len(list(by_name.keys())) == len(MODEL_MAPPING.keys())
