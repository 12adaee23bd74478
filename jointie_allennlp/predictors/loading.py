"""
Loading a model archive and its predictor for prediction, with user mistakes reported as
`FormatError`s naming the option or path instead of tracebacks: a path that is not an archive,
`--predictor-args` that are not a JSON object or name an argument the predictor does not take,
an unknown `--predictor`.
"""
import gzip
import inspect
import json
import tarfile
import zlib
from pathlib import Path
from typing import Any, Dict, Optional, Type, Union

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.json_text import object_option


def check_archive(path: str) -> None:
    """
    Raises `FormatError` naming `path` unless it is a model archive: a tar file (`model.tar.gz`),
    or a directory holding an archive's `config.json`.
    """
    archive = Path(path)
    if not archive.exists():
        raise FormatError("no such model archive", path=str(path))
    if archive.is_dir():
        if not (archive / "config.json").is_file():
            raise FormatError("not a model archive: a directory needs the config.json of a training run",
                              path=str(path))
        return
    try:
        is_tar = tarfile.is_tarfile(archive)
    except OSError as error:
        raise FormatError(f"cannot read the archive: {error.strerror or error}", path=str(path)) from None
    if not is_tar:
        raise FormatError("not a model archive (the model.tar.gz a training run writes, or its directory)",
                          path=str(path))


def parse_predictor_args(text: Optional[str], option: str = "--predictor-args") -> Dict[str, Any]:
    """The JSON object of `text` (empty: `{}`); `FormatError` naming `option` otherwise (`object_option`)."""
    return object_option(text, option, "argument names and values")


def predictor_parameters(predictor_class: Type) -> Optional[Dict[str, inspect.Parameter]]:
    """The arguments a predictor class takes besides the model and reader (`None`: it takes any keyword)."""
    init = next(cls.__dict__["__init__"] for cls in predictor_class.__mro__ if "__init__" in cls.__dict__)
    parameters = inspect.signature(init).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return None
    return {
        name: parameter for name, parameter in parameters.items()
        if name not in ("self", "model", "dataset_reader") and parameter.kind is not inspect.Parameter.VAR_POSITIONAL
    }


def check_predictor_args(predictor_class: Type, arguments: Dict[str, Any], option: str = "--predictor-args") -> None:
    """`FormatError` naming `option` and the key when `arguments` name something the predictor does not take."""
    known = predictor_parameters(predictor_class)
    if known is None:
        return
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise FormatError(
            f"{option}: {predictor_class.__name__} takes no argument {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(sorted(known)) or 'none'}"
        )


def predictor_class(name: Optional[str], model_type: Optional[str] = None, option: str = "--predictor") -> Type:
    """The registered predictor `name`, else the default predictor of the model type; `FormatError` naming `option`."""
    from allennlp.common.checks import ConfigurationError
    from allennlp.models import Model
    from allennlp.predictors import Predictor

    try:
        if name is None:
            model_class, _ = Model.resolve_class_name(model_type)
            name = model_class.default_predictor
            if name is None:
                raise FormatError(f"{option}: the model {model_type!r} names no default predictor; give one")
        return Predictor.resolve_class_name(name)[0]
    except ConfigurationError as error:
        raise FormatError(f"{option}: {error}") from None


