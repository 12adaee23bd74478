"""
`make demo`: trains `spert` with the CPU schedule of training_configs/spert/conll04_fast.jsonnet
(batch 4, lr 7e-5, word-piece embeddings frozen) on CoNLL04 train with the offline
all-MiniLM-L6-v2 encoder, scores every epoch on CoNLL04 dev, then runs `allennlp predict` with
the shared `joint_extraction` predictor on a few raw sentences (split by the config's English
tokenizer) and prints what it extracted.

Data: $JOINTIE_DATA_DIR/conll04 when JOINTIE_DATA_DIR is set, else ../shared/data/conll04 or
data/conll04; when CoNLL04 is in none of them, it is fetched from the SpERT authors (`make data`,
jointie_allennlp/data/download.py) into $JOINTIE_DATA_DIR or data/, and without a network the
small CoNLL04-like fixtures in fixtures/spert_json are used (the extractions are then mostly noise).

Environment: DEMO_EPOCHS (default 9: about 10 minutes on 2 cores; the schedule's warm-up and decay
follow the epochs given), DEMO_TRAIN_SENTENCES (default 922: all of CoNLL04 train),
DEMO_OUTPUT (default runs/demo-spert), DEMO_THREADS (torch threads; default: 1 when the machine
is busy, which avoids the heavy slowdown of oversubscribed threads, else torch's choice).
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONFIG = PROJECT / "training_configs" / "spert" / "conll04_fast.jsonnet"
FIXTURES = PROJECT / "fixtures" / "spert_json"
SHOWN_RELATIONS = 12
SENTENCES = [
    {"id": "demo-1", "text": "John Wilkes Booth, who assassinated President Abraham Lincoln, was an actor."},
    {"id": "demo-2", "text": "Bill Gates, the chairman of Microsoft Corp., lives in Medina, Washington."},
    {"id": "demo-3", "text": "Maria Lopez works for the United Nations in Geneva, Switzerland."},
    {"id": "demo-4", "text": "The Smithsonian Institution is located in Washington, D.C."},
    {"id": "demo-5", "tokens": ["Tom", "Reed", ",", "a", "spokesman", "for", "IBM", ",", "lives", "in", "Boston", "."]},
]


def say(message: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


def data_files() -> dict:
    explicit = os.environ.get("JOINTIE_DATA_DIR")
    candidates = [Path(explicit)] if explicit else [PROJECT.parent / "shared" / "data", PROJECT / "data"]
    for data_dir in candidates:
        files = {"train": data_dir / "conll04" / "conll04_train.json", "dev": data_dir / "conll04" / "conll04_dev.json"}
        if all(path.exists() for path in files.values()):
            return {**files, "name": "CoNLL04"}
    from jointie_allennlp.data.download import DownloadError, fetch

    target = Path(explicit) if explicit else PROJECT / "data"
    say(f"CoNLL04 not found in {', '.join(map(str, candidates))}: fetching it into {target}")
    try:
        fetch(["conll04"], target)
    except DownloadError as error:
        say(f"could not fetch CoNLL04: {error}")
        return {
            "train": FIXTURES / "conll04_like_train.json",
            "dev": FIXTURES / "conll04_like_dev.json",
            "name": "the CoNLL04-like fixtures (CoNLL04 not found and not fetched)",
        }
    return {"train": target / "conll04" / "conll04_train.json", "dev": target / "conll04" / "conll04_dev.json",
            "name": "CoNLL04"}


def run(command: list, env: dict) -> None:
    say("$ " + " ".join(str(part) for part in command))
    subprocess.run([str(part) for part in command], env=env, cwd=PROJECT, check=True)


def print_predictions(predictions: Path) -> None:
    """Every prediction record's text, entities and strongest relations, for a person to read."""
    print()
    for line in predictions.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = record.get("text") or " ".join(record["tokens"])
        print(f"{record['id']}: {text}")
        if record.get("error"):
            print(f"  error: {record['error']}")
            continue
        entities = record["entities"]
        for entity in entities:
            print(f"  entity   [{entity['type']}] {entity['text']!r} ({entity['score']:.2f})")
        relations = sorted(record["relations"], key=lambda r: -r["score"])
        for relation in relations[:SHOWN_RELATIONS]:
            head, tail = entities[relation["head"]], entities[relation["tail"]]
            print(f"  relation {head['text']!r} --{relation['type']}--> {tail['text']!r} ({relation['score']:.2f})")
        if len(relations) > SHOWN_RELATIONS:
            print(f"  ... and {len(relations) - SHOWN_RELATIONS} more relations (see the predictions file)")
        if not entities:
            print("  (nothing extracted)")
    print()


