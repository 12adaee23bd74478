import collections
from pathlib import Path

import pytest

from jointie_allennlp.data.document import Document, Entity
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import (
    BratReport,
    ann_lines,
    read_annotation_conf,
    read_brat,
    read_brat_directory,
    write_brat,
)

TEXT = "Компания «Рога-копыта» увеличила выручку на 5%.\nВ 2020 году выручка выросла.\n"


def _write(directory: Path, name: str, text: str, ann: str) -> Path:
    (directory / f"{name}.txt").write_bytes(text.encode("utf-8"))
    (directory / f"{name}.ann").write_bytes(ann.encode("utf-8"))
    return directory / f"{name}.txt"


def _t(number: int, kind: str, text: str, fragment: str, occurrence: int = 0) -> str:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(fragment, start + 1)
    return f"T{number}\t{kind} {start} {start + len(fragment)}\t{fragment}\n"


def test_read_splits_tokens_at_entity_boundaries(tmp_path):
    ann = _t(1, "CMP", TEXT, "Рога") + _t(2, "MET", TEXT, "выручку") + "R1\tNNG Arg1:T2 Arg2:T1\n"
    report = BratReport()
    document = read_brat(_write(tmp_path, "d", TEXT, ann), report=report)
    assert report.split_tokens == 1  # "Рога-копыта" is one razdel token
    assert document.entity_text(document.entities[0]) == "Рога"
    assert document.tokens[document.entities[0].start] == "Рога"
    assert "-копыта" in document.tokens
    assert len(document.sentences) == 2
    assert document.relations[0].type == "NNG"
    assert report.as_dict()["entities"] == 2 and report.relations == 1
    for token, (start, end) in zip(document.tokens, document.token_offsets):
        assert document.text[start:end] == token


def test_relation_across_sentences_merges_them(tmp_path):
    ann = _t(1, "MET", TEXT, "выручку") + _t(2, "MET", TEXT, "выручка") + "R1\tNNT Arg1:T1 Arg2:T2\n"
    report = BratReport()
    document = read_brat(_write(tmp_path, "d", TEXT, ann), report=report)
    assert report.merged_sentences == 1
    assert document.sentences == [(0, len(document.tokens))]


def test_entity_across_sentences_merges_them(tmp_path):
    text = TEXT.replace("\n", " ", 1)
    start = text.index("5%")
    end = text.index("году") + len("году")
    ann = f"T1\tMET {start} {end}\t{text[start:end]}\n"
    report = BratReport()
    document = read_brat(_write(tmp_path, "d", text, ann), report=report)
    assert report.merged_sentences == 1
    assert len(document.sentences) == 1
    assert document.entity_text(document.entities[0]) == "5%. В 2020 году"


def test_unsupported_lines_are_counted_and_written_back(tmp_path):
    start = TEXT.index("выручку")
    other = TEXT.index("выручка")
    ann = (
        _t(1, "MET", TEXT, "выручку")
        + f"T2\tMET {start} {start + 3};{other} {other + 3}\tвыр выр\n"
        + "R1\tNNG Arg1:T2 Arg2:T1\n"
        + "R2\tNNG Arg1:T1 Arg2:T1\t\n"
        + "A1\tNegation T1\n"
        + "#1\tAnnotatorNotes T1\tпримечание\n"
        + "E1\tACT:T1\n"
        + "N1\tReference T1 Wikipedia:123\tx\n"
    )
    report = BratReport()
    document = read_brat(_write(tmp_path, "d", TEXT, ann), report=report)
    assert (report.discontinuous_entities, report.relations_to_unsupported) == (1, 1)
    assert (report.attributes, report.notes, report.events, report.normalizations) == (1, 1, 1, 1)
    assert report.kept_verbatim == 6
    assert len(document.entities) == 1 and len(document.relations) == 1
    out = tmp_path / "out"
    write_brat(document, out)
    assert collections.Counter((out / "d.ann").read_text("utf-8").splitlines()) == collections.Counter(
        ann.splitlines()
    )
    assert (out / "d.txt").read_bytes() == TEXT.encode("utf-8")


def test_whitespace_edged_entity_keeps_exact_offsets(tmp_path):
    text = "alpha  beta gamma"
    ann = "T1\tMET 5 11\t  beta\n"
    document = read_brat(_write(tmp_path, "d", text, ann))
    entity = document.entities[0]
    assert document.tokens[entity.start:entity.end] == ["beta"]
    assert document.char_span(entity) == (5, 11)
    assert ann_lines(document) == ["T1\tMET 5 11\t  beta"]


