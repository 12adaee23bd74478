"""
Small commands around the data formats:

    python -m jointie_allennlp convert --from brat --to spert-json SRC DST
    python -m jointie_allennlp score GOLD PREDICTED
    python -m jointie_allennlp render PREDICTIONS.jsonl view.html
    python -m jointie_allennlp split-brat SRC OUT --dev-fraction 0.3 --seed 13

`convert` prints, as its last line, one JSON object with the counts written, split, merged and
skipped. Malformed input ends it with exit status 2 and a message naming the file and line.
"""
import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import BratReport, read_brat_directory, write_brat
from jointie_allennlp.data.formats.spert_json import (
    TypeInventory,
    document_to_spert_dicts,
    read_spert_json,
    types_file_for,
    write_types,
)
from jointie_allennlp.data.formats.text import read_jsonl
from jointie_allennlp.data.schema import document_from_prediction_json
from jointie_allennlp.data.tokenization import get_segmenter


def _read(source: str, source_format: str, tokenizer: str, types: Optional[str], report: BratReport) -> List[Document]:
    if source_format == "brat":
        path = Path(source)
        if path.suffix in (".ann", ".txt"):
            from jointie_allennlp.data.formats.brat import read_brat

            return [read_brat(path.with_suffix(".txt"), segmenter=get_segmenter(tokenizer), report=report)]
        return list(read_brat_directory(source, segmenter=get_segmenter(tokenizer), report=report))
    return read_spert_json(source, types_path=types)


