"""The CPU schedule of SpERT and SpERT.MT (conll04_fast.jsonnet) against the paper's (conll04.jsonnet)."""
from pathlib import Path

import pytest
from allennlp.common import Params

from tests.conftest import tiny_bert_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VARIABLES = tiny_bert_environment(NUM_EPOCHS="", BATCH_SIZE="", FINAL_RUN="", BATCHING="", FREEZE_WORD_EMBEDDINGS="")


def _config(name: str, **variables) -> Params:
    return Params.from_file(str(PROJECT_ROOT / "training_configs" / name), ext_vars={**VARIABLES, **variables})


@pytest.mark.parametrize("approach", ["spert", "spert_mt"])
def test_the_cpu_schedule_differs_from_the_papers_only_in_batch_learning_rate_epochs_and_frozen_word_pieces(approach):
    paper = _config(f"{approach}/conll04.jsonnet").as_dict()
    fast = _config(f"{approach}/conll04_fast.jsonnet").as_dict()
    assert paper["model"]["type"] == fast["model"]["type"] == approach
    assert paper["data_loader"]["batch_sampler"]["batch_size"] == 2 and paper["trainer"]["num_epochs"] == 20
    assert paper["trainer"]["optimizer"]["lr"] == 5e-5
    fast_batch, fast_lr = fast["data_loader"]["batch_sampler"]["batch_size"], fast["trainer"]["optimizer"]["lr"]
    assert fast_batch > 2 and fast_lr > 5e-5 and fast["trainer"]["num_epochs"] < 20
    frozen = [["^text_field_embedder.*word_embeddings"], {"requires_grad": False}]
    groups = [part["trainer"]["optimizer"]["parameter_groups"] for part in (fast, paper)]
    assert groups[0] == [frozen] + groups[1]
    for part in (fast, paper):
        del part["data_loader"]["batch_sampler"]["batch_size"], part["trainer"]["optimizer"]["lr"]
        del part["trainer"]["num_epochs"], part["trainer"]["optimizer"]["parameter_groups"]
    assert fast == paper


def test_spert_and_spert_mt_share_the_cpu_schedule():
    spert, spert_mt = (_config(f"{a}/conll04_fast.jsonnet").as_dict() for a in ("spert", "spert_mt"))
    assert spert["trainer"] == spert_mt["trainer"] and spert["data_loader"] == spert_mt["data_loader"]
