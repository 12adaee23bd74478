"""
Predicting a JSON-lines file into a JSON-lines file: what `jointie predict` runs once the predictor
is loaded (`jointie_allennlp.predictors.loading.load_predictor`).

Every physical input line (`read_input_lines`) goes to the predictor's `load_line`, groups of
`batch_size` lines to `predict_batch_json`, every record out through `dump_line`: one output line
per input line, in order. The input is checked before the output is touched; the output goes
through `jointie_allennlp.data.output.open_output`: never over the input, over an existing file
only with `overwrite`, and it replaces an old file only when the whole run succeeded.
"""
import contextlib
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.output import check_output, is_special_file, open_output
from jointie_allennlp.predictors.lines import read_input_lines

#: called with (0-based record number, input record, output line) for every record
RecordCallback = Callable[[int, Dict[str, Any], str], None]


def _groups(lines: Iterator[bytes], size: int) -> Iterator[List[bytes]]:
    while True:
        group = list(islice(lines, max(1, size)))
        if not group:
            return
        yield group


def check_input(path: str) -> None:
    """`FormatError` naming `path` when it is a local path that is not a readable file (`-` and URLs pass)."""
    if path == "-" or "://" in path:
        return
    source = Path(path)
    if not source.exists():
        raise FormatError("no such input file", path=path)
    if source.is_dir():
        raise FormatError("the input is a directory, not a file of JSON lines", path=path)


def predict_file(
    predictor,
    input_file: str,
    output_file: Optional[str] = None,
    batch_size: int = 1,
    overwrite: bool = False,
    on_record: Optional[RecordCallback] = None,
    progress: Optional[Callable[[Iterable, str], Iterable]] = None,
) -> Dict[str, int]:
    """
    Predicts `input_file` (a path, URL, compressed or not, `-` for standard input) with a
    predictor of this package into `output_file` (none: only `on_record` sees the lines);
    `progress` wraps the loop over the input lines (a progress bar).

    # Returns

    `{"records": lines written, "failed_inputs": records that carry an error}`
    """
    if not hasattr(predictor, "parse_line"):
        raise FormatError(f"{type(predictor).__name__} is not a predictor of this package; use allennlp predict")
    check_input(input_file)
    if output_file is not None:
        check_output(output_file, (input_file,), overwrite)
    failed_before = getattr(predictor, "failed_inputs", 0)
    count = 0
    with open_output(output_file, (input_file,), overwrite) if output_file else contextlib.nullcontext() as output:
        lines = read_input_lines(input_file)
        for group in _groups(iter(progress(lines, "lines") if progress is not None else lines), batch_size):
            records = [predictor.load_line(line) for line in group]
            for record, result in zip(records, predictor.predict_batch_json(records)):
                line = predictor.dump_line(result)
                if on_record is not None:
                    on_record(count, record, line)
                if output is not None:
                    output.write(line)
                count += 1
    return {"records": count, "failed_inputs": getattr(predictor, "failed_inputs", 0) - failed_before}


def run_metadata(predictor, archive: str, precision=None) -> Dict[str, Any]:
    """
    What a prediction run records beside its output: the archive, the precision chosen (with its
    reason and the CPU flags; `precision`, a `PrecisionChoice`, else the predictor's), the CPU model
    and the torch threads. `predictor` may be `None` when `precision` is given.
    """
    import torch

    from jointie_allennlp.precision import cpu_model

    choice = precision if precision is not None else getattr(predictor, "precision", None)
    return {
        "archive": str(archive),
        "precision": choice.as_dict() if choice is not None else None,
        "cpu_model": cpu_model(),
        "threads": torch.get_num_threads(),
    }


def run_metadata_path(output_file: str) -> Optional[str]:
    """
    Where the metadata of a run writing `output_file` goes: `<output_file>.meta.json`; `None` for
    a device or pipe (`/dev/null`), which has no folder to hold it.
    """
    return None if is_special_file(output_file) else f"{output_file}.meta.json"


def check_run_metadata(output_file: str, inputs: Iterable[Optional[str]] = (), overwrite: bool = False) -> None:
    """`OutputError` naming the sidecar of `output_file` when `write_run_metadata` could not write it; before a run."""
    path = run_metadata_path(output_file)
    if path is not None:
        check_output(path, (*inputs, output_file), overwrite)


def write_run_metadata(output_file: str, metadata: Dict[str, Any], overwrite: bool = False) -> Optional[str]:
    """
    Writes `metadata` as JSON to `<output_file>.meta.json`, beside the output it describes, through
    `open_output` (an existing one is replaced only with `overwrite`); returns its path, or `None`
    (nothing written) when the output is a device or pipe (`run_metadata_path`).
    """
    import json

    path = run_metadata_path(output_file)
    if path is None:
        return None
    with open_output(path, (output_file,), overwrite) as handle:
        json.dump(metadata, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    return path