def convert(args: argparse.Namespace) -> Dict[str, object]:
    report = BratReport()
    documents = _read(args.source, args.from_format, args.tokenizer, args.types, report)
    counts: Dict[str, object] = {"documents_read": len(documents)}
    if args.to_format == "brat":
        for document in documents:
            write_brat(document, args.destination)
        counts.update(
            documents=len(documents),
            entities=sum(len(d.entities) for d in documents),
            relations=sum(len(d.relations) for d in documents),
        )
    else:
        items = [item for document in documents for item in document_to_spert_dicts(document)]
        destination = Path(args.destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        symmetric = frozenset().union(*(d.symmetric_relation_types for d in documents)) if documents else frozenset()
        types_path = types_file_for(destination)
        if not types_path.exists():
            write_types(
                types_path,
                TypeInventory(
                    entity_types=sorted({e.type for d in documents for e in d.entities}),
                    relation_types=sorted({r.type for d in documents for r in d.relations}),
                    symmetric_relation_types=symmetric,
                ),
            )
        counts.update(
            documents=len(items),
            entities=sum(len(i["entities"]) for i in items),
            relations=sum(len(i["relations"]) for i in items),
            types_file=str(types_path),
        )
        # What SpERT JSON cannot hold: brat lines kept verbatim and exact offsets on white space.
        counts["skipped_unsupported_lines"] = sum(len(d.metadata.get("brat_unsupported", [])) for d in documents)
        counts["skipped_exact_character_offsets"] = sum(
            1 for d in documents for e in d.entities if e.char_span is not None
        )
    if args.from_format == "brat":
        counts.update(
            split_tokens=report.split_tokens,
            merged_sentences=report.merged_sentences,
            kept_verbatim=report.kept_verbatim,
            discontinuous_entities=report.discontinuous_entities,
            events=report.events,
            attributes=report.attributes,
            normalizations=report.normalizations,
            notes=report.notes,
            relations_to_unsupported=report.relations_to_unsupported,
        )
    return counts


def read_any(path: str, tokenizer: str = "razdel") -> List[Document]:
    """Documents from a brat directory, SpERT JSON, or prediction / input JSON lines."""
    source = Path(path)
    if source.is_dir():
        return list(read_brat_directory(source, segmenter=get_segmenter(tokenizer)))
    if source.suffix == ".json":
        return read_spert_json(source)
    documents = []
    for line, document, item in read_jsonl(source, get_segmenter(tokenizer)):
        if isinstance(document, FormatError):
            raise document
        if "sentences" in item and "entities" in item and all("char_start" in e for e in item["entities"]):
            document = document_from_prediction_json(item)
        if item.get("error"):
            document.metadata["error"] = item["error"]
        documents.append(document)
    return documents


def score(args: argparse.Namespace) -> Dict[str, object]:
    from jointie_allennlp.metrics.joint_extraction import JointExtractionMetric, format_report

    gold = {d.id: d for d in read_any(args.gold, args.tokenizer)}
    predicted = {d.id: d for d in read_any(args.predicted, args.tokenizer)}
    missing = sorted(set(gold) - set(predicted))
    unknown = sorted(set(predicted) - set(gold))
    if unknown:
        raise FormatError(f"predictions for documents not in the gold data: {unknown[:5]}", path=args.predicted)
    symmetric = frozenset().union(*(d.symmetric_relation_types for d in gold.values())) if gold else frozenset()
    metric = JointExtractionMetric(per_type=True)
    pairs = [(predicted.get(i, gold[i].without_annotations()), gold[i]) for i in gold]
    for prediction, reference in pairs:
        if prediction.text != reference.text:
            raise FormatError("predicted document text differs from the gold text", document=reference.id)
        prediction.symmetric_relation_types = symmetric
    metric([p for p, _ in pairs], [g for _, g in pairs])
    metrics = metric.get_metric(reset=True)
    for line in format_report(metrics):
        print(line, file=sys.stderr)
    if getattr(args, "rurebus", False):
        from jointie_allennlp.metrics.rurebus import rurebus_summary

        metrics = {"rurebus": rurebus_summary([p for p, _ in pairs], [g for _, g in pairs], metrics), **metrics}
    return {"documents": len(gold), "documents_without_prediction": len(missing), **metrics}


def split_brat(args: argparse.Namespace) -> Dict[str, object]:
    from jointie_allennlp.data.split import split_brat_directory

    splits = split_brat_directory(args.source, args.destination, args.dev_fraction, args.seed, args.group_pattern)
    return {"train": len(splits["train"]), "dev": len(splits["dev"]), "destination": args.destination}


def render(args: argparse.Namespace) -> Dict[str, object]:
    from jointie_allennlp.data.html import render_html

    documents = read_any(args.source, args.tokenizer)
    Path(args.destination).write_text(render_html(documents, title=Path(args.source).name), encoding="utf-8")
    return {"documents": len(documents), "html": args.destination}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jointie_allennlp", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    conversion = commands.add_parser("convert", help="convert between brat and SpERT JSON")
    conversion.add_argument("--from", dest="from_format", choices=["brat", "spert-json"], required=True)
    conversion.add_argument("--to", dest="to_format", choices=["brat", "spert-json"], required=True)
    conversion.add_argument("--tokenizer", default="razdel", help="razdel | whitespace | spacy[:<lang>] (brat input)")
    conversion.add_argument("--types", help="SpERT *_types.json (default: found beside the input)")
    conversion.add_argument("source")
    conversion.add_argument("destination")
    scoring = commands.add_parser("score", help="score predicted against gold documents (the shared metric)")
    scoring.add_argument("gold", help="brat directory, SpERT JSON, or JSON lines")
    scoring.add_argument("predicted", help="brat directory, SpERT JSON, or prediction JSON lines")
    scoring.add_argument("--tokenizer", default="razdel")
    scoring.add_argument("--rurebus", action="store_true", help="also the RuREBus subtask summary")
    splitting = commands.add_parser("split-brat", help="split a brat directory into train/ and dev/ by document")
    splitting.add_argument("source")
    splitting.add_argument("destination", help="gets train/ and dev/ (keep it outside the repository)")
    splitting.add_argument("--dev-fraction", type=float, default=0.3)
    splitting.add_argument("--seed", type=int, default=13)
    splitting.add_argument("--group-pattern", default=r"_part_\d+$", help="removed from stems to group files")
    rendering = commands.add_parser("render", help="an HTML view of documents or predictions")
    rendering.add_argument("source", help="prediction JSON lines, brat directory, or SpERT JSON")
    rendering.add_argument("destination", help="the .html file to write")
    rendering.add_argument("--tokenizer", default="razdel")
    args = parser.parse_args(argv)
    try:
        result = {"convert": convert, "score": score, "render": render, "split-brat": split_brat}[args.command](args)
    except FormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
