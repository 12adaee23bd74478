import torch

from jointie_allennlp.modules.span_pooling import RangeMaxTable, context_between, word_spans_to_pieces


def test_range_max_equals_slicing_for_every_range():
    torch.manual_seed(0)
    sequence = torch.randn(2, 11, 3)
    table = RangeMaxTable(sequence)
    for b in range(2):
        for start in range(11):
            for end in range(start + 1, 12):
                result = table.query(torch.tensor([b]), torch.tensor([start]), torch.tensor([end]))
                assert torch.equal(result[0], sequence[b, start:end].max(0).values)


def test_hand_made_ranges_empty_and_invalid():
    sequence = torch.tensor([[[1.0, -1.0], [5.0, 0.0], [2.0, 7.0], [0.0, 3.0]]])
    table = RangeMaxTable(sequence)
    batch = torch.zeros(4, dtype=torch.long)
    start = torch.tensor([0, 2, 3, 1])
    end = torch.tensor([3, 4, 3, 2])  # third is empty
    result = table.query(batch, start, end, valid=torch.tensor([True, True, True, False]))
    assert result.tolist() == [[5.0, 7.0], [2.0, 7.0], [0.0, 0.0], [0.0, 0.0]]


def test_gradient_reaches_the_maximal_elements_once():
    sequence = torch.tensor([[[1.0], [4.0], [2.0], [3.0], [0.0]]], requires_grad=True)
    table = RangeMaxTable(sequence)
    # [0, 5) has length 5: windows [0, 4) and [1, 5) overlap on the maximum at position 1
    table.query(torch.tensor([0]), torch.tensor([0]), torch.tensor([5])).sum().backward()
    assert sequence.grad.view(-1).tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]


def test_word_spans_to_pieces_and_context():
    word_spans = torch.tensor([[[1, 2], [2, 4], [4, 5], [5, 7]]])  # word 1 and 3 have two pieces
    spans = torch.tensor([[[0, 2], [3, 4], [1, 2]]])
    pieces = word_spans_to_pieces(word_spans, spans)
    assert pieces.tolist() == [[[1, 4], [5, 7], [2, 4]]]
    head, tail = pieces[0, 0], pieces[0, 1]
    assert context_between(head, tail).tolist() == [4, 5]  # head first: between them
    assert context_between(tail, head).tolist() == [4, 5]  # tail first: the same range
    start, end = context_between(pieces[0, 0], pieces[0, 2]).tolist()
    assert end <= start  # overlapping spans: no context
