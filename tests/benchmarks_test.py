"""benchmarks/side_by_side.py and the shared helpers of benchmarks/run_benchmark.py (no timing asserts)."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from tests.conftest import load_benchmark

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = PROJECT_ROOT / "benchmarks"


@pytest.fixture
def records(tmp_path, monkeypatch):
    """`(results, table)`: benchmarks/run_benchmark.py's results file (empty) and table, in `tmp_path`."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        run_benchmark = importlib.import_module("run_benchmark")  # the module the scripts import
    finally:
        sys.path.remove(str(BENCHMARKS))
    results, table = tmp_path / "results.jsonl", tmp_path / "results.md"
    results.write_text("")
    monkeypatch.setattr(run_benchmark, "RESULTS", results)
    monkeypatch.setattr(run_benchmark, "TABLE", table)
    return results, table


def test_side_by_side_records_each_commands_memory_threads_and_exit_code(records):
    side_by_side = load_benchmark("side_by_side")
    results, table = records
    results.write_text(json.dumps({"dataset": "d", "approach": "a", "torch_threads": 2, "train_batch_size": 4}) + "\n")
    python = sys.executable
    ours = f"{python} -c \"import os; x = bytearray(200_000_000); print(os.environ['OMP_NUM_THREADS'])\""
    theirs = f"{python} -c \"import os, sys; sys.exit(int(os.environ['MKL_NUM_THREADS']) + 1)\""
    code = side_by_side.main(["--ours", ours, "--theirs", theirs, "--threads", "3", "--label", "test"])
    assert code == 1  # "theirs" exited with 3 + 1
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    row = rows[-1]
    assert row["kind"] == "side_by_side" and row["label"] == "test" and row["torch_threads"] == 3
    assert row["ours"]["exit_code"] == 0 and row["theirs"]["exit_code"] == 4
    assert row["ours"]["peak_rss_mb"] > 200 > row["theirs"]["peak_rss_mb"]  # each its own process
    assert row["ours"]["command"].startswith(python) and row["theirs"]["cpu_s"] >= 0
    rendered = table.read_text()
    assert "## Side by side" in rendered and "| test | 3 |" in rendered
    assert "| d | a |" in rendered and "| 2 | 4 / ? |" in rendered  # threads, train / inference batch


def test_predict_throughput_counts_lines_per_second_and_rejects_short_output(tmp_path, monkeypatch, records):
    throughput = load_benchmark("predict_throughput")
    results, table = records
    test = tmp_path / "test.json"
    test.write_text(json.dumps([{"tokens": ["a", "b"], "entities": []}, {"tokens": ["c"], "entities": []}]))
    python = sys.executable
    copy = "import shutil, sys; shutil.copy(sys.argv[1], sys.argv[2])"
    drop = "import sys; open(sys.argv[2], 'w').write(open(sys.argv[1]).readline())"

    def fake(script):
        return lambda archive, inputs, output, batch_size, overrides, precision=None: {
            "allennlp predict": [python, "-c", copy, str(inputs), str(output)],
            "python -m jointie_allennlp predict": [python, "-c", script, str(inputs), str(output)],
        }

    monkeypatch.setattr(throughput, "commands", fake(copy))
    assert throughput.main(["model.tar.gz", "--test", str(test), "--repeat", "3", "--batch-sizes", "4",
                            "--threads", "2", "--overrides", '{"model.bf16_inference": true}']) == 0
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["command"] for r in rows] == ["allennlp predict", "python -m jointie_allennlp predict"]
    for row in rows:
        assert row["kind"] == "throughput" and row["lines"] == 6 and row["batch_size"] == 4
        # lines/s and wall time come from the same measurement, each rounded (wall time to 0.01 s)
        assert 6 / row["lines_per_s"] == pytest.approx(row["wall_s"], abs=0.006)
        assert row["torch_threads"] == 2
        assert row["overrides"] == '{"model.bf16_inference": true}'
    assert "## Prediction throughput" in table.read_text()
    assert throughput.write_input(str(test), 2, tmp_path / "in.jsonl") == 4
    assert [json.loads(line)["tokens"] for line in (tmp_path / "in.jsonl").read_text().splitlines()] == [
        ["a", "b"], ["c"], ["a", "b"], ["c"]]

    monkeypatch.setattr(throughput, "commands", fake(drop))  # one line of six: no row
    assert throughput.main(["model.tar.gz", "--test", str(test), "--repeat", "3", "--batch-sizes", "4"]) == 1
    assert len(results.read_text().splitlines()) == 2


