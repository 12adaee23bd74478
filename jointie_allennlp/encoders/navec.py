"""
Russian `navec` word vectors (shipped inside the PyPI package `natasha`) as a GloVe-format text
file, the form `WORD_VECTORS` takes (deeper task-specificity's word embeddings).
"""
import re
import tarfile
from pathlib import Path
from typing import Dict, Iterable, Optional

from jointie_allennlp.encoders import EncoderBuildError, package_file

NATASHA_FILE = "data/emb/navec_news_v1_1B_250K_300d_100q.tar"


def installed_vectors_file() -> Path:
    """The navec archive inside the installed `natasha` package."""
    return package_file("natasha", NATASHA_FILE)


def corpus_words(texts: Iterable[str]) -> set:
    """Lower-cased word tokens (razdel) of `texts`, as the deeper task-specificity reader indexes them."""
    from razdel import tokenize

    return {token.text.lower() for text in texts for token in tokenize(text)}


def write_glove_file(destination, vectors_file: Optional[str] = None, words: Optional[set] = None) -> Dict[str, object]:
    """Write `word v1 ... v300` lines: every navec word, or only those in `words`."""
    import numpy
    from navec import Navec


    path = Path(vectors_file) if vectors_file else installed_vectors_file()
    if not tarfile.is_tarfile(path):
        raise EncoderBuildError(f"{path}: not a navec archive")
    navec = Navec.load(str(path))
    matrix = navec.pq.unpack()
    vocabulary = navec.vocab.words
    keep = [i for i, word in enumerate(vocabulary) if words is None or word in words]
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    whitespace = re.compile(r"\s")
    written = 0
    with destination.open("w", encoding="utf-8") as handle:
        for index in keep:
            word = vocabulary[index]
            if whitespace.search(word) or word in ("<pad>", "<unk>"):
                continue
            handle.write(word + " " + " ".join(f"{value:.5f}" for value in numpy.asarray(matrix[index])) + "\n")
            written += 1
    covered = len(words & set(vocabulary)) if words is not None else None
    return {"words": written, "dimension": int(matrix.shape[1]), "corpus_words": len(words) if words else None,
            "corpus_words_covered": covered, "file": str(destination), "vectors_file": str(path)}
