import logging
from dataclasses import dataclass

from jointie_allennlp.data.reports import ReadReport

logger = logging.getLogger("reports_test")


@dataclass
class _Counts(ReadReport):
    read: int = 0
    lost: int = 0


def test_counts_add_up_and_keep_their_field_order():
    report = _Counts(read=2)
    report.add(_Counts(read=3, lost=1))
    assert report.as_dict() == {"read": 5, "lost": 1} and list(report.as_dict()) == ["read", "lost"]


def _log_here(report: _Counts, *args):
    report.log(logger, "in.json", *args)


def test_one_line_per_read_info_or_a_warning_naming_what_was_lost(caplog):
    with caplog.at_level(logging.INFO, logger="reports_test"):
        _log_here(_Counts(read=4))
        _log_here(_Counts(read=4, lost=1), True, "%d of %d lost; ", 1, 4)
        _log_here(_Counts(read=4, lost=1), True, "labels lost (see counts): ")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "in.json: {'read': 4, 'lost': 0}"),
        (logging.WARNING, "in.json: 1 of 4 lost; {'read': 4, 'lost': 1}"),
        (logging.WARNING, "in.json: labels lost (see counts): {'read': 4, 'lost': 1}"),
    ]
    assert {r.funcName for r in caplog.records} == {"_log_here"}  # the record names the reader, not the report
