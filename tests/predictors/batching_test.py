"""Instances of many documents run shortest first in batches, and every output goes back to its document and place."""
import random

from allennlp.data import Instance, Token
from allennlp.data.fields import MetadataField, TextField

from jointie_allennlp.predictors.batching import forward_in_batches


def _instance(document, position, length):
    tokens = TextField([Token(f"w{i}") for i in range(length)], {})
    return Instance({"tokens": tokens, "metadata": MetadataField((document, position, length))})


def test_outputs_keep_the_input_order_whatever_the_lengths():
    rng = random.Random(7)
    documents = [[_instance(d, p, rng.randint(1, 40)) for p in range(rng.randint(1, 5))] for d in range(30)]
    batches = []

    def forward(instances):
        lengths = [len(instance["tokens"]) for instance in instances]
        batches.append(lengths)
        return [{"key": instance["metadata"].metadata} for instance in instances]

    results = forward_in_batches(documents, forward, batch_size=8)
    assert [[output["key"] for output in outputs] for outputs in results] == [
        [instance["metadata"].metadata for instance in instances] for instances in documents
    ]
    flat = [length for batch in batches for length in batch]
    assert flat == sorted(flat) and len(flat) == sum(map(len, documents))  # shortest first, each instance once
    assert all(len(batch) == 8 for batch in batches[:-1])
