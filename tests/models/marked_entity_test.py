"""The BIO tagger and marked-entity models: decoding rule, marker embeddings, losses, metrics."""
from pathlib import Path

import pytest
import torch
from allennlp.common import Params
from allennlp.data import Batch, Vocabulary
from allennlp.models import Model
from allennlp.nn import util

from jointie_allennlp.data.document import Entity
from jointie_allennlp.dataset_readers.bio_tagger import BioTaggerReader
from jointie_allennlp.dataset_readers.marked_entity import MarkedEntityReader, marker_tokens
from jointie_allennlp.models.marked_entity import decode_relations

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
TINY_BERT = str(FIXTURES / "tiny_bert")
LABELS = {0: "0", 1: "NNG", 2: "PNG"}


def distribution(*rows):
    return torch.tensor(rows, dtype=torch.float)


def test_decoding_rule_mean_over_the_tail_words():
    entities = [Entity(0, 1, "BIN"), Entity(1, 3, "MET"), Entity(3, 4, "QUA"), Entity(4, 5, "ECO")]
    probabilities = distribution(
        [0.1, 0.8, 0.1],  # main entity: ignored
        [0.2, 0.7, 0.1],  # MET word 1
        [0.6, 0.3, 0.1],  # MET word 2 -> mean (0.4, 0.5, 0.1): NNG
        [0.5, 0.2, 0.3],  # QUA: '0' wins
        [0.3, 0.3, 0.4],  # ECO: PNG
    )
    relations = decode_relations(entities, 0, probabilities, LABELS, no_relation=0)
    assert [(r.head, r.tail, r.type) for r in relations] == [(0, 1, "NNG"), (0, 3, "PNG")]
    assert relations[0].score == pytest.approx(0.5)
    # the main entity is the head, whichever entity is marked
    assert all(r.head == 2 for r in decode_relations(entities, 2, probabilities, LABELS, 0))
    # words beyond `length` (cut off) do not count; a wholly cut-off entity gets no relation
    cut = decode_relations(entities, 0, probabilities, LABELS, 0, length=2)
    assert [(r.tail, r.type) for r in cut] == [(1, "NNG")]
    assert cut[0].score == pytest.approx(0.7)


def test_decoding_keeps_the_longest_of_overlapping_tails_with_one_type():
    # main BIN; ACT (words 1-3) contains ECO (word 3); all their words say PNG
    entities = [Entity(0, 1, "BIN"), Entity(1, 4, "ACT"), Entity(3, 4, "ECO")]
    probabilities = distribution([1, 0, 0], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8])
    assert [(r.tail, r.type) for r in decode_relations(entities, 0, probabilities, LABELS, 0)] == [(1, "PNG")]
    # a nested tail with another type keeps its own relation
    probabilities[3] = torch.tensor([0.0, 0.9, 0.1])
    decoded = decode_relations(entities, 0, probabilities, LABELS, 0)
    assert [(r.tail, r.type) for r in decoded] == [(1, "PNG"), (2, "NNG")]


def build(reader, model_params):
    instances = list(reader.read(str(FIXTURES / "brat")))
    vocab = Vocabulary.from_instances(instances)
    model = Model.from_params(vocab=vocab, params=Params(model_params))
    return instances, vocab, model


def test_marker_tokens_reach_a_resized_embedding_matrix():
    markers = marker_tokens(["MET"])
    reader = MarkedEntityReader(TINY_BERT, entity_types=["MET"])
    embedder = {"type": "pretrained_transformer", "model_name": TINY_BERT,
                "tokenizer_kwargs": {"additional_special_tokens": markers}}
    instances, vocab, model = build(reader, {
        "type": "marked_entity", "text_field_embedder": {"token_embedders": {"tokens": embedder}},
    })
    embeddings = model.text_field_embedder._token_embedders["tokens"].transformer_model.get_input_embeddings()
    tokenizer = reader.aligner.tokenizer
    assert embeddings.num_embeddings == len(tokenizer) == 600 + len(markers)
    assert tokenizer.convert_tokens_to_ids(markers) == list(range(600, 600 + len(markers)))
    # the indexer's vocabulary namespace agrees with the tokenizer the embedder was resized to
    indexer_tokenizer = reader.token_indexers["tokens"]._tokenizer
    assert indexer_tokenizer.convert_tokens_to_ids(markers) == tokenizer.convert_tokens_to_ids(markers)
    Batch(instances).index_instances(vocab)
    assert vocab.get_token_index("[/MET]", "tags") == tokenizer.convert_tokens_to_ids("[/MET]")
    ids = [t.text_id for instance in instances for t in instance["tokens"].tokens]
    assert max(ids) < embeddings.num_embeddings and {600, 602} & set(ids)


def marked_entity_model(ner_weight, relation_weight=1.0, **model_options):
    reader = MarkedEntityReader(TINY_BERT)
    embedder = {"type": "pretrained_transformer", "model_name": TINY_BERT,
                "tokenizer_kwargs": {"additional_special_tokens": marker_tokens()}}
    return build(reader, {
        **model_options,
        "type": "marked_entity", "ner_weight": ner_weight, "relation_weight": relation_weight, "dropout": 0.0,
        "text_field_embedder": {"token_embedders": {"tokens": embedder}},
    })


def evaluated_once(**model_options):
    """(instances, vocab, model, tensors, output) of one evaluation-mode forward pass over the fixtures."""
    torch.manual_seed(0)
    instances, vocab, model = marked_entity_model(**model_options)
    model.eval()
    batch = Batch(instances)
    batch.index_instances(vocab)
    tensors = batch.as_tensor_dict()
    return instances, vocab, model, tensors, model(**tensors)


