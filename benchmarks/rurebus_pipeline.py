"""
RuREBus subtask 3 (end to end) benchmark: runs `allennlp predict` with the `pipeline` predictor
(an NER archive, then a relation archive over its entities) on the `.txt` files of a brat
directory, writes brat `.ann` files, scores them against the gold `.ann` with
`python -m jointie_allennlp score --rurebus` (the project's scorer) and appends one row to
benchmarks/results.jsonl (and re-renders docs/results.md), in the format of
`run_benchmark.py`:

    .venv/bin/python benchmarks/rurebus_pipeline.py runs/rurebus/ner/model.tar.gz runs/rurebus/re/model.tar.gz \\
        --test /tmp/rurebus_split/dev --output-dir /tmp/rurebus_pred --threads 1

With one archive, a joint model's (`spert`, `biaffine_joint`, `deeper_task_specificity`, ...),
its `joint_extraction` predictor reads each `.txt` as raw text (`{"id": <file stem>, "text": ...}`
lines) and is scored the same way, so joint models and the pipeline compare on one scale.

Row: `ner_f1` / `ner_macro_f1` are the shared metric's scores of the predicted entities (each
distinct entity once), `rurebus_ner_{precision,recall,f1,tp,fp,fn}` the shared task's subtask 1
(its sweep over entities sorted by offset), `rel_strict_*` / `rel_boundaries_*` the shared
metric's directed relation scores, and
`rurebus_relations_{precision,recall,f1}` the shared task's convention (relation direction
ignored; `subtask_3_relations` of `score --rurebus`). `--gold-entities` runs the predictor with
the gold entities of the `.ann` files instead (subtask 2 through the same path; pipeline only).
`epochs` is "<NER epochs>+<RE epochs>" (one archive: its epochs) as recorded in the archives'
training metrics; nothing is trained here. `inference_sentences_per_s` counts the whole
`allennlp predict` run (loading the archives included) and `peak_rss_mb` is that run's peak.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_benchmark import COLUMNS, config_encoder_label, record_row, run_facts  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
PIPELINE_CONFIG = PROJECT / "training_configs" / "rurebus" / "pipeline.jsonnet"
PIPELINE_APPROACH = "pipeline (bio_tagger -> marked_entity)"


def epochs_of(archive: Path) -> Optional[int]:
    """Epochs trained, from `metrics.json` beside the archive (None when it is not there)."""
    metrics = archive.parent / "metrics.json"
    if not metrics.is_file():
        return None
    return json.loads(metrics.read_text(encoding="utf-8")).get("epoch", -1) + 1


def archived_config(archive: Path) -> dict:
    """The `config.json` inside a `model.tar.gz`."""
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("config.json"))  # type: ignore[arg-type]


def shared_task_relations(summary: dict) -> dict:
    """The shared task's relation score (P / R / F1) in the `rurebus` part of `score --rurebus`'s report."""
    return next(value for key, value in summary.items() if key.endswith("_relations"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ner_archive", type=Path, help="the NER archive, or a joint model's archive alone")
    parser.add_argument("re_archive", type=Path, nargs="?", help="the relation archive (pipeline)")
    parser.add_argument("--test", required=True, help="brat directory with the gold .txt + .ann")
    parser.add_argument("--output-dir", required=True, type=Path, help="where the predicted brat files go")
    parser.add_argument("--dataset", default="rurebus")
    parser.add_argument("--approach", default=None,
                        help="default: pipeline (bio_tagger -> marked_entity), or the joint archive's model type")
    parser.add_argument("--variant", default="subtask3")
    parser.add_argument("--encoder", default=None, help="encoder label (default: from the NER archive)")
    parser.add_argument("--gold-entities", action="store_true", help="use the gold entities (subtask 2)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads of the predict run (OMP_NUM_THREADS)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--re-overrides", default="",
                        help='JSON overrides of the relation archive, e.g. \'{"model.relation_threshold": 0.5}\'')
    parser.add_argument("--overrides", default="",
                        help="JSON overrides of the first archive (the NER or the joint one), `allennlp predict -o`")
    parser.add_argument("--fields", default="", help="JSON object of further fields for the row")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append a row")
    args = parser.parse_args()
    joint = args.re_archive is None
    if joint and args.gold_entities:
        parser.error("--gold-entities needs the pipeline (an NER and a relation archive)")

    from allennlp.common import Params

    import jointie_allennlp  # noqa: F401  (defines the configs' external variables)
    from jointie_allennlp.data.formats.brat import read_brat_directory, read_text_file
    from jointie_allennlp.metrics.joint_extraction import format_report
    from jointie_allennlp.metrics.scoring import score_files

    test = Path(args.test)
    texts = sorted(test.glob("*.txt"))
    if not texts:
        parser.error(f"no .txt files in {test}")
    args.output_dir.mkdir(parents=True, exist_ok=True)
    brat_output = str(args.output_dir / "brat")
    if joint:
        inputs = args.output_dir / "inputs.jsonl"
        inputs.write_text("".join(
            json.dumps({"id": path.stem, "text": read_text_file(path)}, ensure_ascii=False) + "\n" for path in texts
        ), encoding="utf-8")
        predictor = "joint_extraction"
        predictor_args = {"brat_output_dir": brat_output, "batch_size": args.batch_size}
    else:
        inputs = args.output_dir / "inputs.txt"
        inputs.write_text("".join(f"{path.resolve()}\n" for path in texts), encoding="utf-8")
        pipeline = Params.from_file(str(PIPELINE_CONFIG)).as_dict()
        predictor = pipeline["predictor"]
        predictor_args = {
            **pipeline["predictor_args"],
            "re_archive": str(args.re_archive),
            "brat_output_dir": brat_output,
            "gold_entities": args.gold_entities,
            "batch_size": args.batch_size,
            **({"re_overrides": json.loads(args.re_overrides)} if args.re_overrides else {}),
        }
    env = dict(os.environ)
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
        env["MKL_NUM_THREADS"] = str(args.threads)
    command = [
        str(Path(sys.executable).with_name("allennlp")), "predict", str(args.ner_archive), str(inputs),
        "--predictor", predictor, "--predictor-args", json.dumps(predictor_args),
        "--include-package", "jointie_allennlp", "--silent",
        "--output-file", str(args.output_dir / "predictions.jsonl"),
    ] + (["-o", args.overrides] if args.overrides else [])
    print(" ".join(command), file=sys.stderr)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=PROJECT)
    predict_seconds = time.perf_counter() - start
    predict_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    scores = score_files(str(test), str(args.output_dir / "brat"), tokenizer="razdel", rurebus=True)
    for line in format_report(scores):
        print(line, file=sys.stderr)
    (args.output_dir / "scores.json").write_text(json.dumps(scores, indent=1), encoding="utf-8")
    summary = scores["rurebus"]
    relations = shared_task_relations(summary)
    sentences = sum(len(d.split_sentences()) for d in read_brat_directory(test))

    if joint:
        epochs = epochs_of(args.ner_archive)
    else:
        epochs = f"{'gold' if args.gold_entities else epochs_of(args.ner_archive)}+{epochs_of(args.re_archive)}"
    first_config = archived_config(args.ner_archive)  # the encoder's, and a joint model's type
    row = {
        "dataset": args.dataset,
        "approach": args.approach or (first_config["model"]["type"] if joint else PIPELINE_APPROACH),
        "variant": args.variant,
        "encoder": args.encoder or config_encoder_label(first_config),
        "epochs": epochs,
        **{k: scores[k] for k, _ in COLUMNS if k in scores},
        **{f"rurebus_ner_{k}": v for k, v in summary["subtask_1_ner"].items()},
        **{f"rurebus_relations_{k}": v for k, v in relations.items()},
        "rurebus_entities": summary["entities"],
        "inference_sentences_per_s": sentences / predict_seconds,
        "inference_seconds": round(predict_seconds, 1),
        "test_documents": scores["documents"],
        "test_sentences": sentences,
        "peak_rss_mb": predict_rss_mb,
        "inference_batch_size": args.batch_size,
        "ner_archive": str(args.ner_archive),
        **({} if joint else {"re_archive": str(args.re_archive)}),
        "test": str(test),
        **({} if joint else {"config": str(PIPELINE_CONFIG.relative_to(PROJECT))}),
        "overrides": args.overrides if joint else args.re_overrides,  # the model that finds the relations
        **({"ner_overrides": args.overrides} if args.overrides and not joint else {}),
        **(json.loads(args.fields) if args.fields else {}),
        "command": " ".join(["benchmarks/rurebus_pipeline.py", *sys.argv[1:]]),
        **run_facts(args.threads),
    }
    record_row(row, args.no_record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
