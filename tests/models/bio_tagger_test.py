from pathlib import Path

import pytest
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


def tiny_tagger(vocab, **options):
    from allennlp.common import Params
    from allennlp.models import Model

    from tests.conftest import TINY_BERT

    embedder = {"type": "pretrained_transformer", "model_name": TINY_BERT}
    params = {"type": "bio_tagger", "dropout": 0.0, "text_field_embedder": {"token_embedders": {"tokens": embedder}}}
    return Model.from_params(vocab=vocab, params=Params({**params, **options}))


def test_constrained_decoding_takes_the_best_bio_path_where_argmax_opens_an_entity_with_i():
    tags = ("O", "B-MET", "I-MET", "B-QUA", "I-QUA")
    vocab = Vocabulary(non_padded_namespaces=[NER_TAG_NAMESPACE])
    for tag in tags:
        vocab.add_token_to_namespace(tag, NER_TAG_NAMESPACE)
    index = {t: vocab.get_token_index(t, NER_TAG_NAMESPACE) for t in tags}

    def word(**probabilities):
        row = torch.full((len(tags),), (1.0 - sum(probabilities.values())) / (len(tags) - len(probabilities)))
        for tag, p in probabilities.items():
            row[index[tag.replace("_", "-")]] = p
        return row

    # sentence 1: O, then I-QUA .5 / B-MET .4, I-MET .9, O; sentence 2: I-MET .6 / B-QUA .3 and padding
    first = [word(O=0.7), word(I_QUA=0.5, B_MET=0.4), word(I_MET=0.9), word(O=0.6)]
    second = [word(I_MET=0.6, B_QUA=0.3), word(O=0.9), word(O=0.9), word(O=0.9)]
    probabilities = torch.stack([torch.stack(first), torch.stack(second)])
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    argmax = tiny_tagger(vocab).predicted_tags(probabilities, mask)
    constrained = tiny_tagger(vocab, constrained_decoding=True).predicted_tags(probabilities, mask)

    def ids(*names):
        return [index[t] for t in names]

    assert argmax.tolist() == [ids("O", "I-QUA", "I-MET", "O"), ids("I-MET", "O", "O", "O")]  # padding is O
    # argmax: QUA(1, 2) and MET(2, 3) from stray I- tags; Viterbi: O -> B-MET (.4) -> I-MET (.9) beats
    # every path through B-QUA or O at word 1, and a sentence cannot start with I-MET
    assert constrained.tolist() == [ids("O", "B-MET", "I-MET", "O"), ids("B-QUA", "O", "O", "O")]
    entities = decode_bio(vocab, constrained[0], probabilities[0], length=4)
    assert [(e.start, e.end, e.type) for e in entities] == [(1, 3, "MET")]
    assert entities[0].score == pytest.approx((0.4 + 0.9) / 2)  # the probabilities of the tags it took


def test_constrained_decoding_predicts_valid_bio_on_the_fixtures():
    from allennlp.data import Batch

    from jointie_allennlp.dataset_readers.bio_tagger import BioTaggerReader
    from tests.conftest import TINY_BERT

    torch.manual_seed(0)
    instances = list(BioTaggerReader(TINY_BERT).read(str(FIXTURES / "brat")))
    vocab = Vocabulary.from_instances(instances)
    model = tiny_tagger(vocab, constrained_decoding=True).eval()
    batch = Batch(instances)
    batch.index_instances(vocab)
    with torch.no_grad():
        output = model(**batch.as_tensor_dict())
    probabilities = output["tag_logits"].softmax(-1)
    predicted = model.predicted_tags(probabilities, output["mask"])
    stray = 0
    for row, length in zip(predicted, output["mask"].sum(-1).tolist()):
        names = [vocab.get_token_from_index(int(i), NER_TAG_NAMESPACE) for i in row[:length]]
        for previous, tag in zip(["O"] + names, names):
            assert not tag.startswith("I-") or previous[2:] == tag[2:] and previous != "O"
    argmax = probabilities.argmax(-1)
    for row, length in zip(argmax, output["mask"].sum(-1).tolist()):
        names = [vocab.get_token_from_index(int(i), NER_TAG_NAMESPACE) for i in row[:length]]
        stray += sum(t.startswith("I-") and (p == "O" or p[2:] != t[2:]) for p, t in zip(["O"] + names, names))
    assert stray > 0  # the untrained tagger's argmax does break BIO here, so the check above means something
    lengths = output["mask"].sum(-1).tolist()
    assert [len(d.entities) for d in output["document"]] == [
        len(decode_bio(vocab, row, p, n)) for row, p, n in zip(predicted, probabilities, lengths)]
