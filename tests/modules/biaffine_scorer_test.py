import pytest
import torch

from jointie_allennlp.modules.biaffine_scorer import BiaffineScorer


def test_output_shape_for_any_leading_shape():
    scorer = BiaffineScorer(head_dim=4, num_labels=3, tail_dim=5)
    assert scorer(torch.randn(7, 4), torch.randn(7, 5)).shape == (7, 3)
    assert scorer(torch.randn(2, 6, 4), torch.randn(2, 6, 5)).shape == (2, 6, 3)
    assert scorer(torch.randn(0, 4), torch.randn(0, 5)).shape == (0, 3)


def _hand_set(scorer: BiaffineScorer) -> None:
    with torch.no_grad():
        if scorer.bilinear is not None:
            scorer.bilinear.zero_()
            scorer.bilinear[0] = torch.tensor([[1.0, 2.0], [0.0, 1.0]])  # U_0
            scorer.bilinear[1] = torch.tensor([[0.0, 0.0], [3.0, 0.0]])  # U_1
        scorer.linear.weight.copy_(torch.tensor([[1.0, 0.0, 0.0, 1.0], [0.0, -1.0, 2.0, 0.0]]))
        scorer.linear.bias.copy_(torch.tensor([0.5, -0.5]))


def test_hand_computed_score():
    scorer = BiaffineScorer(head_dim=2, num_labels=2)
    _hand_set(scorer)
    head, tail = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, -1.0]])
    # class 0: h^T U_0 t = [1,2] @ [[1,2],[0,1]] @ [3,-1] = [1,4] @ [3,-1] = -1
    #          W_0 [h;t] + b_0 = 1*1 + 1*(-1) + 0.5 = 0.5            -> -0.5
    # class 1: h^T U_1 t = [1,2] @ [[0,0],[3,0]] @ [3,-1] = [6,0] @ [3,-1] = 18
    #          W_1 [h;t] + b_1 = -1*2 + 2*3 - 0.5 = 3.5               -> 21.5
    assert scorer(head, tail).tolist() == [[-0.5, 21.5]]


def test_without_bilinear_term_only_the_affine_part_remains():
    scorer = BiaffineScorer(head_dim=2, num_labels=2, use_bilinear=False)
    assert scorer.bilinear is None
    assert not any(name.startswith("bilinear") for name, _ in scorer.named_parameters())
    _hand_set(scorer)
    assert scorer(torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, -1.0]])).tolist() == [[0.5, 3.5]]


def test_direction_matters_with_the_bilinear_term():
    torch.manual_seed(0)
    scorer = BiaffineScorer(head_dim=3, num_labels=2)
    a, b = torch.randn(1, 3), torch.randn(1, 3)
    assert not torch.allclose(scorer(a, b), scorer(b, a))


@pytest.mark.parametrize("use_bilinear", [True, False])
def test_gradients_reach_both_inputs(use_bilinear):
    scorer = BiaffineScorer(head_dim=3, num_labels=2, use_bilinear=use_bilinear)
    head, tail = torch.randn(4, 3, requires_grad=True), torch.randn(4, 3, requires_grad=True)
    scorer(head, tail).sum().backward()
    assert head.grad.abs().sum() > 0 and tail.grad.abs().sum() > 0