def test_crlf_text_is_kept_byte_for_byte(tmp_path):
    text = "Первая строка.\r\nВторая строка."
    start = text.index("Вторая")
    ann = f"T1\tMET {start} {start + 6}\tВторая\n"
    document = read_brat(_write(tmp_path, "d", text, ann))
    assert document.entity_text(document.entities[0]) == "Вторая"
    write_brat(document, tmp_path / "out")
    assert (tmp_path / "out" / "d.txt").read_bytes() == text.encode("utf-8")


def test_predicted_entity_across_lines_is_written_as_fragments(tmp_path):

    text = "one two\nthree four"
    document = read_brat(_write(tmp_path, "d", text, ""))
    document = document.with_annotations([Entity(1, 3, "X")], [])
    assert ann_lines(document) == ["T1\tX 4 7;8 13\ttwo three"]


@pytest.mark.parametrize(
    "ann,message,line",
    [
        ("T1\tMET 0 4\tКомп\nT2\tMET 0 99999\tx\n", "outside the text", 2),
        ("T1\tMET 0 4\tКомx\n", "does not match the text", 1),
        ("T1\tMET 0 4\tКомп\nR1\tNNG Arg1:T1 Arg2:T7\n", "unknown annotation 'T7'", 2),
        ("T1\tMET zero 4\tКомп\n", "bad offsets", 1),
        ("T1\tMET 0 4\tКомп\nT1\tMET 0 4\tКомп\n", "duplicate annotation id", 2),
        ("X1\tfoo\n", "unknown annotation kind", 1),
        ("R1\tNNG Arg1:T1\n", "relation needs", 1),
        ("T1\tMET 5 5\t\n", "offsets 5 5: a zero-length span", 1),
        ("T1\tMET 6 5\tx\n", "offsets 6 5: the start is after the end", 1),
        ("T1\tMET 0 4\tКомп\nA1\tNegation T9\n", "unknown annotation 'T9'", 2),
        ("T1\tMET 0 4\tКомп\nN1\tReference T3 Wiki:1\tx\n", "unknown annotation 'T3'", 2),
        ("T1\tMET 0 4\tКомп\n#1\tAnnotatorNotes T2\tnote\n", "unknown annotation 'T2'", 2),
        ("T1\tMET 0 4\tКомп\n*\tEquiv T1 T5\n", "unknown annotation 'T5'", 2),
        ("T1\tMET 0 4\tКомп\nE1\tAct:T1 Theme:T4\n", "unknown annotation 'T4'", 2),
    ],
)
def test_malformed_annotations_name_file_and_line(tmp_path, ann, message, line):
    path = _write(tmp_path, "bad", TEXT, ann)
    with pytest.raises(FormatError, match=message) as error:
        read_brat(path)
    assert error.value.line == line
    assert str(error.value).startswith(f"{path.with_suffix('.ann')}:{line}:")


def test_wrong_encoding_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes("строка один\nстрока два".encode("cp1251"))
    with pytest.raises(FormatError, match="not valid UTF-8") as error:
        read_brat(path)
    assert error.value.line == 1


def test_fixture_documents_round_trip(fixtures_dir, tmp_path):
    report = BratReport()
    documents = list(read_brat_directory(fixtures_dir / "brat", report=report))
    assert report.documents == len(documents) >= 2
    assert report.kept_verbatim >= 3  # doc2 carries a discontinuous entity, an attribute, a note
    for document in documents:
        write_brat(document, tmp_path)
        original = (fixtures_dir / "brat" / f"{document.id}.ann").read_text("utf-8").splitlines()
        written = (tmp_path / f"{document.id}.ann").read_text("utf-8").splitlines()
        assert collections.Counter(line for line in original if line.strip()) == collections.Counter(written)


RUREBUS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "rurebus" / "train"


@pytest.mark.skipif(not RUREBUS.is_dir(), reason="RuREBus train set not beside the project")
def test_rurebus_round_trip_loses_nothing(tmp_path):
    report = BratReport()
    changed = []
    for document in read_brat_directory(RUREBUS, report=report):
        original = [
            line.rstrip("\r")
            for line in (RUREBUS / f"{document.id}.ann").read_text("utf-8").split("\n")
            if line.strip()
        ]
        if collections.Counter(original) != collections.Counter(ann_lines(document)):
            changed.append(document.id)
    assert (report.documents, report.entities, report.relations) == (188, 54388, 12644)
    assert changed == []


