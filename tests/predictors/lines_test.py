"""Input lines -> records and records -> JSON lines (jointie_allennlp.predictors.lines)."""
import json

from jointie_allennlp.predictors.lines import dump_record, parse_line


def test_a_good_line_keeps_its_fields_and_number_outside_the_dict():
    record = parse_line(b'\xef\xbb\xbf{"id": 3, "text": "x"}\r\n', 1)  # BOM and CRLF
    assert record == {"id": 3, "text": "x"} and record.line == 1 and record.error is None
    assert json.dumps(record) == '{"id": 3, "text": "x"}'


def test_unreadable_lines_give_the_full_reason():
    cases = {
        b"\xff{}": "input line 4: not UTF-8: byte 0xff at byte offset 0 (invalid start byte)",
        b"  \t": "input line 4: blank line (expected a JSON object)",
        b"[" * 100000: "input line 4: invalid JSON: nested too deeply to read",
        b'{"a": Infinity}': "input line 4: invalid JSON: Infinity is not valid JSON (only finite numbers are)",
        b'"text"': "input line 4: expected a JSON object, got str",
        b'{"t": "a\tb"}': "input line 4: invalid JSON: Invalid control character at (column 9)",
        b'{"t": ["ok", {"x": "\\udc00"}]}':
            'input line 4: field "t"[1]["x"] has a lone surrogate \\udc00 at character 0 (not a Unicode character)',
    }
    for line, reason in cases.items():
        record = parse_line(line, 4)
        assert record.error == reason and record.line == 4
    assert parse_line(b"\xff{}", 4).raw == "\ufffd{}"


def test_dump_record_escapes_line_separators_replaces_surrogates_and_non_finite_numbers():
    text = dump_record({"text": "a\u2028b\u0085c\u2029d\ud800", "score": float("nan"), "n": [float("inf"), 1.5]})
    assert text.endswith("\n") and text.count("\n") == 1 and len(text.splitlines()) == 1
    assert text == '{"text": "a\\u2028b\\u0085c\\u2029d\ufffd", "score": null, "n": [null, 1.5]}\n'
    text.encode("utf-8")  # no lone surrogate, raw or escaped
    assert json.loads(text)["text"] == "a\u2028b\u0085c\u2029d\ufffd"
    assert dump_record({"t": "Привет"}) == '{"t": "Привет"}\n'  # other text stays readable


def test_lone_carriage_returns_end_lines_too(tmp_path):
    from jointie_allennlp.predictors.lines import read_input_lines, split_physical_lines

    assert list(split_physical_lines([b"a\rb\r\n", b"c\n", b"\r\n", b"d\r\re"])) == [
        b"a\r", b"b\r\n", b"c\n", b"\r\n", b"d\r", b"\r", b"e"]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": 1}\r{"id": 2}\r{"id": 3}\r')
    records = [parse_line(line, n) for n, line in enumerate(read_input_lines(str(path)), start=1)]
    assert [dict(r) for r in records] == [{"id": 1}, {"id": 2}, {"id": 3}] and not any(r.error for r in records)


def test_repeated_keys_and_utf16_lines_get_error_records():
    record = parse_line(b'{"id": "a", "text": "x", "id": "b"}\n', 3)
    assert record.error == 'input line 3: invalid JSON: the key "id" appears twice in one object'
    utf16 = '{"text": "Anna"}\n'.encode("utf-16")
    first = parse_line(utf16.split(b"\n")[0], 1)
    assert first.error == ("input line 1: not UTF-8: looks like UTF-16 (byte order mark FF FE); "
                           "convert the file to UTF-8")
    without_mark = parse_line('{"text": "Anna"}'.encode("utf-16-le"), 2)
    assert without_mark.error.startswith("input line 2: not UTF-8: looks like UTF-16 or UTF-32")