def archive_model_type(archive_file: str) -> Optional[str]:
    """
    The `model.type` of an archive's `config.json`, read without loading the model (the config
    comes first in an archive); `None` when it cannot be read so.
    """
    path = Path(archive_file)
    try:
        if path.is_dir():
            text = (path / "config.json").read_text(encoding="utf-8")
        else:
            with tarfile.open(path) as archive:
                member = next((m for m in archive if m.name.lstrip("./") == "config.json"), None)
                handle = archive.extractfile(member) if member is not None else None
                if handle is None:
                    return None
                text = handle.read().decode("utf-8")
        model_type = json.loads(text)["model"]["type"]
    except (OSError, tarfile.TarError, EOFError, zlib.error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    return model_type if isinstance(model_type, str) else None


def check_predictor(
    archive_file: str, predictor: Optional[str] = None, predictor_args: Optional[Dict[str, Any]] = None
) -> None:
    """
    Everything `load_predictor` checks before loading the model, without loading it (for a
    process that hands the loading to others, such as Ray workers): the archive
    (`check_archive`), the predictor's name and its arguments. Raises `FormatError`.
    """
    predictor_args = {} if predictor_args is None else predictor_args
    if not isinstance(predictor_args, dict):
        raise FormatError(f"--predictor-args: expected a JSON object, got {json.dumps(predictor_args)}")
    check_archive(archive_file)
    model_type = archive_model_type(archive_file) if predictor is None else None
    if predictor is not None or model_type is not None:
        check_predictor_args(predictor_class(predictor, model_type), predictor_args)


def load_checked_archive(
    archive_file: str,
    weights_file: Optional[str] = None,
    cuda_device: int = -1,
    overrides: Union[str, Dict[str, Any], None] = None,
):
    """
    allennlp's `load_archive` with the checks of this module first (`check_archive`, the GPU of
    `cuda_device`); an archive that is damaged (a cut or corrupt tar) or whose configuration cannot
    be used is a `FormatError` naming it.
    """
    from allennlp.common.checks import ConfigurationError, check_for_gpu

    from jointie_allennlp.archives import load_archive  # extracted once, reused while unchanged

    check_archive(archive_file)
    try:
        check_for_gpu(cuda_device)
    except ConfigurationError as error:
        raise FormatError(f"--cuda-device {cuda_device}: {error}") from None
    try:
        return load_archive(archive_file, weights_file=weights_file, cuda_device=cuda_device,
                            overrides=overrides or "")
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise FormatError(f"not a readable model archive ({type(error).__name__}: {error})",
                          path=archive_file) from None
    except ConfigurationError as error:
        raise FormatError(f"the archive's configuration cannot be used: {error}", path=archive_file) from None


def load_predictor(
    archive_file: str,
    predictor: Optional[str] = None,
    predictor_args: Optional[Dict[str, Any]] = None,
    weights_file: Optional[str] = None,
    cuda_device: int = -1,
    overrides: Union[str, Dict[str, Any], None] = None,
    precision: str = "auto",
    int8_drift_check: Union[bool, str] = False,
    max_f1_drift: float = 0.005,
):
    """
    The predictor of an archive, as `jointie predict`, `predict-ray`, the server and
    `jointie_allennlp.load` use it: the model's default predictor unless `predictor` names another.
    The request is checked before loading (`check_predictor`), the archive loaded by
    `load_checked_archive` (extracted once and reused while unchanged), the predictor's arguments
    checked again against the model loaded. Every user mistake is a `FormatError` naming the path or
    option, and so is a predictor that is not one of this package (a `JointExtractionPredictor`).
    The model predicts in the precision `jointie_allennlp.precision.resolve_precision` chooses for
    this CPU; the choice (a `PrecisionChoice`) is logged once and kept as `predictor.precision`.

    # Parameters

    archive_file : `str` a `model.tar.gz` or its directory.
    predictor : `str`, optional a registered predictor (`joint_extraction`, `marked_entity`, `pipeline`).
    predictor_args : `Dict`, optional arguments of the predictor (`batch_size`, `tokenizer`, ...).
    weights_file : `str`, optional weights to use instead of the archive's.
    cuda_device : `int`, optional (default = `-1`, the CPU).
    overrides : `str` or `Dict`, optional overrides of the archive's config.
    precision : `str`, optional (default = `"auto"`) `auto` (bf16 where the CPU has native bf16
        instructions, else fp32), `fp32`, `bf16` or `int8` (see `jointie_allennlp.precision`).
    int8_drift_check : `bool` or `str`, optional (default = `False`) with `auto`, try int8 on the
        archive's own dev data (`True`: its config's `validation_data_path`) or on this file, and
        keep it when its NER and strict relation F1 move by at most `max_f1_drift`.
    max_f1_drift : `float`, optional (default = `0.005`) the bound of the drift check.
    """
    import logging

    from allennlp.predictors import Predictor

    from jointie_allennlp.precision import apply_precision

    check_precision_options(precision, int8_drift_check, max_f1_drift)
    check_predictor(archive_file, predictor, predictor_args)
    predictor_args = predictor_args or {}
    archive = load_checked_archive(archive_file, weights_file, cuda_device, overrides)
    chosen = predictor_class(predictor, archive.config.get("model").get("type"))
    check_predictor_args(chosen, predictor_args)
    from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor

    result = Predictor.from_archive(archive, predictor, extra_args=predictor_args)
    if not isinstance(result, JointExtractionPredictor):
        raise FormatError(f"--predictor: {type(result).__name__} is not a predictor of jointie_allennlp")
    choice = choose_precision(archive, precision, int8_drift_check, max_f1_drift)
    apply_precision(archive.model, choice.precision)
    logging.getLogger(__name__).info("%s: %s", archive_file, choice.summary())
    result.precision = choice
    return result


def check_precision_options(precision: str = "auto", int8_drift_check: Union[bool, str] = False,
                            max_f1_drift: float = 0.005) -> None:
    """
    `FormatError` naming the option when the precision options do not fit together: an unknown
    `--precision`, `--int8-drift-check` with anything but `auto`, a negative `--max-f1-drift`.
    """
    from jointie_allennlp.precision import check_precision

    try:
        check_precision(precision)
    except ValueError as error:
        raise FormatError(f"--precision: {error}") from None
    if int8_drift_check not in (False, None) and precision != "auto":
        raise FormatError(f"--int8-drift-check: applies only to --precision auto (got --precision {precision})")
    if not max_f1_drift >= 0:
        raise FormatError(f"--max-f1-drift: must be 0 or more; got {max_f1_drift}")


def choose_precision(archive, precision: str = "auto", int8_drift_check: Union[bool, str] = False,
                     max_f1_drift: float = 0.005):
    """
    The `PrecisionChoice` for the model of a loaded `archive` (`resolve_precision`), its int8 drift
    check (with `auto`) on the archive's dev data (`int8_drift_check=True`) or on the file named.
    The model is left as it is; `apply_precision` sets the choice.
    """
    from jointie_allennlp.precision import resolve_precision

    check_precision_options(precision, int8_drift_check, max_f1_drift)
    drift_instances = _drift_instances(archive, int8_drift_check) if precision == "auto" else None
    return resolve_precision(precision, archive.model, drift_instances=drift_instances, max_f1_drift=max_f1_drift)


def _drift_instances(archive, check: Union[bool, str]) -> Optional[list]:
    """The instances of the int8 drift check: none without a check, else the dev data (or the file given)."""
    if check is False or check is None:
        return None
    path = check if isinstance(check, str) else archive.config.get("validation_data_path", None)
    if not path:
        raise FormatError("--int8-drift-check: the archive's config names no validation_data_path; give a file")
    try:
        instances = list(archive.validation_dataset_reader.read(path))
    except (OSError, FormatError) as error:
        raise FormatError(f"--int8-drift-check: cannot read {path}: {error}") from None
    if not instances:
        raise FormatError(f"--int8-drift-check: {path} has no instances")
    return instances
