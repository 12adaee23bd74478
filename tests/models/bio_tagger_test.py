from pathlib import Path

import torch
from allennlp.data import Vocabulary

from jointie_allennlp.data.tagging import NER_TAG_NAMESPACE
from jointie_allennlp.models.bio_tagger import decode_bio
from tests.conftest import ConfigModelTestCase, tiny_bert_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "fixtures"
ENVIRONMENT = tiny_bert_environment(
    TRAIN_DATA_PATH=str(FIXTURES / "brat"), VALIDATION_DATA_PATH=str(FIXTURES / "brat"), TEST_DATA_PATH=None
)
OVERRIDES = '{"data_loader.batch_sampler.shuffle": false, "data_loader.batch_sampler.padding_noise": 0.0}'


class TestBioTaggerModel(ConfigModelTestCase):
    config = PROJECT_ROOT / "training_configs" / "rurebus" / "ner.jsonnet"
    data = FIXTURES / "brat"
    environment = ENVIRONMENT

    def test_model_can_train_save_and_load(self):
        self.ensure_model_can_train_save_and_load(
            self.param_file, overrides=OVERRIDES, gradients_to_ignore=self.pooler(), seed=1
        )

    def test_one_predicted_document_per_sentence_with_entities_inside_it(self):
        self.model.eval()
        output = self.model(**self._tensors())
        for document, _ in self.predicted_and_gold(output):
            assert document.relations == []
            for entity in document.entities:
                assert 0 <= entity.start < entity.end <= len(document.tokens) and 0 < entity.score <= 1
        metrics = self.model.get_metrics(reset=True)
        assert 0.0 <= metrics["ner_f1"] <= 1.0

    def test_overfits_the_russian_fixture_entities(self, fit_then_score):
        """Guards labels, first-piece alignment and BIO decoding: the tagger learns the fixture."""
        assert fit_then_score(self.model, self.instances, epochs=25, lr=3e-3)["ner_f1"] >= 0.9


def test_decode_bio_scores_are_mean_argmax_probabilities():
    vocab = Vocabulary()
    for tag in ("O", "B-MET", "I-MET", "B-QUA"):
        vocab.add_token_to_namespace(tag, NER_TAG_NAMESPACE)
    index = {t: vocab.get_token_index(t, NER_TAG_NAMESPACE) for t in ("O", "B-MET", "I-MET", "B-QUA")}
    tags = torch.tensor([index["B-MET"], index["I-MET"], index["O"], index["B-QUA"], index["B-QUA"]])
    probabilities = torch.full((5, 4), 0.1)
    for word, best in enumerate([0.8, 0.6, 0.7, 0.9, 0.5]):
        probabilities[word, tags[word]] = best
    entities = decode_bio(vocab, tags, probabilities, length=4)  # the fifth word is padding
    assert [(e.start, e.end, e.type) for e in entities] == [(0, 2, "MET"), (3, 4, "QUA")]
    assert abs(entities[0].score - 0.7) < 1e-6 and abs(entities[1].score - 0.9) < 1e-6
