"""
Training an approach on your own data with nothing but paths (what `jointie train` runs).

`train(OwnDataRun(...))` checks the data (each path must exist and hold annotated documents),
takes the types from the training data (or a SpERT `*_types.json`), resolves the approach's
generic config (`training_configs/<approach>/generic.jsonnet`) with the paths, the encoder, the
epochs and the types, and trains with allennlp's `train_model`. The resolved config lands in
`<serialization_dir>/config.json` (absolute paths, the types inline), so
`allennlp train <serialization_dir>/config.json -s OTHER --include-package jointie_allennlp`
runs it again. The model card (`jointie_allennlp.model_card`) is written at the end.
"""
import itertools
import json
import logging
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional

from jointie_allennlp.data.formats.json_text import object_option
from jointie_allennlp.data.formats.spert_json import TypeInventory, read_types
from jointie_allennlp.data.types import TypeCollector, inventory_to_dict
from jointie_allennlp.data.tokenization import is_cyrillic
from jointie_allennlp.dataset_readers.document_reader import read_documents
from jointie_allennlp.encoders.build import DEFAULT_RU_ENCODER
from jointie_allennlp.encoders.offline import BUILT_PREFIX, DEFAULT_ENCODER

logger = logging.getLogger(__name__)

# approach name -> its directory under training_configs/ (which holds generic.jsonnet)
APPROACHES = {
    "spert": "spert",
    "spert_mt": "spert_mt",
    "biaffine": "biaffine",
    "biaffine_joint": "biaffine",
    "deeper_task_specificity": "deeper_task_specificity",
}
CONFIG_DIRECTORY = Path(__file__).resolve().parent.parent / "training_configs"
#: the encoder to give for Russian text (the Russian configs' default, `make encoder-ru`)
RUSSIAN_ENCODER = BUILT_PREFIX + Path(DEFAULT_RU_ENCODER).name
#: how many training documents `encoder_advice` reads to tell the script
SCRIPT_SAMPLE = 50


class OwnDataError(ValueError):
    """A mistake in what `jointie train` was given; the message names the option and the path."""


@dataclass
class OwnDataRun:
    """
    What to train, on which data, where to.

    # Parameters

    approach : `str` a key of `APPROACHES`.
    train : `str` the training data: a brat directory, a SpERT JSON file, a JSON lines file.
    serialization_dir : `str` where allennlp writes the run (`config.json`, `model.tar.gz`, the card).
    dev, test : `str`, optional development data (model selection; none: the last epoch is kept)
        and test data (scored once at the end).
    encoder : `str`, optional a Hugging Face name or path (the config's default otherwise).
    epochs, batch_size : `int`, optional (the config's defaults otherwise).
    types : `str`, optional a SpERT `*_types.json`; by default the types of the training data.
    overrides : `Dict[str, Any]`, optional allennlp config overrides (`-o`), applied last.
    recover, force : `bool` continue a run in `serialization_dir` / replace it.
    bf16_training : `str`, optional `auto`, `1` or `0`: the config's `BF16_TRAINING` (bf16 autocast
        in training; `auto` where the CPU has native bf16 instructions). None: the config's float32.
    """

    approach: str
    train: str
    serialization_dir: str
    dev: Optional[str] = None
    test: Optional[str] = None
    encoder: Optional[str] = None
    epochs: Optional[int] = None
    batch_size: Optional[int] = None
    types: Optional[str] = None
    overrides: Dict[str, Any] = field(default_factory=dict)
    recover: bool = False
    force: bool = False
    bf16_training: Optional[str] = None

    def command(self) -> str:
        """The `jointie train` command line of this run."""
        words = ["jointie", "train", self.approach, "--train", self.train]
        for option, value in (
            ("--dev", self.dev), ("--test", self.test), ("-s", self.serialization_dir),
            ("--encoder", self.encoder), ("--epochs", self.epochs), ("--batch-size", self.batch_size),
            ("--types", self.types), ("--bf16-training", self.bf16_training),
        ):
            if value is not None:
                words += [option, str(value)]
        if self.overrides:
            words += ["-o", json.dumps(self.overrides, ensure_ascii=False)]
        words += ["--recover"] if self.recover else ["--force"] if self.force else []
        return shlex.join(words)


def generic_config(approach: str) -> Path:
    """`training_configs/<approach>/generic.jsonnet`; `OwnDataError` for an unknown approach."""
    if approach not in APPROACHES:
        raise OwnDataError(f"unknown approach {approach!r}; choose one of {', '.join(sorted(APPROACHES))}")
    path = CONFIG_DIRECTORY / APPROACHES[approach] / "generic.jsonnet"
    if not path.is_file():
        raise OwnDataError(f"{path}: the generic config is missing (training_configs/ ships with the source tree)")
    return path


