"""The BIO tagger and marked-entity models: decoding rule, marker embeddings, losses, metrics."""
import json

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, Vocabulary
from allennlp.models import Model
from allennlp.nn import util

from jointie_allennlp.data.document import Document, Entity
from jointie_allennlp.data.formats.reading import read_any
from jointie_allennlp.dataset_readers.bio_tagger import BioTaggerReader
from jointie_allennlp.dataset_readers.marked_entity import MarkedEntityReader, marker_tokens
from jointie_allennlp.models.marked_entity import decode_relations, relation_signatures
from tests.conftest import FIXTURES, TINY_BERT

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


BOTH_LABELS = {0: "0", 1: "NNG", 2: "PNG", 3: "NNG^-1", 4: "PNG^-1"}


def test_decoding_an_inverse_label_gives_the_relation_to_the_main_entity():
    entities = [Entity(0, 1, "BIN"), Entity(1, 3, "MET"), Entity(3, 4, "QUA"), Entity(4, 5, "ECO")]
    probabilities = distribution(
        [0.1, 0.1, 0.1, 0.6, 0.1],  # main entity: ignored
        [0.1, 0.1, 0.1, 0.6, 0.1],  # MET word 1
        [0.3, 0.1, 0.1, 0.4, 0.1],  # MET word 2 -> mean NNG^-1 0.5: MET -NNG-> main
        [0.2, 0.1, 0.6, 0.0, 0.1],  # QUA: PNG, main -PNG-> QUA
        [0.5, 0.1, 0.1, 0.1, 0.2],  # ECO: '0'
    )
    relations = decode_relations(entities, 0, probabilities, BOTH_LABELS, no_relation=0)
    assert [(r.head, r.tail, r.type) for r in relations] == [(1, 0, "NNG"), (0, 2, "PNG")]
    assert [r.score for r in relations] == pytest.approx([0.5, 0.6])
    # marking another entity: the inverse label still points at the marked one
    assert [(r.head, r.tail, r.type) for r in decode_relations(entities, 2, probabilities, BOTH_LABELS, 0)] == [
        (0, 2, "NNG"), (1, 2, "NNG")
    ]


def test_overlapping_entities_with_one_inverse_label_keep_the_longest_and_directions_do_not_compete():
    # main BIN; ACT (words 1-3) contains ECO (word 3)
    entities = [Entity(0, 1, "BIN"), Entity(1, 4, "ACT"), Entity(3, 4, "ECO")]
    probabilities = distribution([1, 0, 0, 0, 0], *[[0.1, 0.1, 0.0, 0.0, 0.8]] * 3)
    decoded = decode_relations(entities, 0, probabilities, BOTH_LABELS, 0)
    assert [(r.head, r.tail, r.type) for r in decoded] == [(1, 0, "PNG")]
    # the nested entity with the forward label of the same type keeps its own relation
    probabilities[3] = torch.tensor([0.0, 0.0, 0.9, 0.0, 0.1])
    decoded = decode_relations(entities, 0, probabilities, BOTH_LABELS, 0)
    assert [(r.head, r.tail, r.type) for r in decoded] == [(1, 0, "PNG"), (0, 2, "PNG")]


def hand_set_decoding(**model_options):
    """A `directions="both"` model's `_decode` of hand-set logits over "a b c d" with entities
    BIN(a) MET(b c) QUA(d): (reader, vocab, model, document, instances, decoded parts, probabilities, label)."""
    reader = MarkedEntityReader(TINY_BERT, directions="both")
    _, vocab, model = marked_entity_model(ner_weight=0.0, directions="both", **model_options)
    model.eval()
    document = Document.from_tokens(
        "hand", ["a", "b", "c", "d"], entities=[Entity(0, 1, "BIN"), Entity(1, 3, "MET"), Entity(3, 4, "QUA")]
    )
    instances = reader.document_to_instances(document)
    assert [i["metadata"]["main"] for i in instances] == [0, 1, 2]
    batch = Batch(instances)
    batch.index_instances(vocab)
    tensors = batch.as_tensor_dict()
    with torch.no_grad():
        mask = model(**tensors)["mask"]

    def label(name):
        return vocab.get_token_index(name, "relation_labels")

    logits = torch.zeros(3, 4, vocab.get_vocab_size("relation_labels"))
    logits[..., label("0")] = 5.0
    logits[0, 1:3, label("NNG")] = 10.0  # main BIN: BIN -NNG-> MET
    logits[1, 0, label("NNG^-1")] = 8.0  # main MET: BIN -NNG-> MET again, less sure
    logits[1, 3, label("PNG")] = 7.0  # main MET: MET -PNG-> QUA
    logits[2, 1:3, label("PNG^-1")] = 12.0  # main QUA: MET -PNG-> QUA again, surer
    logits[2, 0, label("NPS^-1")] = 9.0  # main QUA: BIN -NPS-> QUA
    parts = model._decode(logits, mask, [i["metadata"].metadata for i in instances])
    return reader, vocab, model, document, instances, parts, logits.softmax(-1), label


