"""What every subcommand of the command line shares: help layout, progress bars, JSON output."""
import argparse
import copy
import json
import sys
from typing import Callable, Iterable, Optional

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