def test_attribute_of_an_existing_annotation_is_kept(tmp_path):
    ann = "T1\tMET 0 4\tКомп\nA1\tNegation T1\nR1\tNNG Arg1:T1 Arg2:T1\nA2\tConfidence R1 High\n"
    report = BratReport()
    document = read_brat(_write(tmp_path, "ok", TEXT, ann), report=report)
    assert report.attributes == 2
    assert document.metadata["brat_unsupported"] == ["A1\tNegation T1", "A2\tConfidence R1 High"]


def test_writer_refuses_a_type_brat_cannot_hold(tmp_path):
    document = read_brat(_write(tmp_path, "d", TEXT, ""))
    with pytest.raises(FormatError, match="entity 0 type 'Work For': a brat type is one word") as error:
        write_brat(document.with_annotations([Entity(0, 1, "Work For")], []), tmp_path / "out")
    assert error.value.document == "d"


ANNOTATION_CONF = """# the types of the project
[entities]
MET
QUA
!Abstract
\tSubType

[relations]
<ENTITY>=MET|QUA
NNG\tArg1:MET, Arg2:QUA, <REL-TYPE>:symmetric
Equiv\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric-transitive
NPS\tArg1:MET, Arg2:QUA
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]
Growth\tTheme:MET
"""


def test_annotation_conf_declares_types_and_symmetric_relations(tmp_path):
    conf = tmp_path / "annotation.conf"
    conf.write_text(ANNOTATION_CONF, encoding="utf-8")
    declared = read_annotation_conf(conf)
    assert declared.entity_types == ["MET", "QUA", "SubType"]
    assert declared.relation_types == ["NNG", "Equiv", "NPS"]
    assert declared.symmetric_relation_types == {"NNG", "Equiv"}


def test_annotation_conf_bad_relation_line_names_file_and_line(tmp_path):
    conf = tmp_path / "annotation.conf"
    conf.write_text("[relations]\nNNG Arg1:MET, Arg2:QUA\nBroken\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"annotation.conf:3: a relation line is"):
        read_annotation_conf(conf)


def test_directory_with_annotation_conf_marks_symmetric_types(fixtures_dir, tmp_path):
    for path in (fixtures_dir / "brat").iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert all(not d.symmetric_relation_types for d in read_brat_directory(tmp_path))
    (tmp_path / "annotation.conf").write_text(ANNOTATION_CONF, encoding="utf-8")
    documents = list(read_brat_directory(tmp_path))
    assert [d.symmetric_relation_types for d in documents] == [frozenset({"NNG", "Equiv"})] * 2
    # one document read alone finds the annotation.conf beside it too
    assert read_brat(tmp_path / "doc1.txt").symmetric_relation_types == {"NNG", "Equiv"}


def test_write_brat_directory_keeps_safe_names_and_reports_every_rename(tmp_path):
    from jointie_allennlp.data.formats.brat import write_brat_directory

    ids = ["my doc", "Привет мир", "a/b", "line\nbreak", "ok-1"]
    documents = [Document.from_tokens(i, ["Anna", "met", "Boris"], entities=[Entity(0, 1, "PER")]) for i in ids]
    report = write_brat_directory(documents, tmp_path / "out")
    assert report.renamed == ["a/b -> a_b", "line\nbreak -> line_break"]
    assert report.as_dict()["documents"] == 5 and report.entities == 5
    assert sorted(p.stem for p in (tmp_path / "out").glob("*.txt")) == sorted(
        ["my doc", "Привет мир", "a_b", "line_break", "ok-1"])
    assert read_brat(tmp_path / "out" / "my doc.txt").entities[0].type == "PER"


def test_write_brat_directory_never_over_an_existing_one_without_overwrite(tmp_path):
    from jointie_allennlp.data.formats.brat import write_brat_directory
    from jointie_allennlp.data.output import OutputError

    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    document = Document.from_tokens("new", ["New"])
    with pytest.raises(OutputError, match="exists and is not empty: give --overwrite"):
        write_brat_directory([document], out)
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    write_brat_directory([document], out, overwrite=True)  # replaced as a whole: no old file mixed in
    assert sorted(p.name for p in out.iterdir()) == ["new.ann", "new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with pytest.raises(OutputError, match="the output file exists"):
        write_brat(document, out)
