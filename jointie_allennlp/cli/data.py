"""`jointie data`: fetches the public data sets into the data directory, checked against their SHA-256 sums."""
import argparse
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

from jointie_allennlp.data.download import DATASETS, DownloadError, default_data_dir, fetch

NAME = "data"
HELP = "fetch the public data sets (CoNLL04, SciERC, ADE, RuREBus) into JOINTIE_DATA_DIR or data/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("datasets", nargs="*", metavar="DATASET",
                        help=f"the data sets to fetch ({', '.join(DATASETS)}; default: all)")
    parser.add_argument("--directory", type=Path, default=None,
                        help="where to put them (default: JOINTIE_DATA_DIR when set, else data/)")
    parser.add_argument("--overwrite", action="store_true", help="replace files and folders that are already there")
    parser.add_argument("--mirror", default=None,
                        help="one base URL holding <data set>/<path> for every file instead of the authors' "
                             "locations (default: JOINTIE_DATA_MIRROR)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a server")


def _tqdm_progress(silent: bool) -> Callable:
    def progress(url: str, total: Optional[int]) -> Callable[[int], None]:
        if silent:
            return lambda size: None
        from tqdm import tqdm

        bar = tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1], leave=False, file=sys.stderr)

        def advance(size: int) -> None:
            bar.update(size)
            if total is not None and bar.n >= total:
                bar.close()

        return advance

    return progress


def run(args: argparse.Namespace) -> int:
    directory = args.directory if args.directory is not None else default_data_dir()
    names = args.datasets or list(DATASETS)
    try:
        outcomes = fetch(names, directory, args.overwrite, args.mirror, args.timeout,
                         _tqdm_progress(getattr(args, "silent", False)))
    except DownloadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # e.g. a data directory that cannot be written
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 2
    differing = []
    for results in outcomes.values():
        for outcome in results:
            what = f"{outcome.files} files" if outcome.files != 1 else "1 file"
            if outcome.status == "fetched":
                print(f"fetched {directory / outcome.target} ({what}, {outcome.size:,} bytes downloaded, "
                      "SHA-256 checked)")
            elif outcome.status == "present":
                checked = ", SHA-256 checked" if outcome.checked else ""
                print(f"kept {directory / outcome.target} (already there: {what}{checked})")
            else:
                differing.append(outcome.target)
                print(f"kept {directory / outcome.target}: it is not the published file (--overwrite replaces it)")
    print(f"the configs read this data with JOINTIE_DATA_DIR={directory.resolve()}")
    return 1 if differing else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog=f"jointie {NAME}", description=HELP,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--silent", action="store_true", help="no progress bars")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