def check_data(path: str, option: str, tokenizer: str = "razdel") -> TypeInventory:
    """
    The types of the data at `path` (given as `option`); `OwnDataError` naming both when it does
    not exist, holds no text, or has no entity annotation. Malformed files raise `FormatError`.
    """
    if not Path(path).exists():
        raise OwnDataError(f"{option} {path}: no such file or directory")
    collector = TypeCollector()
    documents = tokens = 0
    for document in read_documents(path, tokenizer):
        documents += 1
        tokens += len(document.tokens)
        collector.add(document)
    if not tokens:
        found = f"{documents} documents without any text" if documents else "no documents"
        raise OwnDataError(f"{option} {path}: empty ({found}); expected a brat directory, SpERT JSON or JSON lines")
    inventory = collector.inventory()
    if not inventory.entity_types:
        raise OwnDataError(
            f"{option} {path}: no entity annotations in {documents} documents; training and scoring need "
            "annotated data (brat T lines, SpERT JSON 'entities')"
        )
    return inventory


def resolve_config(run: OwnDataRun, types: Optional[TypeInventory] = None):
    """The approach's generic config resolved for `run` (allennlp `Params`), with `types` inline in the reader."""
    from allennlp.common import Params

    absolute = {name: str(Path(value).resolve()) if value else "" for name, value in (
        ("TRAIN_DATA_PATH", run.train), ("VALIDATION_DATA_PATH", run.dev), ("TEST_DATA_PATH", run.test),
    )}
    ext_vars = {**absolute, "TYPES_FILE": ""}
    if run.encoder:
        ext_vars["TRANSFORMER_MODEL"] = str(Path(run.encoder).resolve()) if Path(run.encoder).exists() else run.encoder
    if run.epochs is not None:
        ext_vars["NUM_EPOCHS"] = str(run.epochs)
    if run.batch_size is not None:
        ext_vars["BATCH_SIZE"] = str(run.batch_size)
    if run.bf16_training is not None:
        ext_vars["BF16_TRAINING"] = run.bf16_training
    overrides = dict(run.overrides)
    if types is not None:
        overrides = {"dataset_reader.types": inventory_to_dict(types), **overrides}
    return Params.from_file(str(generic_config(run.approach)), params_overrides=overrides, ext_vars=ext_vars)


def training_types(run: OwnDataRun, tokenizer: str) -> TypeInventory:
    """Checks every data path of `run`; the types to learn: `run.types`' file, else the training data's."""
    inventory = check_data(run.train, "--train", tokenizer)
    for option, path in (("--dev", run.dev), ("--test", run.test)):
        if path:
            check_data(path, option, tokenizer)
    if run.types:
        if not Path(run.types).is_file():
            raise OwnDataError(f"--types {run.types}: no such file")
        return read_types(run.types)
    return inventory


def check_output(run: OwnDataRun) -> None:
    """`OwnDataError` when the serialization directory holds a run and neither `recover` nor `force` is set."""
    directory = Path(run.serialization_dir)
    if run.recover and run.force:
        raise OwnDataError("--recover continues the run in -s, --force replaces it: give one of them")
    if directory.exists() and not directory.is_dir():
        raise OwnDataError(f"-s {directory}: exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not (run.recover or run.force):
        raise OwnDataError(
            f"-s {directory}: exists and is not empty; --recover continues its training, --force replaces it"
        )
    if run.recover and not (directory / "config.json").is_file():
        raise OwnDataError(f"-s {directory}: --recover needs a run there (no config.json)")


def encoder_advice(run: OwnDataRun, params, tokenizer: str) -> Optional[str]:
    """
    A warning when the training text is mostly Cyrillic (its first `SCRIPT_SAMPLE` documents) and
    the resolved config `params` trains the English default encoder, `--encoder` not given; else None.
    """
    if run.encoder or DEFAULT_ENCODER not in json.dumps(params.as_dict(quiet=True)):
        return None
    documents = itertools.islice(read_documents(run.train, tokenizer), SCRIPT_SAMPLE)
    if not is_cyrillic(" ".join(document.text for document in documents)):
        return None
    return (f"--train {run.train}: the text is Cyrillic, and the encoder is the English {DEFAULT_ENCODER}; "
            f"give --encoder a multilingual one, e.g. `make encoder-ru` and --encoder {RUSSIAN_ENCODER}")


def train(run: OwnDataRun) -> Path:
    """Trains `run`; returns the path of its `model.tar.gz` (beside `model_card.json` and `README.md`)."""
    from allennlp.commands.train import train_model

    from jointie_allennlp import model_card

    check_output(run)
    tokenizer = resolve_config(run)["dataset_reader"].get("tokenizer", "razdel")
    types = training_types(run, tokenizer)
    params = resolve_config(run, types)
    if "types_path" in params["dataset_reader"]:
        raise OwnDataError("-o: name a types file with --types FILE, not dataset_reader.types_path")
    advice = encoder_advice(run, params, tokenizer)
    if advice:
        logger.warning(advice)
    directory = Path(run.serialization_dir)
    with model_card.recording_command(run.command()):
        train_model(
            params, serialization_dir=str(directory), recover=run.recover, force=run.force,
            include_package=["jointie_allennlp"],
        )
    archive = directory / model_card.ARCHIVE_FILE
    if model_card.complete_card(directory) and archive.is_file():
        model_card.put_card_in_archive(directory)
    return archive


def parse_overrides(text: Optional[str]) -> Dict[str, Any]:
    """`-o` JSON as a dict (`object_option`); `OwnDataError` for anything else."""
    return object_option(text, "-o", 'config overrides, e.g. {"trainer.num_epochs": 3}', OwnDataError)

