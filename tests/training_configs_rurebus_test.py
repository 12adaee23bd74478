"""The Russian configs: their default encoder, the paper's settings, and the frozen word-piece embeddings."""
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import torch
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.models.archival import load_archive
from transformers import AutoModel

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
RUSSIAN_CONFIGS = ["rurebus/ner.jsonnet", "rurebus/re.jsonnet", "spert/rurebus.jsonnet", "spert_mt/rurebus.jsonnet",
                   "biaffine/rurebus.jsonnet", "deeper_task_specificity/rurebus.jsonnet"]


def load(config: str, **ext_vars) -> Params:
    variables = {"TRANSFORMER_MODEL": "", "JOINTIE_RU_ENCODER": "", "FREEZE_WORD_EMBEDDINGS": "",
                 "INIT_FROM_ARCHIVE": "",
                 "MAIN_WITHOUT_RELATIONS": "", "NO_RELATION_WEIGHT": "", "RELATION_DIRECTIONS": "",
                 "TRAIN_DATA_PATH": str(FIXTURES / "brat"), "VALIDATION_DATA_PATH": str(FIXTURES / "brat"),
                 "NUM_EPOCHS": "1", "BATCH_SIZE": "2", **ext_vars}
    return Params.from_file(str(PROJECT_ROOT / "training_configs" / config), ext_vars=variables)


def encoder_names(params: Params) -> set:
    flat = params.as_flat_dict()
    return {value for key, value in flat.items() if key.endswith(("transformer_model_name", "model_name"))}


@pytest.mark.parametrize("config", RUSSIAN_CONFIGS)
def test_russian_configs_default_to_the_built_encoder(config):
    if config.startswith("deeper"):
        params = load(config)
        assert not encoder_names(params)  # words, characters and casing only unless `transformer`
        return
    assert encoder_names(load(config)) == {"built:multilingual-e5-small"}
    assert encoder_names(load(config, JOINTIE_RU_ENCODER="/models/e5")) == {"/models/e5"}
    assert encoder_names(load(config, TRANSFORMER_MODEL="xlm-roberta-base")) == {"xlm-roberta-base"}


def test_english_configs_keep_the_offline_minilm():
    params = load("marked_entity/conll04.jsonnet")
    assert "built:multilingual-e5-small" not in encoder_names(params)
    assert params["dataset_reader"]["entity_types"] == ["Loc", "Org", "Peop", "Other"]


def test_the_papers_final_settings_are_the_defaults():
    ner = load("rurebus/ner.jsonnet")
    assert ner["model"]["dropout"] == 0.2
    assert ner["trainer"]["optimizer"]["lr"] == 5e-5 and ner["trainer"]["optimizer"]["weight_decay"] == 0.1
    assert ner["trainer"]["optimizer"]["parameter_groups"] == [[["^text_field_embedder"], {"lr": 5e-5}]]
    relations = load("rurebus/re.jsonnet")
    assert relations["dataset_reader"]["entity_types"] == []  # untyped markers [E] ... [/E]
    assert relations["model"]["ner_weight"] == 0.0 and relations["model"]["dropout"] == 0.1
    assert relations["trainer"]["optimizer"]["lr"] == 2e-5 and relations["trainer"]["optimizer"]["weight_decay"] == 0.1
    embedder = relations["model"]["text_field_embedder"]["token_embedders"]["tokens"]
    assert embedder["tokenizer_kwargs"]["additional_special_tokens"] == ["[E]", "[/E]"]


def test_imbalance_switches_are_off_by_default_and_train_only():
    default = load("rurebus/re.jsonnet")
    assert "main_without_relations" not in default["dataset_reader"]
    assert default["model"]["no_relation_weight"] == 1.0
    switched = load("rurebus/re.jsonnet", MAIN_WITHOUT_RELATIONS="0.1", NO_RELATION_WEIGHT="0.5")
    assert switched["dataset_reader"]["main_without_relations"] == 0.1
    assert "main_without_relations" not in switched["validation_dataset_reader"]  # evaluation reads everything
    assert switched["model"]["no_relation_weight"] == 0.5