def test_loss_is_the_weighted_sum_and_metrics_use_the_main_entity_gold():
    instances, vocab, model, tensors, output = evaluated_once(ner_weight=0.5, relation_weight=2.0)
    mask = output["mask"]
    ce_rel = util.sequence_cross_entropy_with_logits(
        output["relation_logits"], tensors["relation_labels"], mask, average="token"
    )
    ce_ner = util.sequence_cross_entropy_with_logits(output["tag_logits"], tensors["tags"], mask, average="token")
    assert output["loss"].item() == pytest.approx((2.0 * ce_rel + 0.5 * ce_ner).item(), rel=1e-5)
    # one predicted document per instance, every relation headed by the instance's main entity
    assert len(output["document"]) == len(instances) == 23
    for document, instance in zip(output["document"], instances):
        assert all(r.head == instance["metadata"]["main"] for r in document.relations)
        assert document.entities == instance["metadata"]["document"].entities
    metrics = model.get_metrics(reset=True)
    assert metrics["ner_f1"] == 1.0  # entities are given
    assert 0.0 <= metrics["rel_strict_f1"] <= 1.0 and "ner_head_f1" in metrics


def test_no_relation_weight_scales_the_label_0_words_of_the_relation_loss():
    _, vocab, _, tensors, output = evaluated_once(ner_weight=0.0, no_relation_weight=0.25)
    mask = output["mask"]
    labels = tensors["relation_labels"]
    # by hand: every word's negative log-likelihood, words labelled "0" weighted 0.25, over the word count
    nll = -output["relation_logits"].log_softmax(-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    no_relation = vocab.get_token_index("0", "relation_labels")
    weights = torch.where(labels == no_relation, 0.25, 1.0) * mask
    assert 0 < int(((labels != no_relation) & mask).sum()) < int(mask.sum())  # both kinds of words
    expected = (nll * weights).sum() / mask.sum()
    assert output["loss"].item() == pytest.approx(expected.item(), rel=1e-5)


def test_bio_tagger_loss_covers_first_word_pieces_only():
    torch.manual_seed(0)
    reader = BioTaggerReader(TINY_BERT)
    embedder = {"type": "pretrained_transformer", "model_name": TINY_BERT}
    instances, vocab, model = build(reader, {
        "type": "bio_tagger", "dropout": 0.0, "text_field_embedder": {"token_embedders": {"tokens": embedder}},
    })
    model.eval()
    batch = Batch(instances)
    batch.index_instances(vocab)
    tensors = batch.as_tensor_dict()
    output = model(**tensors)
    # the same loss by hand: only real words (first word pieces), padding excluded
    logits, tags = output["tag_logits"], tensors["tags"]
    words = [len(i["metadata"]["document"].tokens) for i in instances]
    losses = [
        torch.nn.functional.cross_entropy(logits[b, :n], tags[b, :n], reduction="sum") for b, n in enumerate(words)
    ]
    assert output["mask"].sum().item() == sum(words) < output["mask"].numel()
    assert output["loss"].item() == pytest.approx((sum(losses) / sum(words)).item(), rel=1e-5)
    assert len(output["document"]) == len(instances)
    assert all(d.relations == [] for d in output["document"])
    assert 0.0 <= model.get_metrics(reset=True)["ner_f1"] <= 1.0


def test_config_gives_the_embedder_the_reader_markers():
    from allennlp.data import DatasetReader

    root = FIXTURES.parent
    ext_vars = {"TRANSFORMER_MODEL": TINY_BERT, "TRAIN_DATA_PATH": str(FIXTURES / "brat"),
                "VALIDATION_DATA_PATH": str(FIXTURES / "brat")}
    params = Params.from_file(str(root / "training_configs" / "rurebus" / "re.jsonnet"), ext_vars=ext_vars)
    reader = DatasetReader.from_params(params["dataset_reader"].duplicate())
    embedder = params["model"]["text_field_embedder"]["token_embedders"]["tokens"].as_dict()
    assert embedder["tokenizer_kwargs"]["additional_special_tokens"] == reader.markers
    assert reader.markers == ["[E]", "[/E]"]  # the paper's final run: untyped span markers
    typed = Params.from_file(str(root / "training_configs" / "marked_entity" / "conll04.jsonnet"), ext_vars=ext_vars)
    typed_reader = DatasetReader.from_params(typed["dataset_reader"].duplicate())
    typed_embedder = typed["model"]["text_field_embedder"]["token_embedders"]["tokens"].as_dict()
    assert typed_embedder["tokenizer_kwargs"]["additional_special_tokens"] == typed_reader.markers
    assert len(typed_reader.markers) == 2 + 2 * 4  # generic pair + typed pairs of the 4 CoNLL04 types
    assert params["vocabulary"]["tokens_to_add"]["relation_labels"][0] == "0"


def test_relation_threshold_grid_equals_decoding_at_each_threshold():
    _, _, model, tensors, output = evaluated_once(ner_weight=0.0)
    scores = torch.tensor([r.score for d in output["document"] for r in d.relations])
    assert len(scores) > 3
    grid = scores.quantile(torch.tensor([0.25, 0.5, 0.75])).tolist()
    with torch.no_grad():
        decoded = model.predict_with_thresholds(tensors, [None], grid)
        assert set(decoded) == {(None, threshold) for threshold in grid}
        counts = []
        for threshold in grid:
            model.relation_threshold = threshold
            direct = model(**tensors)["document"]
            kept = [[(r.head, r.tail, r.type) for r in d.relations] for d in decoded[None, threshold]]
            assert kept == [[(r.head, r.tail, r.type) for r in d.relations] for d in direct]
            assert all(r.score >= threshold for d in direct for r in d.relations)
            counts.append(sum(map(len, kept)))
    assert counts[0] > counts[-1]  # the grid points decode differently
    assert model.thresholds() == {"relation_threshold": grid[-1]}
