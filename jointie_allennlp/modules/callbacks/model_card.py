"""The `model_card` trainer callback: writes the model card when training ends (`jointie_allennlp.model_card`)."""
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

from allennlp.models.archival import CONFIG_NAME
from allennlp.training.callbacks.callback import TrainerCallback

from jointie_allennlp import model_card

logger = logging.getLogger(__name__)


def learnt_types(trainer) -> Dict[str, List[str]]:
    """
    The types the trained model predicts (its vocabulary), with the symmetric relation types of the
    training data's reader (its type inventory, see `DocumentReader`).
    """
    types = trainer.model.extraction_types() if hasattr(trainer.model, "extraction_types") else {}
    relations = types.get("relation_types", [])
    inventory = getattr(getattr(trainer.data_loader, "reader", None), "types", None)
    symmetric = sorted(inventory.symmetric_relation_types & set(relations)) if inventory is not None else []
    return {"entities": types.get("entity_types", []), "relations": relations, "symmetric": symmetric}


@TrainerCallback.register("model_card")
class ModelCardCallback(TrainerCallback):
    """
    When training ends, writes `model_card.json` and `README.md` into the serialization directory
    (list them in the config's `include_in_archive` to have them in `model.tar.gz`). The test
    metrics do not exist yet then: `jointie_allennlp.model_card.complete_card` adds them from
    `metrics.json` (the `whole_test_set` train loop calls it after the test evaluation).

    # Parameters

    serialization_dir : `str`
        Given by the trainer.
    """

    def on_end(
        self,
        trainer,
        metrics: Optional[Dict[str, Any]] = None,
        epoch: Optional[int] = None,
        is_primary: bool = True,
        **kwargs,
    ) -> None:
        if not is_primary or metrics is None:  # a failed run gets no card
            return
        directory = Path(self.serialization_dir)
        config = json.loads((directory / CONFIG_NAME).read_text(encoding="utf-8"))
        card = model_card.build_card(config, learnt_types(trainer), metrics)
        model_card.write_card(directory, card)
        logger.info("model card written to %s", directory / model_card.CARD_FILE)
