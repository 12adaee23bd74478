"""
Prediction over a large JSON-lines corpus with Ray Data (the `ray` extra; `jointie predict-ray`).

Every physical input line is a row of a Ray dataset; `map_batches` with a class runs a pool of
`num_workers` actors, each of which loads the archive's predictor once and answers batches of
lines with the predictor's own line logic (`parse_line` per line, `predict_batch_json` per
batch: what `allennlp predict` does with the same lines). The output is what `allennlp predict`
writes for the same file: one line per input line, in input order, blank and unreadable lines
included as error records naming their `input_line`. On a Ray cluster pass its address
(`--ray-address auto`); without one a local Ray runtime is started.
"""
import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Union

import numpy as np

from jointie_allennlp.predictors.lines import read_input_lines


class PredictorWorker:
    """
    A Ray Data actor (the class given to `map_batches`): loads the predictor once, then maps a
    batch `{"number", "line"}` (1-based physical line number, raw bytes) to
    `{"number", "output" (one JSON line each), "failed", "worker" (the actor's process id)}`.

    # Parameters

    archive : `str` the `model.tar.gz`.
    predictor_name : `str`, optional (default: the model's predictor).
    predictor_args : `Dict[str, Any]`, optional arguments of the predictor (`--predictor-args`).
    overrides : `str`, optional JSON overrides of the archived config (`--overrides`).
    cuda_device : `int`, optional (default = `-1`).
    threads : `int`, optional (default = `1`) torch threads of this actor.
    precision : `str`, optional (default = `"auto"`) the precision the model predicts in
        (`fp32`, `bf16`, `int8`, or `auto`: this actor's CPU decides).
    """

    def __init__(
        self,
        archive: str,
        predictor_name: Optional[str] = None,
        predictor_args: Optional[Dict[str, Any]] = None,
        overrides: str = "",
        cuda_device: int = -1,
        threads: int = 1,
        precision: str = "auto",
    ) -> None:
        import torch
        from allennlp.common.plugins import import_plugins

        from jointie_allennlp.predictors.loading import load_predictor

        import_plugins()
        torch.set_num_threads(threads)
        self.predictor = load_predictor(archive, predictor_name, predictor_args, cuda_device=cuda_device,
                                        overrides=overrides, precision=precision)

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        numbers = [int(number) for number in batch["number"]]
        records = [self.predictor.parse_line(bytes(line), number) for line, number in zip(batch["line"], numbers)]
        outputs = self.predictor.predict_batch_json(records)
        return {
            "number": np.array(numbers, dtype=np.int64),
            "output": np.array([self.predictor.dump_line(output) for output in outputs], dtype=object),
            "failed": np.array([bool(output.get("error")) for output in outputs]),
            "worker": np.full(len(numbers), os.getpid(), dtype=np.int64),
        }


def _numbered(path: str) -> Iterator[Dict[str, Any]]:
    for number, line in enumerate(read_input_lines(path), start=1):
        yield {"number": number, "line": line}


