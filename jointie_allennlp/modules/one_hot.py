"""A one-hot token embedder: fixed unit vectors for small id sets such as casing classes."""
import torch
from allennlp.modules.token_embedders import TokenEmbedder


@TokenEmbedder.register("one_hot")
class OneHotTokenEmbedder(TokenEmbedder):
    """
    A fixed one-hot vector per id: id `k` in `1..num_classes` gives the unit vector `k - 1`,
    padding (id 0) a zero vector. No parameters.

    # Parameters

    num_classes : `int` the number of classes (the output size).
    """

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.num_classes = num_classes

    def get_output_dim(self) -> int:
        return self.num_classes

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        one_hot = torch.nn.functional.one_hot(tokens.long().clamp(0, self.num_classes), self.num_classes + 1)
        return one_hot[..., 1:].float()
