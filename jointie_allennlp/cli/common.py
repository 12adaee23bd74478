"""What every subcommand of the command line shares: help layout, progress bars, JSON output, precision options."""
import argparse
import contextlib
import copy
import json
import sys
from typing import Any, Callable, Dict, Iterable, Iterator, Optional

Progress = Callable[[Iterable, str], Iterable]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """
    `--help` with every option's default (as Python writes it: `''` is the empty string),
    descriptions as written. An option without help text still shows its default; one whose help
    already says its default keeps its own words.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        if "(default" in help_text or action.default is argparse.SUPPRESS:
            return help_text
        if action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
            return f"{help_text} (default: %(default)r)".strip()
        return help_text

    def _format_action(self, action: argparse.Action) -> str:
        if not action.help and action.default is not argparse.SUPPRESS and (
            action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE)
        ):
            action = copy.copy(action)
            action.help = "(default: %(default)r)"
        return super()._format_action(action)


def progress(args: argparse.Namespace, unit: str = "it", total: Optional[int] = None) -> Progress:
    """
    Wraps a loop in a tqdm progress bar on standard error: shown when standard error is a
    terminal, never with `--silent`.
    """
    from tqdm import tqdm

    def wrap(items: Iterable, description: str) -> Iterable:
        return tqdm(items, desc=description, unit=unit, total=total, file=sys.stderr,
                    disable=True if getattr(args, "silent", False) else None)

    return wrap


@contextlib.contextmanager
def allennlp_progress(args: argparse.Namespace) -> Iterator[None]:
    """
    Within the block, AllenNLP's own progress bars (`allennlp.common.tqdm.Tqdm`: reading, the
    evaluation loop) follow `progress`: shown when standard error is a terminal, never with `--silent`.
    """
    from allennlp.common.tqdm import Tqdm

    original = Tqdm.__dict__["tqdm"]
    hidden = bool(getattr(args, "silent", False)) or not sys.stderr.isatty()

    def tqdm(*positional, **options):
        return original.__func__(*positional, **{"disable": hidden, **options})

    Tqdm.tqdm = staticmethod(tqdm)
    try:
        yield
    finally:
        Tqdm.tqdm = original


def check_batch_size(batch_size: Optional[int]) -> None:
    """`FormatError` naming `--batch-size` when it is given and below 1."""
    if batch_size is not None and batch_size < 1:
        from jointie_allennlp.data.errors import FormatError

        raise FormatError(f"--batch-size: must be 1 or more; got {batch_size}")


def print_json(result: object) -> None:
    """The result of a subcommand: one JSON object, the last line of standard output."""
    print(json.dumps(result, ensure_ascii=False))


def print_skipped(result: dict, source: str, gold: Optional[str] = None) -> None:
    """
    Says on standard error which records were left out: `result["skipped"]` lines in all, the
    first of them listed under `skipped_lines` (of `source`) and `gold_skipped_lines` (of `gold`).
    """
    if not result.get("skipped"):
        return
    parts = []
    for path, key in ((source, "skipped_lines"), (gold, "gold_skipped_lines")):
        lines = result.get(key) or []
        if lines:
            parts.append(f"{path}: lines " + ", ".join(str(item["line"]) for item in lines))
    listed = sum(len(result.get(key) or []) for key in ("skipped_lines", "gold_skipped_lines"))
    more = f", and {result['skipped'] - listed} more" if result["skipped"] > listed else ""
    print(f"skipped {result['skipped']} unreadable records ({'; '.join(parts)}{more})", file=sys.stderr)


#: the help of every subcommand's `--overwrite`
OVERWRITE_HELP = "replace an existing output"


def add_tokenizer_argument(parser: argparse.ArgumentParser, what: str = "brat and text input") -> None:
    """`--tokenizer` (default `auto`): the segmenter of input that comes without tokens."""
    parser.add_argument("--tokenizer", default="auto",
                        help=f"segmenter of {what}: auto (razdel for Cyrillic text, else spaCy English), "
                             "razdel, whitespace, spacy[:<lang>]")


def add_precision_arguments(parser: argparse.ArgumentParser) -> None:
    """
    `--precision`, `--int8-drift-check [FILE]` and `--max-f1-drift`: the precision the model
    predicts in (`jointie_allennlp.precision`), as `predict`, `evaluate`, `serve` and
    `predict-ray` take them.
    """
    from jointie_allennlp.precision import PRECISIONS

    group = parser.add_argument_group("precision", "the precision the model runs in (docs/performance.md#precision)")
    group.add_argument(
        "--precision", choices=PRECISIONS, default="auto",
        help="auto: bf16 where the CPU has native bf16 instructions, else fp32 (int8 when --int8-drift-check "
             "passes); fp32, bf16 (autocast) or int8 (dynamically quantized linear layers) as asked",
    )
    group.add_argument(
        "--int8-drift-check", nargs="?", const=True, default=False, metavar="FILE",
        help="with --precision auto: score int8 against the model on FILE (no value: the archive's dev data) "
             "and take int8 when no F1 moves by more than --max-f1-drift (give FILE as --int8-drift-check=FILE "
             "or after the positional arguments)",
    )
    group.add_argument("--max-f1-drift", type=float, default=0.005,
                       help="the bound of --int8-drift-check: F1 on the 0-1 scale")


def precision_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The precision options of `args` as the keyword arguments of `load_predictor`, checked first."""
    from jointie_allennlp.predictors.loading import check_precision_options

    options = {"precision": args.precision, "int8_drift_check": args.int8_drift_check,
               "max_f1_drift": args.max_f1_drift}
    check_precision_options(**options)
    return options


def report_precision(choice) -> None:
    """The precision chosen (a `PrecisionChoice`), one line on standard error, with or without `--silent`."""
    print(choice.summary(), file=sys.stderr)
