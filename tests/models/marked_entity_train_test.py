from pathlib import Path


from tests.conftest import ConfigModelTestCase, tiny_bert_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "fixtures"
ENVIRONMENT = tiny_bert_environment(
    TRAIN_DATA_PATH=str(FIXTURES / "brat"), VALIDATION_DATA_PATH=str(FIXTURES / "brat"), TEST_DATA_PATH=None
)
# ner_weight 0.1 (the paper's other runs) so that both heads get gradients; the default is 0.
OVERRIDES = ('{"data_loader.batch_sampler.shuffle": false, "data_loader.batch_sampler.padding_noise": 0.0, '
             '"model.ner_weight": 0.1}')


class TestMarkedEntityModelTraining(ConfigModelTestCase):
    config = PROJECT_ROOT / "training_configs" / "rurebus" / "re.jsonnet"
    data = FIXTURES / "brat"
    environment = ENVIRONMENT

    def test_model_can_train_save_and_load(self):
        self.ensure_model_can_train_save_and_load(
            self.param_file, overrides=OVERRIDES, gradients_to_ignore=self.pooler(), seed=1
        )

    def test_predicted_relations_are_headed_by_the_main_entity_between_given_entities(self):
        self.model.eval()
        output = self.model(**self._tensors())
        for (document, gold), instance in zip(self.predicted_and_gold(output), self.instances):
            assert document.entities == gold.entities
            assert all(r.head == instance["metadata"]["main"] and r.tail != r.head for r in document.relations)
        metrics = self.model.get_metrics(reset=True)
        assert metrics["ner_f1"] == 1.0  # given (gold) entities
        assert 0.0 <= metrics["rel_strict_f1"] <= 1.0 and 0.0 <= metrics["ner_head_f1"] <= 1.0

    def test_overfits_the_russian_fixture_relations(self, fit_then_score):
        """Guards markers, per-word relation labels and the decoding rule: the model learns the fixture."""
        gold = sum(len(i["metadata"]["document"].relations) for i in self.instances)
        assert gold > 0
        assert fit_then_score(self.model, self.instances, epochs=80, lr=3e-3)["rel_strict_f1"] >= 0.95
