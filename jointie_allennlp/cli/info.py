"""`jointie info`: the model card of a trained model (`jointie_allennlp.model_card`)."""
import argparse
import json
import sys

from jointie_allennlp.model_card import CardError, card_text, read_card

NAME = "info"
HELP = "show the model card of a model.tar.gz or a serialization directory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="ARCHIVE_OR_DIR", help="a model.tar.gz or a serialization directory")
    parser.add_argument("--json", action="store_true", help="print model_card.json instead of the text")


def run(args: argparse.Namespace) -> int:
    try:
        card = read_card(args.model)
    except CardError as error:
        print(f"jointie info: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(card, indent=2, ensure_ascii=False))
    else:
        print(card_text(card), end="")
    return 0
