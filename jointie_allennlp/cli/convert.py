"""
Convert between brat and SpERT JSON:

    jointie convert --from brat --to spert-json SRC DST

Prints, as its last line, one JSON object with the counts written, split, merged and skipped,
and `renamed` (`"<id> -> <file name>"`) for every document whose id is not a safe brat file name.
Malformed input ends it with exit status 2 and a message naming the file and line, before
anything is written. An existing DST is replaced only with `--overwrite`, and never by an input.
"""
import argparse

from jointie_allennlp.cli.common import OVERWRITE_HELP, add_tokenizer_argument, print_json, progress

NAME = "convert"
HELP = "convert between brat and SpERT JSON"
FORMATS = ("brat", "spert-json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="from_format", choices=FORMATS, required=True, help="the format of SRC")
    parser.add_argument("--to", dest="to_format", choices=FORMATS, required=True, help="the format of DST")
    add_tokenizer_argument(parser, "brat input")
    parser.add_argument("--types", help="SpERT *_types.json of SpERT input (default: found beside it)")
    parser.add_argument("source", help="a brat directory (or one .ann) or a SpERT JSON file")
    parser.add_argument("destination", help="the brat directory or SpERT JSON file to write")
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp.data.formats.convert import convert

    print_json(convert(args.source, args.destination, args.from_format, args.to_format, args.tokenizer, args.types,
                       progress=progress(args, unit="doc"), overwrite=args.overwrite))
    return 0
