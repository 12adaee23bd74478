import json
from pathlib import Path

import pytest
import torch
from allennlp.common import Params
from allennlp.data import Batch, DatasetReader
from allennlp.models import Model

from jointie_allennlp.models.biaffine_joint import BiaffineJointModel
from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor
from tests.conftest import ConfigModelTestCase

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "fixtures"
CONFIG = PROJECT_ROOT / "training_configs" / "biaffine" / "conll04.jsonnet"
# RE parameters only get gradients from pairs of entities: a fresh tagger predicts few, so the
# gradient check trains with gold entities added and λ = 1.
# The bucket sampler shuffles (and adds padding noise) on its own: off, so both readings match.
GRADIENT_OVERRIDES = json.dumps(
    {
        "model.entity_pretraining": False,
        "model.train_with_gold_entities": True,
        "data_loader.batch_sampler.shuffle": False,
        "data_loader.batch_sampler.padding_noise": 0.0,
    }
)


class TestBiaffineJointModel(ConfigModelTestCase):
    config = CONFIG

    def test_model_can_train_save_and_load(self):
        # The transformer's pooler is not used (the model reads the last hidden states).
        self.ensure_model_can_train_save_and_load(
            self.param_file, overrides=GRADIENT_OVERRIDES, gradients_to_ignore=self.pooler(), seed=1
        )

    def test_forward_returns_one_predicted_document_per_instance(self):
        self.model.eval()
        output = self.model(**self._tensors())
        for document, gold in self.predicted_and_gold(output):
            assert document.metadata == gold.metadata
            for entity in document.entities:
                assert 0 <= entity.start < entity.end <= len(document.tokens) and 0 < entity.score <= 1
        assert output["tag_logits"].shape[:2] == output["mask"].shape
        metrics = self.model.get_metrics(reset=True)
        assert {"ner_f1", "rel_strict_f1", "rel_boundaries_f1", "re_weight"} <= set(metrics)

    def _force_relation(self, model: BiaffineJointModel, label: str) -> None:
        index = self.vocab.get_token_index(label, "relation_labels")
        with torch.no_grad():
            model.biaffine.linear.bias.fill_(-100.0)
            model.biaffine.linear.bias[index] = 100.0

    def test_gold_entities_mode_scores_every_ordered_pair_of_gold_entities(self):
        model = self._model(gold_entities=True)
        self._force_relation(model, "Live_In")
        model.eval()
        output = model(**self._tensors())
        pairs = 0
        for document, instance in zip(output["document"], self.instances):
            gold_entities = instance["metadata"]["gold_entities"]
            assert document.entities == gold_entities
            n = len(gold_entities)
            assert sorted((r.head, r.tail) for r in document.relations) == [
                (h, t) for h in range(n) for t in range(n) if h != t
            ]
            assert {r.type for r in document.relations} <= {"Live_In"}
            pairs += n * (n - 1)
        assert pairs > 0
        metrics = model.get_metrics(reset=True)
        assert metrics["ner_f1"] == 1.0  # the fixtures have no nested entities
        assert 0 < metrics["rel_strict_recall"] <= 1.0

    def test_evaluation_scores_pairs_in_chunks_of_max_pairs_with_unchanged_results(self):
        model = self._model(gold_entities=True)
        model.eval()
        rows = []
        model.biaffine.register_forward_hook(lambda module, inputs, output: rows.append(inputs[0].shape[0]))
        tensors = self._tensors()
        whole = model(**tensors)
        pairs = sum(rows)
        assert rows == [pairs] and pairs > 2  # the default chunk (1000) holds every pair of the fixtures
        rows.clear()
        model.max_pairs = 2
        chunked = model(**tensors)
        assert sum(rows) == pairs and max(rows) == 2 and len(rows) == -(-pairs // 2)
        assert torch.allclose(chunked["loss"], whole["loss"], atol=1e-6)
        for a, b in zip(whole["document"], chunked["document"]):
            assert [(r.head, r.tail, r.type) for r in a.relations] == [(r.head, r.tail, r.type) for r in b.relations]
            assert [r.score for r in a.relations] == pytest.approx([r.score for r in b.relations], abs=1e-6)
        # training scores every pair in one call (one dropout draw per pair, as before)
        rows.clear()
        model.train()
        model(**tensors)
        assert rows == [pairs]

    def test_negative_class_everywhere_predicts_no_relation(self):
        model = self._model(gold_entities=True)
        self._force_relation(model, "NEG")
        model.eval()
        documents = model(**self._tensors())["document"]
        assert sum(len(d.entities) for d in documents) > 0
        assert all(d.relations == [] for d in documents)

    def test_loss_is_ner_loss_plus_ramped_relation_loss(self):
        model = self._model(train_with_gold_entities=True, entity_pretraining_batches=4, dropout=0.0)
        model.train()
        tensors = self._tensors()
        weights = []
        for _ in range(6):
            output = model(**tensors)
            weight = model.get_metrics()["re_weight"]
            weights.append(weight)
            assert output["relation_loss"] > 0
            expected = output["ner_loss"] + weight * output["relation_loss"]
            assert torch.isclose(output["loss"].detach(), expected)
        assert weights == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
        model.eval()
        model(**tensors)
        assert model.get_metrics()["re_weight"] == 1.0  # evaluation: λ = 1

    def test_no_entity_pretraining_uses_full_relation_loss_from_the_start(self):
        model = self._model(entity_pretraining=False)
        model.train()
        model(**self._tensors())
        assert model.get_metrics()["re_weight"] == 1.0

    def test_pairs_with_predicted_entities_only_in_training_by_default(self):
        # A model whose tagger predicts O everywhere has no candidate pairs, hence no RE loss.
        model = self._model(entity_pretraining=False)
        outside = self.vocab.get_token_index("O", "entity_tags")
        with torch.no_grad():
            model.tag_projection.weight.zero_()
            model.tag_projection.bias.fill_(-10.0)
            model.tag_projection.bias[outside] = 10.0
        model.train()
        output = model(**self._tensors())
        assert output["relation_loss"] == 0.0
        with_gold = self._model(entity_pretraining=False, train_with_gold_entities=True)
        with_gold.load_state_dict(model.state_dict())
        with_gold.train()
        assert with_gold(**self._tensors())["relation_loss"] > 0.0

    @pytest.mark.parametrize(
        "options, check",
        [
            ({"entity_pretraining": False}, lambda m: not m.loss_weight_ramp.enabled),
            ({"entity_embedding_dim": 0}, lambda m: m.entity_embedding is None),
            ({"projection": "shared"}, lambda m: m.head_feedforward is m.tail_feedforward),
            (
                {"projection": "none"},
                lambda m: m.head_feedforward is None
                and m.biaffine.head_dim == m.text_field_embedder.get_output_dim() + 128,
            ),
            ({"use_bilinear": False}, lambda m: m.biaffine.bilinear is None),
        ],
        ids=["a_no_entity_pretraining", "b_no_entity_embeddings", "c_shared_ffnn", "d_no_ffnn", "e_no_bilinear"],
    )
    def test_ablation_switches(self, options, check):
        model = self._model(train_with_gold_entities=True, entity_pretraining_batches=1, **options)
        assert check(model)
        model.train()
        model(**self._tensors())  # λ = 0 on the first batch
        output = model(**self._tensors())
        output["loss"].backward()
        assert model.biaffine.linear.weight.grad.abs().sum() > 0
        model.eval()
        assert len(model(**self._tensors())["document"]) == len(self.instances)

    @pytest.mark.parametrize("strict", [True, False])
    def test_relation_candidates_are_well_formed_bioes_entities(self, strict):
        # tags forced per word: B-Peop I-Peop (no E-) | S-Loc | S-Org, the rest O
        model = self._model(gold_entities=False, strict_relation_candidates=strict)
        self._force_relation(model, "Live_In")
        (instance,) = [i for i in self.instances if len(i["metadata"]["document"].tokens) >= 5][:1]
        length = len(instance["metadata"]["document"].tokens)
        wanted = ["B-Peop", "I-Peop", "U-Loc", "U-Org"] + ["O"] * (length - 4)
        index = [self.vocab.get_token_index(tag, "entity_tags") for tag in wanted]
        with torch.no_grad():
            model.tag_projection.weight.zero_()
            model.tag_projection.bias.zero_()
        model.eval()
        original = model._decode_entities

        def forced(tag_ids, probabilities, n):
            return original(torch.tensor(index[:n]), probabilities, n)

        model._decode_entities = forced
        (document,) = model(**Batch([instance]).as_tensor_dict())["document"]
        assert [(e.start, e.end, e.type) for e in document.entities] == [(0, 2, "Peop"), (2, 3, "Loc"), (3, 4, "Org")]
        pairs = sorted((r.head, r.tail) for r in document.relations)
        if strict:  # the ill-formed Peop (no E-) is no candidate; the NER output keeps it
            assert pairs == [(1, 2), (2, 1)]
        else:
            assert pairs == [(h, t) for h in range(3) for t in range(3) if h != t]

    def test_unknown_projection_is_rejected(self):
        with pytest.raises(Exception, match="projection"):
            self._model(projection="twin")

    def test_shared_predictor_on_raw_text(self):
        self.model.eval()
        reader = DatasetReader.from_params(Params.from_file(self.param_file).pop("dataset_reader"))
        predictor = JointExtractionPredictor(self.model, reader)
        result = predictor.predict_json({"id": "x", "text": "John Smith lives in Boston. He works for IBM."})
        assert result["id"] == "x" and len(result["sentences"]) == 2
        assert set(result) >= {"tokens", "entities", "relations"}
        for relation in result["relations"]:
            assert 0 <= relation["head"] < len(result["entities"]) and relation["type"] != "NEG"
        assert predictor.failed_inputs == 0


def test_folded_long_sentences_keep_word_positions():
    """A sentence longer than the embedder's segment length is encoded in segments."""
    from allennlp.data import Vocabulary

    from jointie_allennlp.data.document import Document, Entity, Relation
    from jointie_allennlp.dataset_readers.biaffine_joint import BiaffineJointReader

    tiny_bert = str(FIXTURES / "tiny_bert")
    words = ["Ann", "lives", "in", "Rome"] + ["and"] * 12 + ["Bob", "works", "for", "IBM"]
    document = Document.from_tokens(
        "d", words, entities=[Entity(0, 1, "Peop"), Entity(3, 4, "Loc"), Entity(16, 17, "Peop"), Entity(19, 20, "Org")],
        relations=[Relation(0, 1, "Live_In"), Relation(2, 3, "Work_For")],
    )
    folded = BiaffineJointReader(tiny_bert, max_length=128, segment_length=8).document_to_instances(document)
    whole = BiaffineJointReader(tiny_bert).document_to_instances(document)
    vocab = Vocabulary.from_instances(whole)
    outputs = []
    for instances, segment_length in ((folded, 8), (whole, None)):
        torch.manual_seed(0)
        model = Model.from_params(
            vocab=vocab,
            params=Params({
                "type": "biaffine_joint", "gold_entities": True,
                "text_field_embedder": {"token_embedders": {"tokens": {
                    "type": "pretrained_transformer", "model_name": tiny_bert, "max_length": segment_length}}},
            }),
        )
        model.eval()
        outputs.append(model.forward_on_instances(instances)[0])
    # Same words, same candidate pairs; different contexts, so only the shapes agree.
    assert outputs[0]["tag_logits"].shape == outputs[1]["tag_logits"].shape == (20, vocab.get_vocab_size("entity_tags"))
    assert len(outputs[0]["document"].relations) <= 12
    assert outputs[0]["document"].entities == outputs[1]["document"].entities == document.entities
