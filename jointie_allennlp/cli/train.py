"""`jointie train`: an approach on your own data with nothing but paths (`jointie_allennlp.own_data`)."""
import argparse
import sys

from allennlp.common.checks import ConfigurationError

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.model_card import card_text, read_card
from jointie_allennlp.own_data import APPROACHES, OwnDataError, OwnDataRun, parse_overrides, train

NAME = "train"
HELP = "train an approach on your own data (brat, SpERT JSON, JSON lines) and write a model card"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("approach", choices=sorted(APPROACHES), help="the approach (its generic config)")
    parser.add_argument(
        "--train", required=True, metavar="PATH", help="training data: a brat directory, .json or .jsonl"
    )
    parser.add_argument("--dev", metavar="PATH", help="development data (picks the epoch; without: the last)")
    parser.add_argument("--test", metavar="PATH", help="test data, scored once after training")
    parser.add_argument("-s", "--serialization-dir", required=True, metavar="OUT", help="where the run is written")
    parser.add_argument("--encoder", metavar="NAME_OR_PATH", help="Hugging Face name or path (default: the config's)")
    parser.add_argument("--epochs", type=int, metavar="N", help="training epochs (default: the approach's)")
    parser.add_argument("--batch-size", type=int, metavar="N", help="training batch size (default: the approach's)")
    parser.add_argument(
        "--types", metavar="FILE", help="SpERT *_types.json of the types to learn (default: those of the training data)"
    )
    parser.add_argument(
        "-o", "--overrides", metavar="JSON", help="allennlp config overrides, e.g. '{\"trainer.grad_norm\": 5}'"
    )
    parser.add_argument(
        "--bf16-training", choices=("auto", "1", "0"),
        help="bf16 autocast in training (BF16_TRAINING): 1 always, 0 never, auto where the CPU has native bf16 "
             "instructions (default: the config's float32)",
    )
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument("--recover", action="store_true", help="continue the run in OUT")
    existing.add_argument("--force", action="store_true", help="replace the run in OUT")


def run(args: argparse.Namespace) -> int:
    try:
        own = OwnDataRun(
            approach=args.approach,
            train=args.train,
            dev=args.dev,
            test=args.test,
            serialization_dir=args.serialization_dir,
            encoder=args.encoder,
            epochs=args.epochs,
            batch_size=args.batch_size,
            types=args.types,
            overrides=parse_overrides(args.overrides),
            recover=args.recover,
            force=args.force,
            bf16_training=args.bf16_training,
        )
        archive = train(own)
    except (OwnDataError, FormatError, ConfigurationError) as error:
        print(f"jointie train: error: {error}", file=sys.stderr)
        return 2
    print(card_text(read_card(archive)))
    print(f"model: {archive}")
    return 0
