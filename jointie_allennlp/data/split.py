"""Train/dev split of a brat directory by document, with a fixed seed (RuREBus: 70/30 text-wise)."""
import random
import re
import shutil
from pathlib import Path
from typing import Dict, List, Union

from jointie_allennlp.data.errors import FormatError

PART_SUFFIX = r"_part_\d+$"


def split_brat_directory(
    source: Union[str, Path],
    destination: Union[str, Path],
    dev_fraction: float = 0.3,
    seed: int = 13,
    group_pattern: str = PART_SUFFIX,
) -> Dict[str, List[str]]:
    """
    Copies the brat documents (`.txt` with its `.ann`, if any) of `source` into `destination/train`
    and `destination/dev`, and lists their `.txt` paths in `destination/{train,dev}_files.txt`.
    Documents are grouped by their stem with `group_pattern` removed (RuREBus
    `<report>_part_<n>` files of one report stay together; `""` = every file is its own document);
    the sorted groups are shuffled with `random.Random(seed)` and the first `round(dev_fraction * groups)`
    go to dev. Returns the stems per split.

    # Parameters

    source, destination : brat directory to split; where `train/` and `dev/` are written (a new
        or empty folder: a non-empty one is refused).
    dev_fraction : `float` share of the documents (groups) for dev, in (0, 1).
    seed : `int` the shuffle seed; the same seed and files give the same split.
    group_pattern : `str` regular expression removed from stems to name a document's group.
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
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise FormatError(
            "the destination is not an empty folder: give a new or empty one, so splits of "
            "different runs never mix",
            path=str(destination),
        )
    stems = sorted(p.stem for p in source.glob("*.txt"))
    if not stems:
        raise FormatError("no .txt files", path=str(source))
    groups: Dict[str, List[str]] = {}
    for stem in stems:
        groups.setdefault(pattern.sub("", stem) if group_pattern else stem, []).append(stem)
    names = sorted(groups)
    random.Random(seed).shuffle(names)
    dev_count = min(max(1, round(dev_fraction * len(names))), len(names) - 1) if len(names) > 1 else 0
    splits = {"dev": sorted(s for n in names[:dev_count] for s in groups[n]),
              "train": sorted(s for n in names[dev_count:] for s in groups[n])}
    for split, split_stems in splits.items():
        directory = destination / split
        directory.mkdir(parents=True, exist_ok=True)
        for stem in split_stems:
            for suffix in (".txt", ".ann"):
                if (source / f"{stem}{suffix}").exists():
                    shutil.copyfile(source / f"{stem}{suffix}", directory / f"{stem}{suffix}")
        # one `.txt` path a line: input for `allennlp predict ... --predictor pipeline`
        (destination / f"{split}_files.txt").write_text(
            "".join(f"{(directory / stem).resolve()}.txt\n" for stem in split_stems), encoding="utf-8"
        )
    return splits
