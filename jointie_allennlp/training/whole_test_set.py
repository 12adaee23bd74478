"""
The train loop of the shipped configs (`"type": "whole_test_set"` at the top level).

AllenNLP 2.10 evaluates the test set (`evaluate_on_test`) in `TrainModel.finish`, which only the
primary worker runs once training is over, with the test data loader it built (and filled) while
the process group was up: in distributed training that loader holds the primary's shard of the
test set only (the readers shard by rank), so its `test_*` metrics would describe a fraction of
the data. Here, in distributed training, the primary leaves the finished process group, builds the
test data loader again as `allennlp evaluate` builds it (same reader, same loader settings; now
unsharded) and scores the whole test set alone: the `test_*` metrics equal those of
`allennlp evaluate` on the archive. Single-process training is unchanged.

After the test evaluation, a model card written by the `model_card` callback gets the test
metrics (`jointie_allennlp.model_card.complete_card`), before allennlp archives the model.
"""
import functools
from typing import Any, Callable, Dict, Optional

import torch.distributed as dist
from allennlp.commands.train import TrainModel
from allennlp.data import DataLoader

from jointie_allennlp.model_card import complete_card


@TrainModel.register("whole_test_set", constructor="from_partial_objects")
class WholeTestSetTrainModel(TrainModel):
    """AllenNLP's default `TrainModel` (same parameters), whose test evaluation covers the whole
    test set in distributed training."""

    _whole_test_set: Optional[Callable[[], DataLoader]] = None

    @classmethod
    @functools.wraps(TrainModel.from_partial_objects.__func__)  # the same (documented) parameters
    def from_partial_objects(cls, **kwargs) -> "WholeTestSetTrainModel":
        train_loop = super().from_partial_objects(**kwargs)
        if kwargs.get("test_data_path") is not None:
            loader = kwargs.get("validation_data_loader") or kwargs["data_loader"]
            reader = kwargs.get("validation_dataset_reader") or kwargs["dataset_reader"]
            train_loop._whole_test_set = functools.partial(
                loader.construct, reader=reader, data_path=kwargs["test_data_path"]
            )
        return train_loop

    def finish(self, metrics: Dict[str, Any]) -> None:
        if dist.is_available() and dist.is_initialized():
            # The other workers are done (they return once training ends); nothing here needs them.
            dist.destroy_process_group()
            if self.evaluate_on_test and self._whole_test_set is not None:
                self.evaluation_data_loader = self._whole_test_set()
                self.evaluation_data_loader.index_with(self.model.vocab)
        super().finish(metrics)
        complete_card(self.serialization_dir)
