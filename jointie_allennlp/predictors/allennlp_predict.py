"""
`allennlp predict` with this package's predictors: every physical input line reaches the predictor
as bytes (blank lines and undecodable bytes included), so output lines match input lines.
Installed when `allennlp.commands.predict` is imported. Test: tests/predictors/allennlp_predict_test.py.
"""
import functools

from jointie_allennlp.patching import MARKER, when_imported


def install() -> None:
    """Wraps allennlp's predict input reading once `allennlp.commands.predict` is imported."""
    when_imported("allennlp.commands.predict", lambda _: read_every_line())


def read_every_line() -> bool:
    """Let ``allennlp predict`` give this package's predictors every input line as bytes.

    What it changes: ``_PredictManager._get_json_data`` (allennlp/commands/predict.py)
    opens the input with ``open_compressed`` in text mode (UTF-8, strict) and
    skips lines that are only white space before calling
    ``predictor.load_line``.  A line with a non-UTF-8 byte therefore raises
    ``UnicodeDecodeError`` out of the iterator and ends the run -- lines before
    it that were still in the current ``--batch-size`` group are lost, and all
    later lines are never answered -- and a blank line gets no output line,
    so output lines no longer match input lines.  Reproduced with a 2,000-line
    file with one ``\xff`` byte on line 1,562: 439 lines unanswered.

    This wraps ``_get_json_data``: when the predictor has a ``parse_line``
    method (every predictor of this package, see
    ``jointie_allennlp.predictors.lines``), the input (a file, compressed or
    not, or ``-`` for stdin) is read in binary and every physical line, blank
    ones included, goes to ``predictor.load_line`` as ``bytes``; the predictor
    answers each with one record (an error record for a line it cannot read).
    Any other predictor gets allennlp's own behaviour unchanged.

    Returns True if the patch was installed (or already present).
    """
    from allennlp.commands.predict import _PredictManager

    from jointie_allennlp.predictors.lines import read_input_lines

    if getattr(_PredictManager._get_json_data, MARKER, False):
        return True
    original = _PredictManager._get_json_data

    @functools.wraps(original)
    def _get_json_data(self):
        if not hasattr(self._predictor, "parse_line"):
            yield from original(self)
            return
        for line in read_input_lines(self._input_file):
            yield self._predictor.load_line(line)

    setattr(_get_json_data, MARKER, True)
    _get_json_data.__wrapped_original__ = original
    _PredictManager._get_json_data = _get_json_data
    return True
