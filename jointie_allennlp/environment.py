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
from typing import Dict

CONFIG_VARIABLES = (
    "TRANSFORMER_MODEL",
    "TRAIN_DATA_PATH",
    "VALIDATION_DATA_PATH",
    "TEST_DATA_PATH",
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
    "BF16_TRAINING",
    "INIT_FROM_ARCHIVE",
    "BATCHING",
    "ADE_FOLD",
    "DISTRIBUTED_DEVICES",
    "MAIN_WITHOUT_RELATIONS",
    "NO_RELATION_WEIGHT",
)

_MARKER = "_jointie_config_defaults"


def with_config_defaults(variables: Dict[str, str]) -> Dict[str, str]:
    """`variables` with every config variable it lacks defined as empty."""
    return {**{name: "" for name in CONFIG_VARIABLES}, **variables}


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