def test_hand_set_logits_decode_into_directed_relations_merged_once_with_the_highest_score():
    from jointie_allennlp.predictors.marked_entity import MarkedEntityPredictor, with_entities_only

    reader, vocab, model, document, instances, parts, probabilities, label = hand_set_decoding()

    def p(instance, word, name):
        return float(probabilities[instance, word, label(name)])

    assert [[(r.head, r.tail, r.type) for r in part.relations] for part in parts] == [
        [(0, 1, "NNG")], [(0, 1, "NNG"), (1, 2, "PNG")], [(0, 2, "NPS"), (1, 2, "PNG")]
    ]
    predictor = MarkedEntityPredictor(model, reader)
    given = with_entities_only(document, document.entities)
    merged = predictor.combine_outputs(given, [{"document": d} for d in parts])
    assert merged.entities == document.entities
    assert sorted((r.head, r.tail, r.type, round(r.score, 6)) for r in merged.relations) == [
        (0, 1, "NNG", round(p(0, 1, "NNG"), 6)),  # the higher of 0.99.. (from BIN) and 0.95.. (from MET)
        (0, 2, "NPS", round(p(2, 0, "NPS^-1"), 6)),
        (1, 2, "PNG", round(p(2, 1, "PNG^-1"), 6)),  # from QUA, above MET's own
    ]
    assert p(0, 1, "NNG") > p(1, 0, "NNG^-1") and p(2, 1, "PNG^-1") > p(1, 3, "PNG")
    # the types the model predicts are the relation types, not their labels
    assert "NNG^-1" in vocab.get_token_to_index_vocabulary("relation_labels")
    assert model.extraction_types()["relation_types"] == ["FNT", "GOL", "NNG", "NNT", "NPS", "PNG", "TSK"]


