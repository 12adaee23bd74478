"""Mixed-precision (bf16 autocast) training: the `bf16_training` option of every model, resolved."""
import logging
from typing import Union

from jointie_allennlp.precision import cpu

logger = logging.getLogger(__name__)

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def bf16_training_enabled(setting: Union[bool, str, None]) -> bool:
    """
    Whether a model trains under bf16 autocast: `True`/`"1"` always (autocast runs on any CPU,
    slower without bf16 instructions), `False`/`"0"`/`""` never, `"auto"` where the CPU has native
    bf16 instructions (`cpu.has_native_bf16`). Anything else raises `ValueError` naming the option.
    """
    if isinstance(setting, bool) or setting is None:
        return bool(setting)
    value = str(setting).strip().lower()
    if value == "auto":
        enabled = cpu.has_native_bf16()
        logger.info("bf16_training auto: %s", "on (native bf16)" if enabled else "off (no native bf16 instructions)")
        return enabled
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"bf16_training (BF16_TRAINING) must be auto, 1 or 0; got {setting!r}")
