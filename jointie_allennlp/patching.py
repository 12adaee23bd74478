"""What the runtime patches of allennlp share: installed versions, the patch marker, post-import hooks."""
from typing import Any, Callable

from packaging.version import Version

# Marker attribute set on every function a fix installs, so that each fix is idempotent even if
# its module is reloaded.
MARKER = "_jointie_compat_patched"


def when_imported(module: str, action: Callable[[Any], Any]) -> None:
    """
    Calls `action(module_object)` once `module` is imported: at once when it already is, else
    right after its import (wrapt's post-import hooks).
    """
    import wrapt

    wrapt.register_post_import_hook(action, module)


def torch_version() -> Version:
    import torch

    return Version(Version(torch.__version__).base_version)


def transformers_version() -> Version:
    import transformers

    return Version(Version(transformers.__version__).base_version)
