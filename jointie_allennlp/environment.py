"""
Defaults for the configs' external variables.

AllenNLP evaluates a jsonnet config with the process environment as its external variables
(`allennlp.common.params._environment_variables`), and jsonnet has no way to ask whether one is
set. `install()` therefore makes the variables that allennlp hands to jsonnet include each one
the shipped configs read, empty when it is not in the environment; the configs'
`extVarOr(name, default)` (training_configs/common.libsonnet) treats empty as "use the default".
The process environment itself is left alone.

An encoder given as a relative local path (`TRANSFORMER_MODEL=fixtures/tiny_bert`) is made
absolute as the config is evaluated (`absolute_encoder_paths`), so the archive's config names a
directory that loads from any working directory. The encoder's files are not copied into the
archive: the shipped encoders are hundreds of megabytes, an archive of each run would carry its
own copy, and `offline:` / `built:` names and Hugging Face names already make archives portable
between machines; an absolute path serves the runs of one machine, which is where local
encoder directories live.
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
    "BF16_TRAINING",
    "INIT_FROM_ARCHIVE",
    "BATCHING",
    "ADE_FOLD",
    "DISTRIBUTED_DEVICES",
    "MAIN_WITHOUT_RELATIONS",
    "NO_RELATION_WEIGHT",
    "RELATION_DIRECTIONS",
)

#: the variables that name an encoder (a Hugging Face name, `offline:` / `built:` name, or a path)
ENCODER_VARIABLES = ("TRANSFORMER_MODEL", "JOINTIE_RU_ENCODER")

_MARKER = "_jointie_config_defaults"


def default_data_dir(variables: Dict[str, str] = os.environ) -> str:
    """Where the configs' data sets live: `JOINTIE_DATA_DIR` when set, else `data/` when it exists
    (where `make data` puts them), else `../shared/data`; relative to the working directory."""
    if variables.get("JOINTIE_DATA_DIR"):
        return variables["JOINTIE_DATA_DIR"]
    return "data" if Path("data").is_dir() else "../shared/data"


def absolute_encoder_paths(variables: Dict[str, str]) -> Dict[str, str]:
    """`variables` with each encoder variable that is a relative path to an existing directory made absolute."""
    result = dict(variables)
    for name in ENCODER_VARIABLES:
        value = result.get(name) or ""
        if value and ":" not in value.split("/", 1)[0] and not Path(value).is_absolute() and Path(value).is_dir():
            result[name] = str(Path(value).resolve())
    return result


def with_config_defaults(variables: Dict[str, str]) -> Dict[str, str]:
    """`variables` with every config variable it lacks defined as empty, encoder paths absolute, and the
    data folder resolved (`default_data_dir`)."""
    return {
        **{name: "" for name in CONFIG_VARIABLES},
        **absolute_encoder_paths(variables),
        "JOINTIE_DATA_DIR": default_data_dir(variables),
    }


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