def test_both_directions_train_one_epoch_on_the_brat_fixtures_and_predict(tmp_path):
    import json

    from allennlp.commands.train import train_model
    from allennlp.models.archival import load_archive
    from allennlp.predictors import Predictor

    from jointie_allennlp.data.formats.brat import read_brat
    from jointie_allennlp.dataset_readers.marked_entity import split_relation_label
    from jointie_allennlp.predictors.marked_entity import with_entities_only

    ext_vars = {"TRANSFORMER_MODEL": TINY_BERT, "TRAIN_DATA_PATH": str(FIXTURES / "brat"),
                "VALIDATION_DATA_PATH": str(FIXTURES / "brat"), "TEST_DATA_PATH": "", "NUM_EPOCHS": "1",
                "BATCH_SIZE": "4", "MAIN_WITHOUT_RELATIONS": "", "NO_RELATION_WEIGHT": "0.05",
                "RELATION_DIRECTIONS": "both"}
    params = Params.from_file(str(FIXTURES.parent / "training_configs" / "rurebus" / "re_cpu.jsonnet"),
                              ext_vars=ext_vars)
    assert params["dataset_reader"]["directions"] == "both"
    train_model(params, serialization_dir=str(tmp_path / "re"))
    metrics = json.loads((tmp_path / "re" / "metrics.json").read_text())
    assert 0.0 <= metrics["best_validation_rel_strict_f1"] <= 1.0
    archive = load_archive(str(tmp_path / "re" / "model.tar.gz"), overrides={"model.relation_threshold": 0.0})
    labels = set(archive.model.vocab.get_token_to_index_vocabulary("relation_labels"))
    assert {"NNG^-1", "TSK^-1"} <= labels and archive.validation_dataset_reader.directions == "both"

    predictor = Predictor.from_archive(archive, "marked_entity")
    path = FIXTURES / "brat" / "doc1.txt"
    record = predictor.predict_lines([str(path)])[0]
    predicted = predictor.predict_document(read_brat(path))
    assert "error" not in record and len(record["relations"]) == len(predicted.relations) > 0
    # each directed relation once, between two different given entities, of a relation type
    keys = [(r.head, r.tail, r.type) for r in predicted.relations]
    assert len(keys) == len(set(keys))
    assert all(r.head != r.tail and not split_relation_label(r.type)[1] for r in predicted.relations)
    assert predicted.entities == read_brat(path).entities
    # the merged document holds what the instances found, each relation from both ends at its highest score
    given = read_brat(path)
    instances = archive.validation_dataset_reader.document_to_instances(with_entities_only(given, given.entities))
    found = {}
    for output in archive.model.forward_on_instances(instances):
        part = output["document"]
        first = part.metadata["sentence_of"][2]
        for r in part.relations:
            head, tail = part.entities[r.head], part.entities[r.tail]
            key = ((head.start + first, head.end + first), (tail.start + first, tail.end + first), r.type)
            found[key] = max(found.get(key, 0.0), r.score)
    merged = {((predicted.entities[r.head].start, predicted.entities[r.head].end),
               (predicted.entities[r.tail].start, predicted.entities[r.tail].end), r.type): r.score
              for r in predicted.relations}
    assert merged.keys() == found.keys()
    assert all(merged[key] == pytest.approx(found[key]) for key in found)


def test_relation_signatures_keep_the_relations_whose_types_occur_often_enough_in_the_given_data(tmp_path):
    # signatures in the given data: BIN -NNG-> MET twice, MET -PNG-> QUA once, none with NPS
    record = {"id": "s", "tokens": ["x", "y", "z", "w"],
              "entities": [{"start": 0, "end": 1, "type": "BIN"}, {"start": 1, "end": 2, "type": "MET"},
                           {"start": 2, "end": 3, "type": "MET"}, {"start": 3, "end": 4, "type": "QUA"}],
              "relations": [{"head": 0, "tail": 1, "type": "NNG"}, {"head": 0, "tail": 2, "type": "NNG"},
                            {"head": 1, "tail": 3, "type": "PNG"}, {"head": 3, "tail": 0, "type": "NPS"}]}
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert relation_signatures(read_any(data)) == {
        ("BIN", "NNG", "MET"): 2, ("MET", "PNG", "QUA"): 1, ("QUA", "NPS", "BIN"): 1}

    def decoded(**options):
        parts = hand_set_decoding(relation_signatures_from=str(data), **options)[5]
        return [[(r.head, r.tail, r.type) for r in part.relations] for part in parts]

    # unfiltered: [(0, 1, NNG)], [(0, 1, NNG), (1, 2, PNG)], [(0, 2, NPS), (1, 2, PNG)];
    # BIN -NPS-> QUA is not QUA -NPS-> BIN: the signature is directed
    assert decoded() == [[(0, 1, "NNG")], [(0, 1, "NNG"), (1, 2, "PNG")], [(1, 2, "PNG")]]
    # shares of the 4 relations: NNG 2/4, PNG 1/4, NPS 1/4
    assert decoded(relation_signature_min_share=0.25) == decoded()
    assert decoded(relation_signature_min_share=0.3) == [[(0, 1, "NNG")], [(0, 1, "NNG")], []]
    with pytest.raises(ConfigurationError, match="no relation signature has 0.6 of its 4 relations"):
        decoded(relation_signature_min_share=0.6)


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


def marked_entity_model(ner_weight, relation_weight=1.0, directions="head", **model_options):
    reader = MarkedEntityReader(TINY_BERT, directions=directions)
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


@pytest.mark.parametrize("directions", ["head", "both"])
def test_relation_threshold_grid_equals_decoding_at_each_threshold(directions):
    _, _, model, tensors, output = evaluated_once(ner_weight=0.0, directions=directions)
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
