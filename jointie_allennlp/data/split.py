"""Train/dev split of a brat directory by document, with a fixed seed (RuREBus: 70/30 text-wise)."""
import errno
import os
import random
import re
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Union

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import ANNOTATION_CONF
from jointie_allennlp.data.output import check_output, output_directory

PART_SUFFIX = r"_part_\d+$"


def _unusable(source: Path, stem: str) -> Optional[str]:
    """Why the document `stem` of `source` cannot be copied (a `.txt` or `.ann` link to nothing), if so."""
    for suffix in (".txt", ".ann"):
        path = source / f"{stem}{suffix}"
        if path.is_symlink() and not path.is_file():
            try:
                os.stat(path)
                kind = "not a file"
            except OSError as error:
                kind = "a link that loops" if error.errno == errno.ELOOP else "a link to nothing"
            return f"{path.name} is {kind}"
    return None


def split_brat_directory(
    source: Union[str, Path],
    destination: Union[str, Path],
    dev_fraction: float = 0.3,
    seed: int = 13,
    group_pattern: str = PART_SUFFIX,
    overwrite: bool = False,
) -> Dict[str, List[str]]:
    """
    Copies the brat documents (`.txt` with its `.ann`, if any) of `source` into `destination/train`
    and `destination/dev` (with the folder's `annotation.conf`, if it has one), and lists their
    `.txt` paths in `destination/{train,dev}_files.txt`. Documents are grouped by their stem with
    `group_pattern` removed (RuREBus `<report>_part_<n>` files of one report stay together; `""` =
    every file is its own document);
    the sorted groups are shuffled with `random.Random(seed)` and the first `round(dev_fraction * groups)`
    go to dev. A document whose `.txt` or `.ann` is a link to nothing (or a loop of links) is
    left out of both splits and listed under `"skipped"`; a file name with a line break
    (which would not fit on one line of the lists) is refused before anything is written. The
    destination is built beside its place and appears only when complete
    (`jointie_allennlp.data.output.output_directory`).

    # Parameters

    source, destination : brat directory to split; where `train/` and `dev/` are written (a new
        or empty folder: a non-empty one is refused unless `overwrite`, which replaces it whole).
    dev_fraction : `float` share of the documents (groups) for dev, in (0, 1).
    seed : `int` the shuffle seed; the same seed and files give the same split.
    group_pattern : `str` regular expression removed from stems to name a document's group.
    overwrite : `bool` replace a non-empty destination.

    # Returns

    `{"train": [stems], "dev": [stems], "skipped": ["<file>: <reason>", ...]}`
    """
    source, destination = Path(source), Path(destination)
    if not 0 < dev_fraction < 1:
        raise FormatError(f"dev fraction must be in (0, 1), not {dev_fraction}")
    if not source.is_dir():
        raise FormatError("not a directory of brat files", path=str(source))
    try:
        pattern = re.compile(group_pattern)
    except re.error as error:
        raise FormatError(f"group pattern {group_pattern!r} is not a regular expression: {error}") from None
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())) and not overwrite:
        raise FormatError(
            "the destination is not an empty folder: give a new or empty one, so splits of "
            "different runs never mix (or --overwrite to replace it)",
            path=str(destination),
        )
    check_output(destination, (source,), overwrite, directory=True)
    stems, skipped = [], []
    for path in sorted(source.glob("*.txt")):
        if "\n" in path.name or "\r" in path.name:
            raise FormatError(
                f"the file name {path.name!r} has a line break, which cannot be one line of the "
                "train_files.txt / dev_files.txt lists; rename it. Nothing was written",
                path=str(source),
            )
        reason = _unusable(source, path.stem)
        if reason is None:
            stems.append(path.stem)
        else:
            skipped.append(reason)
    if not stems:
        raise FormatError("no .txt files" + (f" that can be read ({'; '.join(skipped)})" if skipped else ""),
                          path=str(source))
    groups: Dict[str, List[str]] = {}
    for stem in stems:
        groups.setdefault(pattern.sub("", stem) if group_pattern else stem, []).append(stem)
    names = sorted(groups)
    random.Random(seed).shuffle(names)
    dev_count = min(max(1, round(dev_fraction * len(names))), len(names) - 1) if len(names) > 1 else 0
    splits = {"dev": sorted(s for n in names[:dev_count] for s in groups[n]),
              "train": sorted(s for n in names[dev_count:] for s in groups[n])}
    final = destination.resolve()
    with output_directory(destination, (source,), overwrite=True) as building:
        for split, split_stems in splits.items():
            directory = building / split
            directory.mkdir()
            for stem in split_stems:
                for suffix in (".txt", ".ann"):
                    if (source / f"{stem}{suffix}").exists():
                        shutil.copyfile(source / f"{stem}{suffix}", directory / f"{stem}{suffix}")
            if (source / ANNOTATION_CONF).is_file():  # its symmetric relation types hold for both parts
                shutil.copyfile(source / ANNOTATION_CONF, directory / ANNOTATION_CONF)
            # one `.txt` path a line: input for `allennlp predict ... --predictor pipeline`
            (building / f"{split}_files.txt").write_text(
                "".join(f"{final / split / stem}.txt\n" for stem in split_stems), encoding="utf-8"
            )
    return {**splits, "skipped": skipped}