@pytest.mark.parametrize("config", ["rurebus/re.jsonnet", "rurebus/re_cpu.jsonnet", "marked_entity/conll04.jsonnet"])
def test_relation_directions_reach_the_readers_and_the_label_vocabulary(config):
    from jointie_allennlp.dataset_readers.marked_entity import relation_label

    default = load(config)
    assert default["dataset_reader"]["directions"] == default["validation_dataset_reader"]["directions"] == "head"
    types = default["vocabulary"]["tokens_to_add"]["relation_labels"][1:]
    assert not any(label.endswith("^-1") for label in types)
    both = load(config, RELATION_DIRECTIONS="both")
    assert both["dataset_reader"]["directions"] == both["validation_dataset_reader"]["directions"] == "both"
    assert both["vocabulary"]["tokens_to_add"]["relation_labels"] == (
        ["0"] + types + [relation_label(t, reverse=True) for t in types]
    )


def test_the_cpu_relation_recipe_differs_from_the_paper_config_only_where_it_says():
    paper = load("rurebus/re.jsonnet", NUM_EPOCHS="", BATCH_SIZE="")
    cpu = load("rurebus/re_cpu.jsonnet", NUM_EPOCHS="", BATCH_SIZE="")
    changed = {"dataset_reader.max_length": (512, 256), "validation_dataset_reader.max_length": (512, 256),
               "data_loader.batch_sampler.batch_size": (16, 8), "trainer.num_epochs": (5, 2),
               "trainer.optimizer.lr": (2e-5, 1e-3), "model.no_relation_weight": (1.0, 0.5)}
    paper_flat, cpu_flat = paper.as_flat_dict(), cpu.as_flat_dict()
    for key, (before, after) in changed.items():
        assert (paper_flat[key], cpu_flat[key]) == (before, after), key
    assert cpu_flat["dataset_reader.main_without_relations"] == 0.1
    assert "dataset_reader.main_without_relations" not in paper_flat
    assert paper["trainer"]["optimizer"]["parameter_groups"][0][1] == {"lr": 2e-5}
    assert cpu["trainer"]["optimizer"]["parameter_groups"][0][1] == {"lr": 5e-5}
    rest = set(paper_flat) - set(changed) - {"trainer.optimizer.parameter_groups"}
    assert {key: cpu_flat.get(key) for key in rest} == {key: paper_flat[key] for key in rest}
    # the switches can still be turned off
    off = load("rurebus/re_cpu.jsonnet", MAIN_WITHOUT_RELATIONS="1.0", NO_RELATION_WEIGHT="1.0")
    assert "main_without_relations" not in off["dataset_reader"] and off["model"]["no_relation_weight"] == 1.0


def test_missing_russian_encoder_stops_with_the_make_target(tmp_path):
    params = load("rurebus/ner.jsonnet", JOINTIE_RU_ENCODER=str(tmp_path / "encoders" / "multilingual-e5-small"))
    with pytest.raises(FileNotFoundError, match="make encoder-ru"):
        train_model(params, serialization_dir=str(tmp_path / "run"))
    params = load("rurebus/ner.jsonnet", JOINTIE_RU_ENCODER="built:not-built-here")
    with pytest.raises(FileNotFoundError, match="not-built-here.*make encoder-ru"):
        train_model(params, serialization_dir=str(tmp_path / "run2"))


def test_archives_name_the_built_encoder_portably(tmp_path, monkeypatch):
    """An archive trained on `built:<folder>` stores that name and loads wherever the folder is found:
    under $JOINTIE_ENCODERS_DIR, or encoders/ of the working directory."""
    built = tmp_path / "machine_a" / "tiny-ru"
    shutil.copytree(FIXTURES / "tiny_bert", built)
    monkeypatch.setenv("JOINTIE_ENCODERS_DIR", str(built.parent))
    params = load("rurebus/ner.jsonnet", JOINTIE_RU_ENCODER="built:tiny-ru")
    assert encoder_names(params) == {"built:tiny-ru"}
    train_model(params, serialization_dir=str(tmp_path / "run"))
    archived = json.loads((tmp_path / "run" / "config.json").read_text())
    assert archived["model"]["text_field_embedder"]["token_embedders"]["tokens"]["model_name"] == "built:tiny-ru"

    elsewhere = tmp_path / "machine_b"
    shutil.copytree(built, elsewhere / "encoders" / "tiny-ru")
    shutil.rmtree(built)
    monkeypatch.delenv("JOINTIE_ENCODERS_DIR")
    monkeypatch.chdir(elsewhere)
    from allennlp.common import cached_transformers

    cached_transformers._model_cache.clear()
    cached_transformers._tokenizer_cache.clear()
    archive = load_archive(str(tmp_path / "run" / "model.tar.gz"))
    assert archive.model.vocab.get_vocab_size("ner_tags") > 1