def predict_corpus(
    archive: str,
    input_path: str,
    output_path: str,
    num_workers: int = 2,
    batch_size: int = 32,
    predictor_name: Optional[str] = None,
    predictor_args: Optional[Dict[str, Any]] = None,
    overrides: str = "",
    cuda_device: int = -1,
    gpus_per_worker: float = 0,
    threads_per_worker: int = 1,
    ray_address: Optional[str] = None,
    actor_start_timeout: int = 600,
    overwrite: bool = False,
    precision: str = "auto",
    int8_drift_check: Union[bool, str] = False,
    max_f1_drift: float = 0.005,
    on_precision: Optional[Callable[[Any], None]] = None,
) -> Dict[str, Any]:
    """
    Predicts every line of `input_path` into `output_path` with `num_workers` Ray actors and
    returns the counts: `records` written (= input lines), `failed` (error records) and
    `workers` (actors that predicted at least one batch), and `precision`, the `PrecisionChoice`
    every actor predicts in.

    The precision is chosen once, here, before Ray starts (`resolve_precision` for this machine's
    CPU; with `int8_drift_check` the archive is loaded here for the check, see `load_predictor`),
    and every actor loads its model in that precision; `on_precision` is called with the choice.

    The actors all load their predictor before the first batch is given out (Ray Data's
    `wait_for_min_actors_s`, here `actor_start_timeout`), so batches are spread over all of them.
    The input, the archive and the predictor's arguments are checked before anything starts
    (`jointie_allennlp.predictors.loading.check_predictor`; each actor loads its predictor with
    `load_predictor`); the output goes through
    `jointie_allennlp.data.output.open_output` (never the input, an existing file only with
    `overwrite`, in place only when every record is written).
    """
    import ray

    from jointie_allennlp.data.output import check_output, open_output
    from jointie_allennlp.predictors.loading import check_predictor
    from jointie_allennlp.predictors.prediction_file import check_input

    check_input(input_path)
    check_output(output_path, (input_path,), overwrite)
    check_predictor(archive, predictor_name, predictor_args)
    choice = corpus_precision(archive, precision, int8_drift_check, max_f1_drift, overrides, cuda_device)
    if on_precision is not None:
        on_precision(choice)

    if not ray.is_initialized():
        local = {} if ray_address else {"num_cpus": max(os.cpu_count() or 1, num_workers * threads_per_worker)}
        ray.init(address=ray_address, include_dashboard=False, log_to_driver=False, **local)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.wait_for_min_actors_s = actor_start_timeout
    lines = list(_numbered(input_path))
    counts = {"records": 0, "failed": 0}
    workers = set()
    with open_output(output_path, (input_path,), overwrite) as output:
        if lines:
            dataset = ray.data.from_items(lines).map_batches(
                PredictorWorker,
                fn_constructor_kwargs={
                    "archive": str(Path(archive).resolve()) if Path(archive).exists() else archive,
                    "predictor_name": predictor_name,
                    "predictor_args": predictor_args,
                    "overrides": overrides,
                    "cuda_device": cuda_device,
                    "threads": threads_per_worker,
                    "precision": choice.precision,
                },
                batch_size=batch_size,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=num_workers),
                num_cpus=threads_per_worker,
                num_gpus=gpus_per_worker,
            )
            for batch in dataset.iter_batches(batch_size=batch_size, batch_format="numpy"):
                workers.update(int(worker) for worker in batch["worker"])
                for number, line, failed in zip(batch["number"], batch["output"], batch["failed"]):
                    counts["records"] += 1
                    if int(number) != counts["records"]:
                        raise RuntimeError(f"output out of order: line {number} where {counts['records']} was due")
                    counts["failed"] += int(failed)
                    output.write(line)
        if counts["records"] != len(lines):
            raise RuntimeError(f"{len(lines)} input lines but {counts['records']} output records")
    return {**counts, "workers": len(workers), "precision": choice}


def corpus_precision(archive: str, precision: str = "auto", int8_drift_check: Union[bool, str] = False,
                     max_f1_drift: float = 0.005, overrides: str = "", cuda_device: int = -1):
    """
    The `PrecisionChoice` of a `predict_corpus` run: `resolve_precision` on this machine, or, for
    `auto` with `int8_drift_check`, the drift check on the archive loaded here
    (`jointie_allennlp.predictors.loading.choose_precision`).
    """
    from jointie_allennlp.precision import resolve_precision
    from jointie_allennlp.predictors.loading import check_precision_options, choose_precision, load_checked_archive

    check_precision_options(precision, int8_drift_check, max_f1_drift)
    if precision == "auto" and int8_drift_check not in (False, None):
        loaded = load_checked_archive(archive, cuda_device=cuda_device, overrides=overrides)
        return choose_precision(loaded, precision, int8_drift_check, max_f1_drift)
    return resolve_precision(precision)
