import torch

from jointie_allennlp.modules.label_embedding import TagEmbedding


def test_embeds_labels_and_zeroes_masked_positions():
    embedding = TagEmbedding(num_labels=3, embedding_dim=2)
    with torch.no_grad():
        embedding.embedding.weight.copy_(torch.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]))
    labels = torch.tensor([[2, 1, -1]])  # -1: padding
    mask = torch.tensor([[True, True, False]])
    assert embedding(labels, mask).tolist() == [[[4.0, 5.0], [2.0, 3.0], [0.0, 0.0]]]


def test_from_logits_embeds_the_argmax_label():
    embedding = TagEmbedding(num_labels=3, embedding_dim=2)
    logits = torch.tensor([[[0.1, 0.7, 0.2], [5.0, 0.0, 0.0]]], requires_grad=True)
    expected = embedding.embedding.weight[torch.tensor([[1, 0]])]
    assert torch.equal(embedding.from_logits(logits), expected)
    assert embedding.from_logits(logits).shape == (1, 2, 2)
