"""
Defaults for the configs' external variables.

AllenNLP evaluates a jsonnet config with the process environment as its external variables
(`allennlp.common.params._environment_variables`), and jsonnet has no way to ask whether one is
set. `install()` therefore makes the variables that allennlp hands to jsonnet include each one
the shipped configs read, empty when it is not in the environment; the configs'
`extVarOr(name, default)` (training_configs/common.libsonnet) treats empty as "use the default".
The process environment itself is left alone.
"""
import functools
import os
from pathlib import Path
from typing import Dict

CONFIG_VARIABLES = (
    "TRANSFORMER_MODEL",
    "TRAIN_DATA_PATH",
    "VALIDATION_DATA_PATH",
    "TEST_DATA_PATH",
    "TYPES_FILE",
    "JOINTIE_DATA_DIR",
    "NUM_EPOCHS",
    "BATCH_SIZE",
    "MAX_INSTANCES",
    "CUDA_DEVICE",
    "SEED",
    "FINAL_RUN",
    "WORD_VECTORS",
    "JOINTIE_RU_ENCODER",
    "FREEZE_WORD_EMBEDDINGS",
    "ATTENTION_DROPOUT",
    "GRADIENT_CHECKPOINTING",
    "INIT_FROM_ARCHIVE",
    "BATCHING",
    "ADE_FOLD",
    "DISTRIBUTED_DEVICES",
    "MAIN_WITHOUT_RELATIONS",
    "NO_RELATION_WEIGHT",
)

_MARKER = "_jointie_config_defaults"


def default_data_dir(variables: Dict[str, str] = os.environ) -> str:
    """Where the configs' data sets live: `JOINTIE_DATA_DIR` when set, else `data/` when it exists
    (where `make data` puts them), else `../shared/data`; relative to the working directory."""
    if variables.get("JOINTIE_DATA_DIR"):
        return variables["JOINTIE_DATA_DIR"]
    return "data" if Path("data").is_dir() else "../shared/data"


def with_config_defaults(variables: Dict[str, str]) -> Dict[str, str]:
    """`variables` with every config variable it lacks defined as empty, and the data folder resolved."""
    return {**{name: "" for name in CONFIG_VARIABLES}, **variables, "JOINTIE_DATA_DIR": default_data_dir(variables)}


def install() -> None:
    """Makes allennlp evaluate configs with `with_config_defaults(environment)`. Idempotent."""
    from allennlp.common import params

    original = params._environment_variables
    if getattr(original, _MARKER, False):
        return

    @functools.wraps(original)
    def environment_variables() -> Dict[str, str]:
        return with_config_defaults(original())

    setattr(environment_variables, _MARKER, True)
    params._environment_variables = environment_variables
