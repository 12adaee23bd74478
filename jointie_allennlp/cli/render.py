"""
An HTML view of documents or predictions, errors marked against gold:

    jointie render PREDICTIONS.jsonl view.html [--gold GOLD] [--errors-only]
"""
import argparse
from pathlib import Path

from jointie_allennlp.cli.common import print_json, progress

NAME = "render"
HELP = "an HTML view of documents or predictions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="prediction JSON lines, brat directory, or SpERT JSON")
    parser.add_argument("destination", help="the .html file to write")
    parser.add_argument("--tokenizer", default="auto",
                        help="segmenter of brat and text input: auto (razdel for Cyrillic text, else spaCy "
                             "English), razdel, whitespace, spacy[:<lang>]")
    parser.add_argument("--gold", help="gold documents (brat, SpERT JSON, JSON lines) to mark errors against; "
                        "default: the predictions' gold_entities / gold_relations, when present")
    parser.add_argument("--min-score", type=float, help="leave out predictions scored below this")
    parser.add_argument("--errors-only", action="store_true", help="only documents with a spurious or missed item")


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp.data.errors import FormatError
    from jointie_allennlp.data.formats.any import gold_of, read_any
    from jointie_allennlp.data.html import render_html

    destination = Path(args.destination)
    if not destination.parent.is_dir():
        raise FormatError("the folder to write into does not exist", path=str(destination.parent))
    documents = list(progress(args, unit="doc")(read_any(args.source, args.tokenizer), "documents"))
    gold = gold_of(documents, args.gold, args.tokenizer)
    try:
        page = render_html(documents, Path(args.source).name, gold, args.min_score, args.errors_only)
    except ValueError as error:
        raise FormatError(str(error), path=args.gold or args.source)
    destination.write_text(page, encoding="utf-8")
    failed = sum(1 for d in documents if "error" in d.metadata)  # failed inputs are shown with their error
    print_json({"documents": len(documents), "failed_inputs": failed,
                "with_gold": sum(d.id in gold for d in documents) if gold else 0, "html": args.destination})
    return 0
