"""
A trainer callback that scores a held-out file after every epoch and records the learning curve
against training time: what `benchmarks/time_to_accuracy.py` plots (F1 against wall time).
"""
import json
import logging
import time
from pathlib import Path
from typing import Any, Dict, Optional

from allennlp.data import DatasetReader
from allennlp.data.data_loaders import MultiProcessDataLoader
from allennlp.data.samplers import BucketBatchSampler
from allennlp.training.callbacks.callback import TrainerCallback
from allennlp.training.util import evaluate

logger = logging.getLogger(__name__)


@TrainerCallback.register("score_curve")
class ScoreCurveCallback(TrainerCallback):
    """
    After every epoch, scores the model on `data_path` and appends one JSON line to
    `<serialization_dir>/<output_file>`: `epoch`, `train_seconds` (wall time since training
    started, minus the time this callback spent scoring), `scoring_seconds` (this epoch's
    scoring) and the model's metrics on that file.
    The scoring selects nothing: the archive is still chosen by the trainer's own rules.

    # Parameters

    serialization_dir : `str`
        Given by the trainer.
    dataset_reader : `DatasetReader`
        Reads `data_path` (usually the config's own reader).
    data_path : `str`
        The file scored after each epoch, e.g. the test file of a final (train+dev) run.
    batch_size : `int`, optional (default = `8`)
        Scoring batch size (batches of similar length).
    output_file : `str`, optional (default = `"score_curve.jsonl"`)
        Relative to the serialization directory.
    """

    def __init__(
        self,
        serialization_dir: str,
        dataset_reader: DatasetReader,
        data_path: str,
        batch_size: int = 8,
        output_file: str = "score_curve.jsonl",
    ) -> None:
        super().__init__(serialization_dir)
        self.reader = dataset_reader
        self.data_path = data_path
        self.batch_size = batch_size
        self.output = Path(serialization_dir) / output_file
        self._loader: Optional[MultiProcessDataLoader] = None
        self._started = 0.0
        self._seconds_before = 0.0  # training seconds of the epochs before a `--recover`

    def on_start(self, trainer, is_primary: bool = True, **kwargs) -> None:
        self._started = time.perf_counter()

    def on_epoch(self, trainer, metrics: Dict[str, Any], epoch: int, is_primary: bool = True, **kwargs) -> None:
        if not is_primary or epoch < 0:
            return
        train_seconds = self._seconds_before + time.perf_counter() - self._started
        scoring_started = time.perf_counter()
        if self._loader is None:
            sampler = BucketBatchSampler(batch_size=self.batch_size, sorting_keys=["tokens"], shuffle=False)
            self._loader = MultiProcessDataLoader(self.reader, self.data_path, batch_sampler=sampler)
            self._loader.index_with(trainer.model.vocab)
        scores = evaluate(trainer.model, self._loader, cuda_device=trainer.cuda_device)
        trainer.model.train()
        scoring_seconds = time.perf_counter() - scoring_started
        point = {"epoch": epoch + 1, "train_seconds": round(train_seconds, 2),
                 "scoring_seconds": round(scoring_seconds, 2), "data_path": self.data_path, **scores}
        with self.output.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(point) + "\n")
        logger.info("score curve, epoch %d, %.0f s of training: %s", epoch + 1, train_seconds,
                    {key: round(value, 4) for key, value in scores.items() if key.endswith("f1")})
        # the scoring time does not count as training time
        self._started += time.perf_counter() - scoring_started

    def state_dict(self) -> Dict[str, Any]:
        return {"train_seconds": self._seconds_before + time.perf_counter() - self._started}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        self._seconds_before = state_dict.get("train_seconds", 0.0)
