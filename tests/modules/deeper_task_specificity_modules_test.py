import pytest
import torch
from allennlp.data import Token, Vocabulary
from allennlp.modules import ConditionalRandomField
from allennlp.modules.conditional_random_field import allowed_transitions

from jointie_allennlp.data.document import Entity
from jointie_allennlp.data.casing import CASING_CLASSES, CasingIndexer, casing_class
from jointie_allennlp.modules.distmult import DistMultScorer
from jointie_allennlp.modules.entity_pairs import batch_pair_token_indices
from jointie_allennlp.modules.one_hot import OneHotTokenEmbedder
from jointie_allennlp.modules.resbn_transformer import ResBNTransformerEncoder


@pytest.mark.parametrize(
    "word, expected",
    [
        ("1984", "numeric"),
        ("12a", "mostly_numeric"),  # 2 of 3 characters are digits
        ("a1", "lower"),  # half digits is not "mostly"; lower case comes first
        ("berlin", "lower"),
        ("NATO", "upper"),
        ("Berlin", "title"),
        ("McDonald", "title"),
        ("-3x", "lower"),
        ("-3-", "contains_digit"),  # one digit in three, no cased letter
        ("--", "other"),
        (",", "other"),
    ],
)
def test_casing_class(word, expected):
    assert casing_class(word) == expected


def test_casing_indexer_and_one_hot_embedder():
    indexer = CasingIndexer()
    ids = indexer.tokens_to_indices([Token("Paris"), Token("is"), Token("NICE"), Token("2024")], Vocabulary())
    order = {name: i + 1 for i, name in enumerate(CASING_CLASSES)}
    assert ids == {"tokens": [order["title"], order["lower"], order["upper"], order["numeric"]]}
    embedder = OneHotTokenEmbedder(num_classes=7)
    vectors = embedder(torch.tensor([[order["title"], order["lower"], 0]]))
    assert embedder.get_output_dim() == 7 and vectors.shape == (1, 3, 7)
    assert vectors[0, 0].tolist() == [0, 0, 0, 0, 1, 0, 0]  # title is the 5th class
    assert vectors[0, 1].tolist() == [0, 0, 1, 0, 0, 0, 0]
    assert vectors[0, 2].tolist() == [0] * 7  # padding


def test_entities_are_paired_at_their_last_token():
    entities = [[Entity(0, 3, "Peop"), Entity(5, 6, "Loc")], [Entity(1, 2, "Org")]]
    indices, pairs = batch_pair_token_indices(entities, position="last")
    assert pairs == [[(0, 1), (1, 0)], []]
    assert indices.tolist() == [[0, 2, 5], [0, 5, 2]]


def test_distmult_score_by_hand():
    scorer = DistMultScorer(3, 2)
    with torch.no_grad():
        scorer.relation_diagonals.copy_(torch.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]]))
    head = torch.tensor([[1.0, 2.0, -1.0]])
    tail = torch.tensor([[4.0, 0.5, 2.0]])
    # r0: 1*1*4 + 2*2*0.5 + 3*(-1)*2 = 4 + 2 - 6 = 0 ; r1: 0 - 1*2*0.5 + 0.5*(-1)*2 = -1 - 1 = -2
    assert scorer(head, tail).tolist() == [[0.0, -2.0]]
    # not symmetric in general in the model, but DistMult itself is: swapping gives the same score
    assert scorer(tail, head).tolist() == [[0.0, -2.0]]


def test_crf_constraints_forbid_outside_to_inside():
    labels = {0: "O", 1: "B-Loc", 2: "I-Loc", 3: "B-Peop", 4: "I-Peop"}
    crf = ConditionalRandomField(5, allowed_transitions("BIO", labels))
    mask = crf._constraint_mask
    assert mask[0, 2] == 0 and mask[0, 4] == 0  # O -> I-X
    assert mask[1, 4] == 0  # B-Loc -> I-Peop
    assert mask[1, 2] == 1 and mask[0, 1] == 1
    start = crf.num_tags  # start transitions: a sentence may not begin with I-X
    assert mask[start, 2] == 0 and mask[start, 1] == 1
    # with neutral learned transitions, emissions that prefer O then I-Loc (score 10) decode to the
    # best legal path: O B-Loc (5 + 1), not O O (5) or B-Loc I-Loc (5)
    with torch.no_grad():
        for parameter in (crf.transitions, crf.start_transitions, crf.end_transitions):
            parameter.zero_()
    logits = torch.tensor([[[5.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 5.0, 0.0, 0.0]]])
    path, score = crf.viterbi_tags(logits, torch.ones(1, 2, dtype=torch.bool))[0]
    assert path == [0, 1] and score == pytest.approx(6.0)


def test_resbn_shapes_and_residual():
    torch.manual_seed(0)
    encoder = ResBNTransformerEncoder(input_dim=6, hidden_dim=8, num_layers=2, num_attention_heads=2)
    inputs = torch.randn(3, 5, 6)
    mask = torch.tensor([[1] * 5, [1] * 3 + [0] * 2, [1] * 4 + [0]], dtype=torch.bool)
    output = encoder(inputs, mask)
    assert encoder.get_input_dim() == 6 and encoder.get_output_dim() == 8
    assert output.shape == (3, 5, 8)
    assert (output[1, 3:] == 0).all() and (output[2, 4:] == 0).all()
    # with the batch norm's scale and shift at zero each block adds nothing: the output is the
    # (projected) input, carried by the residual connections alone
    for block in encoder.blocks:
        torch.nn.init.zeros_(block.batch_norm.weight)
        torch.nn.init.zeros_(block.batch_norm.bias)
    encoder.eval()
    expected = encoder.projection(inputs) * mask.unsqueeze(-1)
    assert torch.allclose(encoder(inputs, mask), expected, atol=1e-6)


def test_resbn_without_projection_keeps_the_input_size_and_batch_norms_real_positions():
    torch.manual_seed(0)
    encoder = ResBNTransformerEncoder(input_dim=4, num_layers=1, num_attention_heads=2, dropout=0.0)
    assert encoder.projection is None and encoder.get_output_dim() == 4
    inputs = torch.randn(2, 3, 4)
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]], dtype=torch.bool)
    block = encoder.blocks[0]
    normalized = encoder(inputs, mask) - inputs * mask.unsqueeze(-1)
    # training-mode batch norm over the 5 real positions: each feature has mean 0 and variance 1
    real = normalized[mask]
    assert torch.allclose(real.mean(0), torch.zeros(4), atol=1e-5)
    assert torch.allclose(real.var(0, unbiased=False), torch.ones(4), atol=1e-3)
    assert block.batch_norm.num_batches_tracked.item() == 1
