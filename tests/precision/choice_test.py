"""Choosing and applying the inference precision: auto by the CPU's flags (faked here), the int8 drift check."""
import json

import pytest

from jointie_allennlp.data.errors import FormatError
import torch
from allennlp.models.archival import load_archive
from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

import jointie_allennlp as ji
from jointie_allennlp.predictors.loading import load_predictor
from jointie_allennlp.predictors.prediction_file import run_metadata, write_run_metadata
from jointie_allennlp.precision import choice, cpu
from jointie_allennlp.precision.choice import (
    apply_precision,
    evaluation_metrics,
    prediction_drift,
    resolve_precision,
)

from tests.conftest import WITH_BF16, WITHOUT_BF16  # noqa: E402


@pytest.fixture
def archive(spert_archive):
    return load_archive(str(spert_archive))


def _dev_instances(archive):
    return list(archive.validation_dataset_reader.read(archive.config["validation_data_path"]))


def _quantized(model):
    return [name for name, module in model.named_modules() if isinstance(module, DynamicQuantizedLinear)]


def test_auto_is_bf16_with_native_bf16_and_fp32_without(fake_cpu):
    fake_cpu(WITH_BF16)
    chosen = resolve_precision("auto")
    assert (chosen.precision, chosen.requested) == ("bf16", "auto")
    assert "avx512_bf16" in chosen.reason and chosen.cpu_flags == ["avx2", "avx512f", "avx512_bf16", "avx512_vnni"]
    fake_cpu(WITHOUT_BF16)
    chosen = resolve_precision("auto")
    assert chosen.precision == "fp32" and chosen.reason == "the CPU has no native bf16 instructions"
    assert chosen.summary() == "precision: fp32 (auto: the CPU has no native bf16 instructions)"


def test_an_explicit_precision_is_kept_and_a_wrong_one_refused(fake_cpu):
    fake_cpu(WITHOUT_BF16)
    assert resolve_precision("fp32").precision == "fp32"
    assert resolve_precision("int8").precision == "int8"  # int8 only when asked (or checked)
    bf16 = resolve_precision("bf16")
    assert bf16.precision == "bf16" and "no native bf16" in bf16.reason
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16, int8; got 'fp16'"):
        resolve_precision("fp16")


def test_apply_precision_sets_the_autocast_switch_or_quantizes(archive):
    model = archive.model
    assert apply_precision(model, "bf16") is model and model.bf16_inference is True
    assert apply_precision(model, "fp32").bf16_inference is False and not _quantized(model)
    apply_precision(model, "int8")
    assert model.bf16_inference is False and model.inference_precision == "int8" and _quantized(model)
    with pytest.raises(ValueError, match="resolve 'auto' first"):
        apply_precision(model, "auto")
    with pytest.raises(TypeError, match="no bf16_inference switch"):
        apply_precision(torch.nn.Linear(2, 2), "bf16")


def test_the_drift_check_scores_fp32_and_an_int8_copy_on_the_instances(archive):
    model, instances = archive.model, _dev_instances(archive)
    drift = prediction_drift(model, instances)
    assert not _quantized(model), "the model itself stays fp32"
    reference = evaluation_metrics(model, instances)
    assert drift["reference"] == {name: reference[name] for name in ("ner_f1", "rel_strict_f1")}
    assert drift["instances"] == len(instances) and drift["candidate"] == "int8-encoder"
    for name, value in drift["drift"].items():
        assert 0 <= drift["int8"][name] <= 1 and value == pytest.approx(drift["int8"][name] - drift["reference"][name])
    assert drift["max_abs_drift"] == max(abs(value) for value in drift["drift"].values())


def test_auto_with_a_drift_check_takes_int8_within_the_bound_and_falls_back_beyond(archive, fake_cpu, monkeypatch):
    fake_cpu(WITH_BF16)
    instances = _dev_instances(archive)
    measured = prediction_drift(archive.model, instances)
    within = resolve_precision("auto", archive.model, drift_instances=instances,
                               max_f1_drift=measured["max_abs_drift"] + 0.01)
    assert within.precision == "int8" and within.drift == measured and "int8-encoder moves F1" in within.reason
    far = dict(measured, drift={"ner_f1": -0.02, "rel_strict_f1": 0.0}, max_abs_drift=0.02)
    monkeypatch.setattr(choice, "prediction_drift", lambda *args, **kwargs: far)
    beyond = resolve_precision("auto", archive.model, drift_instances=instances, max_f1_drift=0.005)
    assert beyond.precision == "bf16" and "moves F1 by 0.0200 > 0.005" in beyond.reason
    fake_cpu(WITHOUT_BF16)
    assert resolve_precision("auto", archive.model, drift_instances=instances).precision == "fp32"


@pytest.mark.parametrize("features, precision", [(WITH_BF16, "bf16"), (WITHOUT_BF16, "fp32")])
def test_load_predictor_auto_follows_the_cpu(spert_archive, fake_cpu, features, precision, tmp_path):
    fake_cpu(features)
    predictor = load_predictor(str(spert_archive))
    assert predictor.precision.precision == precision
    assert predictor._model.bf16_inference is (precision == "bf16")
    record = predictor.predict_json({"id": "a", "text": "Maria Lopez works for Northfield Labs in Denver."})
    assert record["tokens"][0] == "Maria" and "error" not in record
    metadata = run_metadata(predictor, str(spert_archive))
    assert metadata["precision"]["precision"] == precision and metadata["precision"]["requested"] == "auto"
    assert metadata["cpu_model"] == cpu.cpu_model() and metadata["threads"] == torch.get_num_threads()
    path = write_run_metadata(str(tmp_path / "out.jsonl"), metadata)
    assert path == str(tmp_path / "out.jsonl.meta.json") and json.loads(open(path).read()) == metadata


def test_load_predictor_int8_and_the_drift_check_on_the_archives_dev_data(spert_archive, fake_cpu):
    fake_cpu(WITHOUT_BF16)
    asked = ji.load(spert_archive, precision="int8")
    assert asked.precision.precision == "int8" and _quantized(asked.model)
    assert asked("Maria Lopez works for Northfield Labs in Denver.").tokens[0] == "Maria"
    checked = load_predictor(str(spert_archive), int8_drift_check=True, max_f1_drift=1.0)
    assert checked.precision.precision == "int8" and checked.precision.drift["instances"] == 4  # the dev fixture
    with pytest.raises(FormatError, match="--precision: precision must be one of"):
        load_predictor(str(spert_archive), precision="half")
    with pytest.raises(FormatError, match="--int8-drift-check: cannot read /nonexistent.json"):
        load_predictor(str(spert_archive), int8_drift_check="/nonexistent.json")
