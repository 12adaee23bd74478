"""
Split a brat directory into train/ and dev/ by document (parts of one document stay together):

    jointie split-brat SRC OUT --dev-fraction 0.3 --seed 13

OUT must be new or empty (`--overwrite` replaces it whole) and appears only when complete. A
document whose files are links to nothing is left out of both splits and reported (`skipped`).
"""
import argparse
import sys

from jointie_allennlp.cli.common import OVERWRITE_HELP, print_json

NAME = "split-brat"
HELP = "split a brat directory into train/ and dev/ by document"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="a brat directory")
    parser.add_argument("destination", help="gets train/ and dev/ (keep it outside the repository)")
    parser.add_argument("--dev-fraction", type=float, default=0.3, help="share of the documents in dev/")
    parser.add_argument("--seed", type=int, default=13, help="seed of the shuffle")
    parser.add_argument("--group-pattern", default=r"_part_\d+$", help="removed from stems to group files")
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp.data.split import split_brat_directory

    splits = split_brat_directory(args.source, args.destination, args.dev_fraction, args.seed, args.group_pattern,
                                  overwrite=args.overwrite)
    for reason in splits["skipped"]:
        print(f"skipped {reason}", file=sys.stderr)
    print_json({"train": len(splits["train"]), "dev": len(splits["dev"]), "skipped": splits["skipped"],
                "destination": args.destination})
    return 0
