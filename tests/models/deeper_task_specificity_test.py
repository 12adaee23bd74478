import json
from pathlib import Path

import torch
from allennlp.common import Params
from allennlp.common.testing import ModelTestCase
from allennlp.data import DatasetReader

from jointie_allennlp.data.document import Document, Entity
from jointie_allennlp.dataset_readers.deeper_task_specificity import RELATION_NAMESPACE, TAG_NAMESPACE
from jointie_allennlp.modules.resbn_transformer import ResBNTransformerEncoder
from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor
from tests.conftest import ConfigModelTestCase

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "fixtures"
CONFIGS = PROJECT_ROOT / "training_configs" / "deeper_task_specificity"
# The bucket sampler shuffles and adds padding noise on its own: off, so both readings match.
# RE parameters only get gradients from pairs of gold entities: the gradient check's batch is the
# whole training fixture (10 sentences), so it holds some.
OVERRIDES = json.dumps(
    {
        "data_loader.batch_sampler.shuffle": False,
        "data_loader.batch_sampler.padding_noise": 0.0,
        "data_loader.batch_sampler.batch_size": 10,
    }
)


class _Base(ConfigModelTestCase):
    config = CONFIGS / "conll04.jsonnet"


class TestDeeperTaskSpecificityModel(_Base):
    def test_model_can_train_save_and_load(self):
        self.ensure_model_can_train_save_and_load(self.param_file, overrides=OVERRIDES, seed=1)

    def test_paper_defaults(self):
        model = self.model
        assert [type(e).__name__ for e in (model.shared_encoder, model.ner_encoder, model.relation_encoder)] == [
            "GruSeq2SeqEncoder"
        ] * 3
        assert model.shared_encoder._module.num_layers == 1 and model.ner_encoder._module.num_layers == 1
        assert model.relation_encoder._module.num_layers == 2
        assert model.shared_encoder.get_output_dim() == 512 and model.shared_encoder.is_bidirectional()
        assert model.label_embedding.embedding_dim == 25
        assert model.dropout.p == 0.35 and model.relation_dropout.p == 0.5
        assert model.relation_threshold == 0.9 and model.relation_loss_weight == 5.0
        characters = model.text_field_embedder._token_embedders["token_characters"]
        assert characters.get_output_dim() == 64  # 32 per direction
        # word 300 (the reimplementation report) + characters 64 + casing 7
        assert model.text_field_embedder.get_output_dim() == 371
        num_relations = self.vocab.get_vocab_size(RELATION_NAMESPACE)
        assert model.distmult.relation_diagonals.shape == (num_relations, 512 + 25)
        assert model.relation_projection.in_features == num_relations + 2 * 128 + 1

    def test_forward_returns_documents_and_respects_the_threshold(self):
        self.model.eval()
        output = self.model(**self._tensors())
        for document, _ in self.predicted_and_gold(output):
            for entity in document.entities:
                assert 0 <= entity.start < entity.end <= len(document.tokens) and 0 < entity.score <= 1
            for relation in document.relations:
                assert relation.score >= 0.9 and relation.head != relation.tail

    def test_threshold_zero_predicts_every_type_for_every_pair_of_gold_entities(self):
        model = self._model(relation_threshold=0.0, gold_entities=True)
        model.eval()
        output = model(**self._tensors())
        num_relations = self.vocab.get_vocab_size(RELATION_NAMESPACE)
        for document, instance in zip(output["document"], self.instances):
            gold_entities = instance["metadata"]["gold_entities"]
            assert document.entities == gold_entities
            n = len(gold_entities)
            assert len(document.relations) == n * (n - 1) * num_relations

    def test_relation_targets_are_multi_hot_gold_relations(self):
        model = self.model
        model.train()
        types = [self.vocab.get_token_from_index(i, RELATION_NAMESPACE) for i in range(2)]
        entities = [Entity(0, 2, "Peop"), Entity(3, 4, "Loc"), Entity(5, 6, "Org")]
        gold = {((0, 2, "Peop"), (3, 4, "Loc")): [types[0], types[1]], ((5, 6, "Org"), (0, 2, "Peop")): [types[1]]}
        pairs = [[(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]]
        num_relations = self.vocab.get_vocab_size(RELATION_NAMESPACE)
        logits = torch.zeros(6, num_relations)
        # all logits 0: each of the 6 * R terms costs log 2
        loss = model._relation_loss(logits, pairs, [entities], [{"gold_relations": gold}])
        assert torch.isclose(loss, torch.tensor(6 * num_relations * 0.6931472), atol=1e-4)
        logits[0, 0] = logits[0, 1] = logits[4, 1] = 50.0  # the three gold (pair, type) cells
        logits[1] = logits[2] = logits[3] = logits[5] = -50.0
        logits[0, 2:] = logits[4, 0] = -50.0
        logits[4, 2:] = -50.0
        assert model._relation_loss(logits, pairs, [entities], [{"gold_relations": gold}]).item() < 1e-6

    def test_shared_predictor_on_raw_text(self):
        reader = DatasetReader.from_params(Params.from_file(self.param_file).pop("dataset_reader"))
        predictor = JointExtractionPredictor(self.model, reader)
        assert type(self.model).default_predictor == "joint_extraction"
        result = predictor.predict_json({"id": "x", "text": "John Smith works for Acme Corp in Boston. He is 42."})
        assert "error" not in result
        document = predictor.predict_document(
            Document.from_tokens("y", ["Mary", "lives", "in", "Paris", "."])
        )
        assert document.tokens == ["Mary", "lives", "in", "Paris", "."]
        assert all(0 < e.score <= 1 for e in document.entities)

    def test_crf_uses_the_tag_scheme_constraints(self):
        tags = self.vocab.get_token_to_index_vocabulary(TAG_NAMESPACE)
        inside = [t for t in tags if t.startswith("I-")]
        assert inside and "O" in tags
        mask = self.model.crf._constraint_mask
        for tag in inside:
            assert mask[tags["O"], tags[tag]] == 0

    def test_training_conditions_on_gold_tags_and_gold_entities(self):
        model = self.model
        model.train()
        tensors = self._tensors()
        captured = {}
        original = model._score_pairs

        def spy(shared, label_ids, mask, candidates):
            captured["labels"], captured["candidates"] = label_ids.clone(), candidates
            return original(shared, label_ids, mask, candidates)

        model._score_pairs = spy
        output = model(**tensors)
        padding = tensors["tokens"]["tokens"]["tokens"] == 0
        assert torch.equal(captured["labels"], tensors["tags"].masked_fill(padding, model.outside_index))
        assert captured["candidates"] == [list(m["gold_entities"]) for m in tensors["metadata"]]
        assert torch.isclose(output["loss"], output["ner_loss"] + 5.0 * output["relation_loss"])


class TestDeeperTaskSpecificityResBN(_Base):
    config = CONFIGS / "conll04_resbn.jsonnet"

    @staticmethod
    def check_model_computes_gradients_correctly(model, model_batch, *args, **kwargs):
        # The check runs a training-mode forward pass on the original model only, which moves its
        # batch norms' running statistics; restore them so it predicts like the loaded copy.
        buffers = {name: buffer.clone() for name, buffer in model.named_buffers()}
        ModelTestCase.check_model_computes_gradients_correctly(model, model_batch, *args, **kwargs)
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                buffer.copy_(buffers[name])

    def test_stacks_are_resbn_blocks(self):
        model = self.model
        for encoder, blocks in ((model.shared_encoder, 1), (model.ner_encoder, 1), (model.relation_encoder, 2)):
            assert isinstance(encoder, ResBNTransformerEncoder) and len(encoder.blocks) == blocks
        assert model.shared_encoder.projection.in_features == 371 and model.shared_encoder.get_output_dim() == 256

    def test_model_can_train_save_and_load(self):
        self.ensure_model_can_train_save_and_load(self.param_file, overrides=OVERRIDES, seed=1)


class TestDeeperTaskSpecificityWithoutStacks(_Base):
    def test_zero_layers_everywhere(self):
        model = self._model(shared_encoder=None, ner_encoder=None, relation_encoder=None, label_embedding_dim=0)
        assert model.tag_projection.in_features == 128
        assert model.distmult.relation_diagonals.shape[1] == 371
        model.eval()
        assert len(model(**self._tensors())["document"]) == len(self.instances)


class TestDeeperTaskSpecificityLearnsRelations(_Base):
    def _gold_entities_model(self):
        """A seeded model in gold-entities mode, the fixture's tensors and a step of full-batch Adam."""
        torch.manual_seed(0)
        model = self._model(gold_entities=True)
        tensors = self._tensors()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            model.train()
            optimizer.zero_grad()
            model(**tensors)["loss"].backward()
            optimizer.step()

        return model, tensors, step

    def test_overfits_the_fixture_relations_at_the_paper_threshold(self):
        # Regression guard for "RE F1 ~ 0 while NER learns": with gold entities the RE branch alone
        # must fit a handful of sentences to relation F1 1.0 at Θ = 0.9 (summed BCE, λ_r = 5).
        model, tensors, train_step = self._gold_entities_model()
        assert sum(len(m["gold_relations"]) for m in tensors["metadata"]) > 0
        f1 = 0.0
        for step in range(1, 201):
            train_step()
            if step % 20 == 0:
                model.eval()
                model.get_metrics(reset=True)
                with torch.no_grad():
                    model(**tensors)
                f1 = model.get_metrics(reset=True)["rel_strict_f1"]
                if f1 == 1.0:
                    break
        assert f1 == 1.0, f"relation F1 {f1} after {step} full-batch steps"

    def test_threshold_grid_in_one_pass_equals_decoding_at_each_threshold(self):
        # `tune-threshold` decodes a whole Θ grid from one forward pass; each grid point must be the
        # model's own prediction at that Θ (entities included, which Θ does not touch).
        model, tensors, train_step = self._gold_entities_model()
        for _ in range(60):  # part-way: relation probabilities spread over (0, 1)
            train_step()
        model.eval()
        grid = [0.1, 0.5, 0.9]
        assert model.thresholds() == {"relation_threshold": 0.9}
        with torch.no_grad():
            decoded = model.predict_with_thresholds(tensors, [None], grid)
            counts = []
            for threshold in grid:
                model.relation_threshold = threshold
                expected = model(**tensors)["document"]
                got = decoded[(None, threshold)]
                assert [d.entities for d in got] == [d.entities for d in expected]
                assert [d.relations for d in got] == [d.relations for d in expected]
                counts.append(sum(len(d.relations) for d in got))
        assert model.thresholds() == {"relation_threshold": 0.9}
        assert counts[0] > counts[1] > counts[2]
