"""Distributed training on AllenNLP's engine: 2 gloo CPU workers, test metrics over the whole test set."""
import json
import os
import subprocess
import sys
from pathlib import Path

from allennlp.commands.evaluate import evaluate_from_archive

from tests.conftest import tiny_bert_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPERT_JSON = PROJECT_ROOT / "fixtures" / "spert_json"


def test_two_cpu_workers_report_the_test_metrics_of_a_single_process_evaluate(tmp_path):
    test_path = str(SPERT_JSON / "conll04_like_test.json")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "OMP_NUM_THREADS": "1",
        **tiny_bert_environment(TEST_DATA_PATH=test_path, DISTRIBUTED_DEVICES=""),
    }
    run = tmp_path / "run"
    command = [
        sys.executable, "-m", "allennlp", "train", "training_configs/spert/conll04.jsonnet", "-s", str(run),
        "--include-package", "jointie_allennlp", "-o", json.dumps({"distributed": {"cuda_devices": [-1, -1]}}),
    ]
    finished = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1500)
    assert finished.returncode == 0, finished.stderr[-4000:]
    assert "World size: 2" in finished.stdout + finished.stderr  # really two workers

    trained = json.loads((run / "metrics.json").read_text())
    evaluated = evaluate_from_archive(str(run / "model.tar.gz"), test_path)
    test_metrics = {key[len("test_"):]: value for key, value in trained.items() if key.startswith("test_")}
    assert "ner_f1" in test_metrics and "_ner_Peop_support" in test_metrics
    assert test_metrics == evaluated  # every value, exactly (loss and per-type supports included)
    # the validation metric is over both workers' shards: its supports count all of dev
    dev = json.loads((SPERT_JSON / "conll04_like_dev.json").read_text())
    gold_entities = sum(len(sentence["entities"]) for sentence in dev)
    supports = [v for k, v in trained.items() if k.startswith("validation__ner_") and k.endswith("_support")]
    assert sum(supports) == gold_entities
