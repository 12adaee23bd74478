"""
Cost of a CPU training step of the RuREBus NER tagger (`training_configs/rurebus/ner.jsonnet`)
with one encoder in several forms, measured side by side in one process: the same batches, the
forms taking turns step by step (so a busy machine slows them alike), one torch thread.

    .venv/bin/python benchmarks/encoder_step_cost.py --train /tmp/rurebus_split/train \\
        --form full=encoders/multilingual-e5-small --form full-frozen=encoders/multilingual-e5-small:freeze \\
        --form pruned=encoders/e5-pruned --form pruned-frozen=encoders/e5-pruned:freeze --steps 12

A form is `label=PATH` or `label=PATH:freeze` (FREEZE_WORD_EMBEDDINGS=1). Prints, per form, the
trainable parameters, the median seconds per step and the projected minutes per epoch over the
training sentences read (batch 16), and appends one row per form to benchmarks/results.jsonl
(unless --no-record).
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_benchmark import record_row, run_facts  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
CONFIG = PROJECT / "training_configs" / "rurebus" / "ner.jsonnet"


def build_form(path: str, freeze: bool, train: str, sentence_ids, batch_size: int):
    from allennlp.common import Params
    from allennlp.data import Batch, DatasetReader, Vocabulary
    from allennlp.models import Model
    from allennlp.training.optimizers import Optimizer

    params = Params.from_file(str(CONFIG), ext_vars={"TRANSFORMER_MODEL": path, "TRAIN_DATA_PATH": train,
                                                     "FREEZE_WORD_EMBEDDINGS": "1" if freeze else ""})
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    instances = list(reader.read(train))
    vocabulary = Vocabulary.from_params(params.pop("vocabulary"), instances=instances)
    model = Model.from_params(vocab=vocabulary, params=params.pop("model"))
    optimizer_params = params.pop("trainer").pop("optimizer")
    optimizer = Optimizer.from_params(model_parameters=list(model.named_parameters()), params=optimizer_params)
    chosen = [instances[i] for i in sentence_ids(len(instances))]
    for instance in chosen:
        instance.index_fields(vocabulary)
    batches = [Batch(chosen[i:i + batch_size]).as_tensor_dict() for i in range(0, len(chosen), batch_size)]
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"model": model, "optimizer": optimizer, "batches": batches, "trainable": trainable,
            "sentences": len(instances)}


def step(form, batch) -> float:
    start = time.perf_counter()
    form["model"].train()
    loss = form["model"](**batch)["loss"]
    loss.backward()
    form["optimizer"].step()
    form["optimizer"].zero_grad()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True, help="brat directory of the training split")
    parser.add_argument("--form", action="append", required=True, help="label=PATH[:freeze]")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import jointie_allennlp  # noqa: F401

    def sentence_ids(count):
        return random.Random(args.seed).sample(range(count), args.steps * args.batch_size + args.batch_size)

    forms = {}
    for spec in args.form:
        label, _, target = spec.partition("=")
        path, _, flag = target.partition(":")
        forms[label] = build_form(path, flag == "freeze", args.train, sentence_ids, args.batch_size)
        print(f"{label}: {forms[label]['trainable']:,} trainable parameters", file=sys.stderr)
    times = {label: [] for label in forms}
    for index in range(args.steps + 1):
        for label, form in forms.items():
            seconds = step(form, form["batches"][index])
            if index:  # the first step of each form warms up
                times[label].append(seconds)
        print(f"step {index}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items() if v), file=sys.stderr)
    for label, form in forms.items():
        median = statistics.median(times[label])
        steps_per_epoch = -(-form["sentences"] // args.batch_size)
        row = {"dataset": "rurebus", "approach": "bio_tagger", "variant": f"training step cost: {label}",
               "encoder": next(s for s in args.form if s.startswith(label + "=")).split("=", 1)[1],
               "trainable_parameters": form["trainable"], "seconds_per_step_median": round(median, 3),
               "steps_measured": len(times[label]), "batch_size": args.batch_size,
               "train_sentences": form["sentences"],
               "projected_minutes_per_epoch": round(median * steps_per_epoch / 60, 1),
               "test": "", "config": str(CONFIG.relative_to(PROJECT)), **run_facts(1)}
        record_row(row, args.no_record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
