"""
Cost of a CPU training step of the RuREBus NER tagger (`training_configs/rurebus/ner.jsonnet`)
with one encoder in several forms, measured side by side in one process: the same batches, the
forms taking turns step by step (so a busy machine slows them alike), one torch thread.

    .venv/bin/python benchmarks/encoder_step_cost.py --train /tmp/rurebus_split/train \\
        --form full=encoders/multilingual-e5-small --form full-frozen=encoders/multilingual-e5-small:freeze \\
        --form pruned=encoders/e5-pruned --form pruned-frozen=encoders/e5-pruned:freeze --steps 12

A form is `label=PATH` or `label=PATH:OPTION,...` with the options `freeze`
(FREEZE_WORD_EMBEDDINGS=1), `attention-dropout-0` (ATTENTION_DROPOUT=0) and `checkpoint`
(GRADIENT_CHECKPOINTING=1). Prints, per form, the trainable parameters, the median seconds per
step, the projected minutes per epoch over the training sentences read (batch 16) and the largest
memory a step adds to the process (peak RSS during the step minus RSS before it), and appends one
row per form to benchmarks/results.jsonl (unless --no-record). `--longest` takes the longest
sentences instead of a random sample (the batches that set a run's peak memory).
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


FORM_OPTIONS = {"freeze": ("FREEZE_WORD_EMBEDDINGS", "1"), "attention-dropout-0": ("ATTENTION_DROPOUT", "0"),
                "checkpoint": ("GRADIENT_CHECKPOINTING", "1")}


def form_variables(options: str) -> dict:
    """The config variables of a form's options (`freeze,checkpoint`, ...)."""
    variables = {name: "" for name, _ in FORM_OPTIONS.values()}
    for option in filter(None, options.split(",")):
        if option not in FORM_OPTIONS:
            raise SystemExit(f"unknown form option {option!r}; known: {', '.join(FORM_OPTIONS)}")
        name, value = FORM_OPTIONS[option]
        variables[name] = value
    return variables


def memory_mb(field: str) -> float:
    """`VmRSS` or `VmHWM` (peak since the last reset) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def sentence_key(instance) -> tuple:
    """Document id and text of an instance's sentence (or window)."""
    sentence = instance["metadata"].metadata["document"]
    return sentence.id, sentence.text


def build_form(path: str, variables: dict, train: str, choose, batch_size: int):
    from allennlp.common import Params
    from allennlp.data import Batch, DatasetReader, Vocabulary
    from allennlp.models import Model
    from allennlp.training.optimizers import Optimizer

    params = Params.from_file(str(CONFIG), ext_vars={"TRANSFORMER_MODEL": path, "TRAIN_DATA_PATH": train, **variables})
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    instances = list(reader.read(train))
    vocabulary = Vocabulary.from_params(params.pop("vocabulary"), instances=instances)
    model = Model.from_params(vocab=vocabulary, params=params.pop("model"))
    optimizer_params = params.pop("trainer").pop("optimizer")
    optimizer = Optimizer.from_params(model_parameters=list(model.named_parameters()), params=optimizer_params)
    chosen = choose(instances)
    for instance in chosen:
        instance.index_fields(vocabulary)
    batches = [Batch(chosen[i:i + batch_size]).as_tensor_dict() for i in range(0, len(chosen), batch_size)]
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"model": model, "optimizer": optimizer, "batches": batches, "trainable": trainable,
            "sentences": len(instances)}


def step(form, batch) -> tuple:
    """Seconds of one training step and the memory (MB) it added at its peak."""
    before = memory_mb("VmRSS")
    reset_peak()
    start = time.perf_counter()
    form["model"].train()
    loss = form["model"](**batch)["loss"]
    loss.backward()
    form["optimizer"].step()
    form["optimizer"].zero_grad()
    return time.perf_counter() - start, memory_mb("VmHWM") - before


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True, help="brat directory of the training split")
    parser.add_argument("--form", action="append", required=True,
                        help="label=PATH[:freeze,attention-dropout-0,checkpoint]")
    parser.add_argument("--longest", action="store_true", help="the longest sentences, not a random sample")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import jointie_allennlp  # noqa: F401

    wanted = args.steps * args.batch_size + args.batch_size

    chosen_sentences: list = []

    def choose(instances):
        """The same sentences for every form (chosen on the first form's instances: encoders may
        cut long sentences into different numbers of windows)."""
        by_sentence = {sentence_key(instance): instance for instance in instances}
        if not chosen_sentences:
            if args.longest:
                ranked = sorted(instances, key=lambda instance: -len(instance["tokens"]))[:wanted]
            else:
                ranked = random.Random(args.seed).sample(instances, wanted)
            chosen_sentences.extend(sentence_key(instance) for instance in ranked)
        missing = [key for key in chosen_sentences if key not in by_sentence]
        if missing:
            raise SystemExit(f"{len(missing)} chosen sentences are windowed differently by this encoder, e.g. "
                             f"{missing[0][0]}: {missing[0][1][:60]!r}; try another --seed")
        return [by_sentence[key] for key in chosen_sentences]

    forms = {}
    for spec in args.form:
        label, _, target = spec.partition("=")
        path, _, options = target.partition(":")
        forms[label] = build_form(path, form_variables(options), args.train, choose, args.batch_size)
        print(f"{label}: {forms[label]['trainable']:,} trainable parameters", file=sys.stderr)
    times = {label: [] for label in forms}
    step_memory = {label: [] for label in forms}
    for index in range(args.steps + 1):
        for label, form in forms.items():
            seconds, added_mb = step(form, form["batches"][index])
            step_memory[label].append(added_mb)
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
               "step_peak_added_mb": round(max(step_memory[label])), "batches": "longest" if args.longest else "random",
               "test": "", "config": str(CONFIG.relative_to(PROJECT)), **run_facts(1)}
        record_row(row, args.no_record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