def main() -> int:
    epochs = int(os.environ.get("DEMO_EPOCHS", "9"))
    train_sentences = int(os.environ.get("DEMO_TRAIN_SENTENCES", "922"))
    output = PROJECT / os.environ.get("DEMO_OUTPUT", "runs/demo-spert")
    files = data_files()

    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("TRANSFORMER_MODEL", None)  # the offline all-MiniLM-L6-v2 (the config's default)
    threads = os.environ.get("DEMO_THREADS")
    if threads is None and os.getloadavg()[0] >= 0.75 * (os.cpu_count() or 1):
        threads = "1"
    if threads:
        env["OMP_NUM_THREADS"] = threads
    env.update(
        NUM_EPOCHS=str(epochs),
        TRAIN_DATA_PATH=str(files["train"]),
        VALIDATION_DATA_PATH=str(files["dev"]),
        TEST_DATA_PATH=str(files["dev"]),  # not evaluated (evaluate_on_test: false below)
    )

    # Optionally a subset of the training sentences (the reader's max_instances; the whole dev file
    # is scored), no test evaluation (the config's warm-up is 10% of the steps actually taken).
    available = len(json.loads(Path(files["train"]).read_text(encoding="utf-8")))
    train_sentences = min(train_sentences, available)
    overrides = {
        "trainer.checkpointer": {"keep_most_recent_by_count": 1},
        "evaluate_on_test": False,
    }
    if train_sentences < available:
        overrides["dataset_reader.max_instances"] = train_sentences
        overrides["validation_dataset_reader"] = {"type": "spert", "transformer_model_name": "offline:all-MiniLM-L6-v2",
                                                  "tokenizer": "spacy:en"}

    say(
        f"training spert on {files['name']}: {train_sentences} training sentences, {epochs} epoch(s), "
        f"batch 4, lr 7e-5, frozen word pieces, encoder all-MiniLM-L6-v2 (offline), "
        f"torch threads {threads or 'default'}; "
        f"model and logs in {output}"
    )
    start = time.time()
    run(
        [
            BIN / "allennlp", "train", CONFIG, "-s", output, "--force", "--include-package", "jointie_allennlp",
            "--file-friendly-logging", "-o", json.dumps(overrides),
        ],
        env,
    )
    say(f"training took {time.time() - start:.0f} s")
    metrics = json.loads((output / "metrics.json").read_text())
    say(
        "best dev epoch {}: NER F1 {:.1f}, relation strict F1 {:.1f} ({})".format(
            metrics.get("best_epoch"),
            100 * metrics.get("best_validation_ner_f1", 0.0),
            100 * metrics.get("best_validation_rel_strict_f1", 0.0),
            Path(files["dev"]).name,
        )
    )

    inputs = output / "demo_sentences.jsonl"
    predictions = output / "demo_predictions.jsonl"
    inputs.write_text("".join(json.dumps(s) + "\n" for s in SENTENCES), encoding="utf-8")
    say("predicting the demo sentences")
    run(
        [
            BIN / "allennlp", "predict", output / "model.tar.gz", inputs, "--predictor", "joint_extraction",
            "--include-package", "jointie_allennlp", "--output-file", predictions, "--silent",
            "--cuda-device", "-1",
        ],
        env,
    )
    print_predictions(predictions)
    say(f"done in {time.time() - start:.0f} s; predictions in {predictions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