def test_time_to_accuracy_records_a_test_curve_whose_last_point_is_the_archived_model(tmp_path, tiny_bert_env):
    time_to_accuracy = load_benchmark("time_to_accuracy")
    run_benchmark = sys.modules["run_benchmark"]
    fixtures = PROJECT_ROOT / "fixtures" / "spert_json"
    test = str(fixtures / "conll04_like_test.json")
    # FINAL_RUN set, so that the script's FINAL_RUN=1 is undone after the test
    tiny_bert_env(VALIDATION_DATA_PATH=None, TEST_DATA_PATH=None, NUM_EPOCHS=None, BATCH_SIZE="4", FINAL_RUN="",
                  DISTRIBUTED_DEVICES="")
    results, plot, run = tmp_path / "results.jsonl", tmp_path / "curve.png", tmp_path / "run"
    code = time_to_accuracy.main([
        str(PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"), "--label", "tiny", "--approach", "spert",
        "--test", test, "--serialization-dir", str(run), "--results", str(results), "--plot", str(plot),
        "--target-ner", "0", "--target-rel", "0", "--overrides", '{"trainer.num_epochs": 2}',
    ])
    assert code == 0
    row = json.loads(results.read_text().splitlines()[-1])
    assert row["kind"] == "time_to_accuracy" and row["epochs"] == 2 and row["train_batch_size"] == 4
    assert row["train_data"].endswith("conll04_like_train.json")  # the final run's training file
    assert row["settings"] == {"FINAL_RUN": "1", "BATCH_SIZE": "4"}  # the variables the run was made with
    first, last = row["curve"]
    assert [first["epoch"], last["epoch"]] == [1, 2] and 0 < first["train_seconds"] < last["train_seconds"]
    assert row["reached"] == {"epoch": 1, "train_seconds": first["train_seconds"]}  # targets of 0 % are met at once
    # the last point scores the weights the archive holds (no validation: the last epoch's)
    archived = run_benchmark.evaluate_archive(run, test)
    assert last["ner_f1"] == pytest.approx(archived["ner_f1"]) and row["ner_f1"] == last["ner_f1"]
    assert last["rel_strict_f1"] == pytest.approx(archived["rel_strict_f1"])
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_time_to_accuracy_finds_the_first_epoch_reaching_both_targets():
    time_to_accuracy = load_benchmark("time_to_accuracy")
    curve = [{"epoch": 1, "train_seconds": 10, "ner_f1": 0.85, "rel_strict_f1": 0.40},
             {"epoch": 2, "train_seconds": 20, "ner_f1": 0.80, "rel_strict_f1": 0.62},
             {"epoch": 3, "train_seconds": 30, "ner_f1": 0.846, "rel_strict_f1": 0.613}]
    assert time_to_accuracy.first_reaching(curve, 84.56, 61.26) == {"epoch": 3, "train_seconds": 30}
    assert time_to_accuracy.first_reaching(curve, 85.0, None) == {"epoch": 1, "train_seconds": 10}
    assert time_to_accuracy.first_reaching(curve, 90.0, 50.0) is None
    assert time_to_accuracy.first_reaching(curve, None, None) is None


def test_encoder_step_cost_records_each_forms_parameters_time_and_step_memory(records):
    step_cost = load_benchmark("encoder_step_cost")
    results, _ = records
    bert = PROJECT_ROOT / "fixtures" / "tiny_bert"
    assert step_cost.main(["--train", str(PROJECT_ROOT / "fixtures" / "brat"), "--form", f"full={bert}",
                           "--form", f"lean={bert}:freeze,attention-dropout-0,checkpoint", "--steps", "2",
                           "--batch-size", "2", "--longest"]) == 0
    full, lean = [json.loads(line) for line in results.read_text().splitlines()]
    assert (full["variant"], lean["variant"]) == ("training step cost: full", "training step cost: lean")
    from transformers import AutoModel

    word_embeddings = AutoModel.from_pretrained(bert).embeddings.word_embeddings.weight.numel()
    assert full["trainable_parameters"] - lean["trainable_parameters"] == word_embeddings
    for row in (full, lean):
        assert row["steps_measured"] == 2 and row["batches"] == "longest" and row["step_peak_added_mb"] >= 0
        assert row["seconds_per_step_median"] > 0 and row["torch_threads"] == 1
    with pytest.raises(SystemExit, match="unknown form option 'fast'"):
        step_cost.form_variables("freeze,fast")


def test_a_rows_encoder_is_the_one_its_config_names(monkeypatch):
    from allennlp.common import Params

    import jointie_allennlp  # noqa: F401  (the configs' external variables)

    run_benchmark = load_benchmark("run_benchmark")
    for variable in ("TRANSFORMER_MODEL", "JOINTIE_RU_ENCODER", "WORD_VECTORS"):
        monkeypatch.delenv(variable, raising=False)

    def label(config):
        return run_benchmark.config_encoder_label(Params.from_file(str(PROJECT_ROOT / config)).as_dict(quiet=True))

    assert label("training_configs/spert/conll04.jsonnet") == "all-MiniLM-L6-v2 (offline)"
    assert label("training_configs/rurebus/ner.jsonnet") == "multilingual-e5-small"
    assert label("training_configs/deeper_task_specificity/conll04.jsonnet") == "none"
    monkeypatch.setenv("JOINTIE_RU_ENCODER", "/encoders/e5-ru-pruned/")
    assert label("training_configs/rurebus/re.jsonnet") == "e5-ru-pruned"
    assert label("training_configs/spert/rurebus.jsonnet") == "e5-ru-pruned"
    hub_name = "DeepPavlov/rubert-base-cased"
    monkeypatch.setenv("TRANSFORMER_MODEL", hub_name)
    assert label("training_configs/biaffine/rurebus.jsonnet") == hub_name
    assert label("training_configs/deeper_task_specificity/conll04_transformer.jsonnet") == hub_name


def test_precision_candidates_prints_every_candidate_with_f1_and_records_the_machine(spert_archive, records, capsys):
    candidates = load_benchmark("precision_candidates")
    results, table = records
    test = str(PROJECT_ROOT / "fixtures" / "spert_json" / "conll04_like_test.json")
    assert candidates.main([str(spert_archive), test, "--repeats", "2", "--threads", "1", "--no-record"]) == 0
    printed = capsys.readouterr().out
    assert results.read_text() == "" and not table.exists()  # --no-record
    printed_lines = printed.splitlines()
    header = next(i for i, line in enumerate(printed_lines) if line.split()[:3] == ["candidate", "median", "s"])
    lines = printed_lines[header + 1:]
    assert [line.split()[0] for line in lines] == ["fp32", "bf16", "int8-all", "int8-encoder", "int8-onnx"]
    for line in lines:
        seconds, per_second, ner, relation = map(float, line.split()[1:])
        assert seconds > 0 and per_second > 0 and 0 <= ner <= 1 and 0 <= relation <= 1

    assert candidates.main([str(spert_archive), test, "--repeats", "1", "--candidates", "fp32", "int8-all",
                            "--note", "test"]) == 0
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [row["candidate"] for row in rows] == ["fp32", "int8-all"]
    for row in rows:
        assert row["kind"] == "precision" and row["instances"] == 4 and len(row["seconds_all"]) == 1
        assert row["cpu_model"] and isinstance(row["cpu_flags"], list) and row["threads"] >= 1
        assert isinstance(row["load_average"], float) and len(row["load_averages"]) == 3
    assert "## Inference precision" in table.read_text()


def test_precision_candidates_profile_times_the_linear_layers_of_each_torch_candidate(spert_archive, records):
    candidates = load_benchmark("precision_candidates")
    results, _ = records
    test = str(PROJECT_ROOT / "fixtures" / "spert_json" / "conll04_like_test.json")
    assert candidates.main([str(spert_archive), test, "--repeats", "1", "--threads", "1", "--profile",
                            "--candidates", "fp32", "int8-encoder"]) == 0
    fp32, int8 = (json.loads(line)["profile"] for line in results.read_text().splitlines())
    assert set(fp32["linear_ops"]) <= {"aten::addmm", "aten::mm"} and fp32["linear_ops"]
    assert int8["linear_ops"].get("quantized::linear_dynamic", 0) > 0  # the encoder's layers
    assert int8["linear_ops"].get("aten::addmm", 0) > 0  # the heads and attention outputs stay float
    for profile in (fp32, int8):
        assert 0 < profile["linear_s"] <= profile["total_s"]
        assert profile["linear_s"] == pytest.approx(sum(profile["linear_ops"].values()), abs=1e-5)


def test_predict_throughput_passes_each_precision_to_the_commands_that_have_it(tmp_path):
    throughput = load_benchmark("predict_throughput")
    argv = {precision: throughput.commands("m.tar.gz", tmp_path / "in", tmp_path / "out", 8, '{"a": 1}', precision)
            for precision in (None, "fp32", "bf16", "int8", "auto")}
    jointie = "python -m jointie_allennlp predict"
    assert set(argv[None]) == set(argv["fp32"]) == set(argv["bf16"]) == {"allennlp predict", jointie}
    assert set(argv["int8"]) == set(argv["auto"]) == {jointie}  # allennlp predict has no int8 nor auto
    assert "--precision" not in argv[None][jointie] and "--overwrite" in argv[None][jointie]
    for precision in ("fp32", "bf16", "int8", "auto"):
        assert argv[precision][jointie][-2:] == ["--precision", precision]
    bf16 = argv["bf16"]["allennlp predict"]
    assert json.loads(bf16[bf16.index("-o") + 1]) == {"a": 1, "model.bf16_inference": True}
    fp32 = argv["fp32"]["allennlp predict"]
    assert json.loads(fp32[fp32.index("-o") + 1]) == {"a": 1}


def test_every_benchmark_row_carries_the_cpu_its_flags_the_load_and_the_threads():
    run_benchmark = load_benchmark("run_benchmark")
    from jointie_allennlp.precision.cpu import cpu_model, precision_flags

    facts = run_benchmark.run_facts(2)
    assert facts["torch_threads"] == 2 and facts["threads"] == 2
    assert facts["cpu_model"] == cpu_model() and facts["cpu_flags"] == precision_flags()
    assert isinstance(facts["load_average"], float) and len(facts["load_averages"]) == 3