@pytest.mark.parametrize("config", ["rurebus/ner.jsonnet", "spert/rurebus.jsonnet", "spert_mt/rurebus.jsonnet",
                                    "biaffine/rurebus.jsonnet"])
def test_frozen_word_embeddings_stay_as_loaded_while_the_rest_trains(tmp_path, config):
    params = load(config, TRANSFORMER_MODEL=str(FIXTURES / "tiny_bert"), FREEZE_WORD_EMBEDDINGS="1")
    groups = params["trainer"]["optimizer"]["parameter_groups"]
    assert groups[0] == [["^text_field_embedder.*word_embeddings"], {"requires_grad": False}]
    params["trainer"]["optimizer"]["lr"] = 1e-2  # large steps: anything trainable visibly moves
    train_model(params, serialization_dir=str(tmp_path / "run"))
    trained = load_archive(str(tmp_path / "run" / "model.tar.gz")).model
    encoder = trained.text_field_embedder._token_embedders["tokens"].transformer_model
    original = AutoModel.from_pretrained(FIXTURES / "tiny_bert")
    assert torch.equal(encoder.embeddings.word_embeddings.weight, original.embeddings.word_embeddings.weight)
    assert not torch.equal(encoder.encoder.layer[0].attention.self.query.weight,
                           original.encoder.layer[0].attention.self.query.weight)


@pytest.mark.skipif(importlib.util.find_spec("natasha") is None or importlib.util.find_spec("navec") is None,
                    reason="natasha / navec are not installed")
def test_navec_vectors_for_the_corpus_words(tmp_path):
    from navec import Navec

    from jointie_allennlp.encoders.build import build_encoder
    from jointie_allennlp.encoders.navec import installed_vectors_file

    result = build_encoder("navec", str(tmp_path / "navec.txt"), prune_to=str(FIXTURES / "brat"))
    lines = (tmp_path / "navec.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == result["words"] == result["corpus_words_covered"] > 20
    vectors = {line.split(" ")[0]: [float(v) for v in line.split(" ")[1:]] for line in lines}
    assert all(len(v) == 300 for v in vectors.values())
    assert "доля" in vectors and "Доля" not in vectors  # lower-cased as the reader indexes words
    navec = Navec.load(str(installed_vectors_file()))
    assert vectors["доля"] == pytest.approx(list(navec["доля"]), abs=1e-5)


def test_init_from_archive_starts_a_new_run_from_the_archived_weights(tmp_path):
    from allennlp.models import Model

    tiny = str(FIXTURES / "tiny_bert")
    train_model(load("rurebus/re.jsonnet", TRANSFORMER_MODEL=tiny), serialization_dir=str(tmp_path / "first"))
    archive = tmp_path / "first" / "model.tar.gz"
    trained = load_archive(str(archive)).model
    params = load("rurebus/re.jsonnet", TRANSFORMER_MODEL=tiny, INIT_FROM_ARCHIVE=str(archive))
    assert params["model"]["initializer"].as_dict() == {
        "regexes": [[".*", {"type": "pretrained", "weights_file_path": str(archive)}]]}
    assert "initializer" in load("rurebus/ner.jsonnet", INIT_FROM_ARCHIVE=str(archive))["model"]
    started = Model.from_params(params=params.pop("model"), vocab=trained.vocab)
    assert type(started) is type(trained)
    expected = dict(trained.named_parameters())
    for name, value in started.named_parameters():
        assert torch.equal(value, expected[name]), name
    params = load("rurebus/re.jsonnet", TRANSFORMER_MODEL=tiny, INIT_FROM_ARCHIVE=str(archive))
    train_model(params, serialization_dir=str(tmp_path / "second"))  # the continued run trains and archives
    shutil.rmtree(tmp_path / "first")  # the new archive stands alone and takes model overrides
    continued = load_archive(str(tmp_path / "second" / "model.tar.gz"),
                             overrides=json.dumps({"model.relation_threshold": 0.4})).model
    assert continued.relation_threshold == 0.4 and continued.vocab == trained.vocab
