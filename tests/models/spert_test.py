from pathlib import Path

import pytest
import torch
from allennlp.common import Params
from allennlp.data import Batch, DatasetReader, Vocabulary
from allennlp.models import Model

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.dataset_readers.spert import SpertReader
from jointie_allennlp.models.spert import SpertModel
from jointie_allennlp.models.spert_mt import SpertMTModel
from jointie_allennlp.modules.span_pooling import RangeMaxTable
from jointie_allennlp.modules.span_sampling import enumerate_spans, negative_pair_mask
from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor
from tests.conftest import FIXTURES, TINY_BERT, ConfigModelTestCase

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OVERRIDES = (
    '{"data_loader.batch_sampler.shuffle": false, "data_loader.batch_sampler.padding_noise": 0.0, '
    '"data_loader.batch_sampler.batch_size": 4}'  # one batch holding every dev relation
)


class _SpanModelTest(ConfigModelTestCase):
    approach = "spert"

    @property
    def config(self) -> Path:
        return PROJECT_ROOT / "training_configs" / self.approach / "conll04.jsonnet"

    def _model(self, full_vocabulary: bool = False, **options) -> SpertModel:
        torch.manual_seed(1)
        if full_vocabulary:  # the dev fixture lacks some types (e.g. the symmetric Conjunction)
            reader = DatasetReader.from_params(Params.from_file(self.param_file).pop("dataset_reader"))
            training = list(reader.read(self.environment["TRAIN_DATA_PATH"]))
            self.vocab = Vocabulary.from_instances(training + self.instances)
        return super()._model(**options)

    def test_model_can_train_save_and_load(self):
        self.ensure_model_can_train_save_and_load(
            self.param_file, overrides=OVERRIDES, gradients_to_ignore=self.pooler(), seed=1
        )

    def test_batch_predictions_are_consistent(self):
        model = self._consistency_model()
        model.eval()
        batched = model(**self._tensors())["document"]
        assert sum(len(d.entities) for d in batched) > 0
        for instance, expected in zip(self.instances, batched):
            (single,) = model(**self._tensors([instance]))["document"]
            assert [(e.start, e.end, e.type) for e in single.entities] == [
                (e.start, e.end, e.type) for e in expected.entities
            ]
            assert [(r.head, r.tail, r.type) for r in single.relations] == [
                (r.head, r.tail, r.type) for r in expected.relations
            ]
            for a, b in zip(single.entities + single.relations, expected.entities + expected.relations):
                assert a.score == pytest.approx(b.score, abs=1e-5)

    def _consistency_model(self):
        return self.model

    def test_forward_returns_one_predicted_document_per_instance_and_the_metric(self):
        self.model.eval()
        output = self.model(**self._tensors())
        for document, gold in self.predicted_and_gold(output):
            assert {k: v for k, v in document.metadata.items() if k != "warnings"} == gold.metadata
            for entity in document.entities:
                assert 0 <= entity.start < entity.end <= len(document.tokens)
                assert entity.end - entity.start <= 10
            for relation in document.relations:
                assert relation.head != relation.tail
        metrics = self.model.get_metrics(reset=True)
        assert {"ner_f1", "rel_strict_f1", "rel_boundaries_f1", "rel_strict_macro_f1"} <= set(metrics)
    @pytest.mark.parametrize("training", [False, True])
    def test_entity_scores_equal_the_classifier_on_the_concatenated_representation(self, training):
        model = self._model(dropout=0.0)
        model.train(training)
        tensors = self._tensors()
        pieces = model.text_field_embedder(tensors["tokens"])
        num_words = (tensors["word_spans"][..., 0] >= 0).sum(1)
        spans, mask = enumerate_spans(num_words, 3)
        representation, (pooled, widths), _ = model._span_representation(
            RangeMaxTable(pieces), pieces[:, 0], tensors["word_spans"], spans, mask
        )
        batch, n = spans.shape[:2]
        assert representation[0].shape == ((batch, n, pieces.size(-1)) if training else (batch, 1, pieces.size(-1)))
        # [CLS; max over the span's pieces; width embedding], built span by span
        expected = torch.zeros(batch, n, model.entity_classifier.in_features)
        for b, c in mask.nonzero().tolist():
            first, last = spans[b, c].tolist()
            piece_start, piece_end = tensors["word_spans"][b, first, 0], tensors["word_spans"][b, last - 1, 1]
            width = model.width_embedding(torch.tensor(last - first))
            expected[b, c] = torch.cat([pieces[b, 0], pieces[b, piece_start:piece_end].max(0).values, width])
        scores = model._entity_scores(representation)
        torch.testing.assert_close(scores["logits"][mask], model.entity_classifier(expected)[mask])
        if "identification" in scores:
            identification = model.entity_identifier(expected).squeeze(-1)
            torch.testing.assert_close(scores["identification"][mask], identification[mask])


    def test_training_loss_is_entity_plus_relation_loss(self):
        model = self._model(dropout=0.0)
        model.train()
        output = model(**self._tensors())
        assert output["entity_loss"] > 0 and output["relation_loss"] > 0
        assert torch.isclose(output["loss"].detach(), output["entity_loss"] + output["relation_loss"])

    def test_shared_predictor_on_raw_text_and_brat_output(self, tmp_path):
        self.model.eval()
        reader = DatasetReader.from_params(Params.from_file(self.param_file).pop("dataset_reader"))
        predictor = JointExtractionPredictor(self.model, reader, brat_output_dir=str(tmp_path))
        result = predictor.predict_json({"id": "x", "text": "John Smith lives in Boston. He works for IBM."})
        assert result["id"] == "x" and len(result["sentences"]) == 2
        for relation in result["relations"]:
            assert 0 <= relation["head"] < len(result["entities"])
        assert predictor.failed_inputs == 0
        assert (tmp_path / "x.ann").exists() and (tmp_path / "x.txt").exists()
        tokens = predictor.predict_json({"id": "t", "tokens": ["Tom", "lives", "in", "Oslo", "."]})
        assert tokens["tokens"] == ["Tom", "lives", "in", "Oslo", "."] and "error" not in tokens


class TestSpertModel(_SpanModelTest):
    approach = "spert"

    def _force(self, model, entity_type, relation_type):
        with torch.no_grad():
            model.entity_classifier.weight.zero_()
            model.entity_classifier.bias.fill_(-10.0)
            model.entity_classifier.bias[model.entity_types.index(entity_type) + 1] = 10.0
            model.relation_classifier.weight.zero_()
            model.relation_classifier.bias.fill_(-10.0)
            model.relation_classifier.bias[model.relation_types.index(relation_type)] = 10.0

    def test_each_stage_loss_is_averaged_as_in_the_reference(self):
        assert self.model.loss_reduction == "mean"

    @pytest.mark.parametrize("max_pairs", [1000, 7])
    def test_every_span_an_entity_gives_every_ordered_pair(self, max_pairs):
        model = self._model(max_pairs=max_pairs, max_span_size=2, max_relations_per_sentence=10_000)
        self._force(model, "Peop", "Live_In")
        model.eval()
        documents = model(**self._tensors())["document"]
        for document in documents:
            n = len(document.tokens)
            assert [(e.start, e.end) for e in document.entities] == [
                (i, i + w) for i in range(n) for w in (1, 2) if i + w <= n
            ]
            assert {e.type for e in document.entities} == {"Peop"}
            k = len(document.entities)
            assert sorted((r.head, r.tail) for r in document.relations) == [
                (h, t) for h in range(k) for t in range(k) if h != t
            ]
            assert {r.type for r in document.relations} == {"Live_In"}
            assert all(r.score > 0.99 for r in document.relations)

    def test_symmetric_relations_are_predicted_once_with_the_earlier_head(self):
        model = self._model(full_vocabulary=True, max_span_size=1)
        self._force(model, "Peop", "Conjunction")
        model.eval()
        (document,) = model(**self._tensors(self.instances[:1]))["document"]
        assert "Conjunction" in document.symmetric_relation_types
        k = len(document.entities)
        expected = [(h, t) for h in range(k) for t in range(h + 1, k)]
        assert sorted((r.head, r.tail) for r in document.relations) == expected

    def test_tensor_decoding_equals_the_per_pair_reference(self):
        model = self._model(full_vocabulary=True, max_span_size=3, dropout=0.0)
        _hand_built_scores(model, torch.Generator().manual_seed(5))
        model.eval()
        with torch.no_grad():
            tensors = self._tensors()
            documents = model(**tensors)["document"]
            expected = _reference_decoding(model, tensors)
        symmetric = {r.type for r in _relations(expected)} & documents[0].symmetric_relation_types
        assert symmetric, "the hand-built scores must predict a symmetric relation type"
        assert {r.type for r in _relations(expected)} - symmetric, "and an asymmetric one"
        assert any(len({(r.head, r.tail) for r in d.relations}) < len(d.relations) for d in expected)  # multi-label
        for document, reference in zip(documents, expected):
            assert 0 < len(document.entities) < 50 and "warnings" not in document.metadata
            assert document.entities == reference.entities
            assert [(r.head, r.tail, r.type) for r in document.relations] == [
                (r.head, r.tail, r.type) for r in reference.relations
            ]
            assert [r.score for r in document.relations] == pytest.approx([r.score for r in reference.relations])
        assert "capped_sentences" not in model.get_metrics(reset=True)

    def test_caps_bound_a_model_that_predicts_everything(self):
        model = self._model(full_vocabulary=True, max_entities_per_sentence=12, max_relations_per_sentence=30)
        self._force(model, "Peop", "Live_In")
        with torch.no_grad():  # every span an entity or not by chance, with distinct scores
            model.entity_classifier.weight.normal_(std=0.5, generator=torch.Generator().manual_seed(0))
            model.entity_classifier.bias[0] = 0.0
            model.entity_classifier.bias[model.entity_types.index("Peop") + 1] = 2.0
            model.relation_classifier.bias.fill_(10.0)  # every pair holds every relation type
        model.eval()
        reader = DatasetReader.from_params(Params.from_file(self.param_file).pop("dataset_reader"))
        words = "Tom Reed of Boston works for Acme Corp and lives in Oslo with Ann Lee".split()
        sentences = [Document.from_tokens(f"s{i}", (words * 3)[i % 7 : i % 7 + 30]) for i in range(300)]
        instances = [instance for sentence in sentences for instance in reader.document_to_instances(sentence)]
        pairs = 12 * 11 * len(model.relation_types)
        with torch.no_grad():
            capped = []
            for start in range(0, len(instances), 50):
                capped.extend(model(**self._tensors(instances[start : start + 50]))["document"])
            assert model.get_metrics(reset=True)["capped_sentences"] == 300
            model.max_entities_per_sentence = model.max_relations_per_sentence = 10**6
            uncapped = model(**self._tensors(instances[:2]))["document"]
        assert "capped_sentences" not in model.get_metrics()
        for document in capped:
            assert len(document.entities) == 12 and len(document.relations) == 30
            assert len(document.metadata["warnings"]) == 2
            assert document.metadata["warnings"][1] == (
                f"{pairs - 30} relations beyond max_relations_per_sentence=30 dropped (lowest scores)"
            )
        for document, everything in zip(capped, uncapped):
            assert len(everything.entities) > 12  # the cap was needed
            best = sorted(everything.entities, key=lambda e: -e.score)[:12]
            assert document.entities == sorted(best, key=lambda e: (e.start, e.end))
            assert document.metadata["warnings"][0] == (
                f"{len(everything.entities) - 12} entities beyond max_entities_per_sentence=12 dropped (lowest scores)"
            )

    def test_cap_warnings_reach_the_prediction_record(self):
        model = self._model(max_entities_per_sentence=3)
        self._force(model, "Peop", "Live_In")
        model.eval()
        reader = DatasetReader.from_params(Params.from_file(self.param_file).pop("dataset_reader"))
        predictor = JointExtractionPredictor(model, reader)
        result = predictor.predict_json({"id": "x", "text": "Tom Reed lives in Oslo. Ann Lee lives in Rome now."})
        assert len(result["entities"]) == 6 and len(result["relations"]) == 12
        spans = [6 * 7 // 2, 7 * 8 // 2]  # spans of 6 and 7 words ("." is a word)
        assert result["warnings"] == [
            f"sentence {n + 1}: {spans[n] - 3} entities beyond max_entities_per_sentence=3 dropped (lowest scores)"
            for n in (0, 1)
        ]
        assert result["warnings"][0].startswith("sentence 1: ")  # counted from 1, as the windows' warnings

    def test_bf16_inference_autocasts_evaluation_only_and_stays_close_to_fp32(self):
        model = self._model(bf16_inference=True)  # the config key reaches the model
        assert model.bf16_inference is True
        pieces, products = [], []
        model.text_field_embedder.register_forward_hook(lambda module, inputs, output: pieces.append(output))
        linear = next(m for m in model.text_field_embedder.modules() if isinstance(m, torch.nn.Linear))
        linear.register_forward_hook(lambda module, inputs, output: products.append(output.dtype))
        model.eval()
        losses = []
        for bf16 in (False, True):
            model.bf16_inference = bf16
            with torch.no_grad():
                output = model(**self._tensors())
            assert len(output["document"]) == len(self.instances)
            losses.append(output["loss"].float())
        assert products == [torch.float32, torch.bfloat16]  # the encoder's matrix products in bf16
        assert not torch.equal(pieces[1].float(), pieces[0])
        assert torch.allclose(pieces[1].float(), pieces[0], atol=0.1, rtol=0.05)
        assert torch.allclose(losses[1], losses[0], rtol=0.02)
        model.train()  # training never autocasts, whatever the switch
        assert torch.isfinite(model(**self._tensors())["loss"])
        assert products[-1] == torch.float32

    def test_nothing_above_the_relation_threshold_gives_no_relations(self):
        model = self._model(rel_filter_threshold=1.01)
        model.eval()
        documents = model(**self._tensors())["document"]
        assert sum(len(d.entities) for d in documents) > 0 and all(not d.relations for d in documents)

    def test_gold_spans_deduplicate_canonicalise_symmetric_and_skip_truncated(self):
        words = ["A", "b", "C", "d", "E"]
        document = Document.from_tokens(
            "g", words,
            entities=[Entity(0, 1, "Peop"), Entity(2, 3, "Loc"), Entity(2, 3, "Org"), Entity(4, 5, "Org")],
            relations=[Relation(1, 0, "Conjunction"), Relation(0, 2, "Live_In"), Relation(0, 1, "Located_In"),
                       Relation(0, 3, "Work_For")],
            symmetric_relation_types={"Conjunction"},
        )
        model = self._model(full_vocabulary=True)
        gold = model.gold_spans([document], torch.tensor([4]))  # word 4 cut off
        assert gold.entity_spans[0].tolist() == [[0, 1], [2, 3]]
        assert gold.entity_labels[0].tolist() == [model.entity_types.index(t) + 1 for t in ("Peop", "Loc")]
        assert gold.relation_pairs[0].tolist() == [[0, 1]]  # Conjunction 1->0 turned to 0->1, merged
        targets = gold.relation_targets[0, 0]
        expected = {"Conjunction", "Live_In", "Located_In"}
        assert {model.relation_types[i] for i in targets.nonzero().view(-1).tolist()} == expected
        assert gold.symmetric_related[0, 0, 1] and gold.related[0, 0, 1] and not gold.related[0, 1, 0]

    @pytest.mark.parametrize("symmetric_negatives", [False, True])
    def test_reversed_symmetric_relation_as_a_negative_only_when_asked(self, symmetric_negatives):
        document = Document.from_tokens(
            "s", ["Ann", "and", "Bob", "met", "."],
            entities=[Entity(0, 1, "Peop"), Entity(2, 3, "Peop")],
            relations=[Relation(0, 1, "Conjunction")],
            symmetric_relation_types={"Conjunction"},
        )
        reader = DatasetReader.from_params(Params.from_file(self.param_file).pop("dataset_reader"))
        instances = reader.document_to_instances(document, labelled=True)
        losses = {}
        for reduction in ("mean", "sum"):
            model = self._model(full_vocabulary=True, loss_reduction=reduction, dropout=0.0,
                                symmetric_negatives=symmetric_negatives)
            model.train()
            torch.manual_seed(2)
            losses[reduction] = model(**self._tensors(instances))["relation_loss"].item()
        # relation samples: the gold pair, plus its reversed direction only as the reference samples it
        assert losses["sum"] == pytest.approx((2 if symmetric_negatives else 1) * losses["mean"], rel=1e-5)

    def test_unknown_gold_type_names_the_document(self):
        document = Document.from_tokens("odd-doc", ["A"], entities=[Entity(0, 1, "Alien")])
        with pytest.raises(ValueError, match="odd-doc"):
            self.model.gold_spans([document], torch.tensor([1]))


class TestSpertMTModel(_SpanModelTest):
    approach = "spert_mt"

    def _consistency_model(self):
        return self._model(entity_threshold=-100.0, relation_threshold=-100.0, max_span_size=3)

    def test_config_builds_spert_mt_with_paper_defaults(self):
        model = self.model
        assert isinstance(model, SpertMTModel)
        assert (model.neg_entity_count, model.neg_relation_count) == (120, 120)
        assert (model.gamma, model.margin_positive, model.margin_negative, model.delta) == (2.0, 2.5, 0.5, 0.25)
        assert model.entity_threshold == model.relation_threshold == 0.85
        assert model.entity_classifier.bias is None and model.relation_classifier.bias is None
        assert model.loss_reduction == "sum"  # the paper's equations (the config and the class agree)
        params = Params.from_file(self.param_file).pop("model").as_dict()
        params.pop("loss_reduction")
        assert Model.from_params(vocab=self.vocab, params=Params(params)).loss_reduction == "sum"

    @pytest.mark.parametrize(
        "options",
        [{}, {"multi_task": False}, {"iou_scaled_loss": False}, {"entity_logits_in_relations": False}],
        ids=["full", "without_mtl", "without_iou", "without_entity_logits"],
    )
    def test_ablation_switches(self, options):
        model = self._model(**options)
        hidden = model.hidden_dim
        logits = len(model.entity_types) + (0 if options.get("multi_task", True) else 1)  # -MTL: + none
        with_logits = options.get("entity_logits_in_relations") is not False
        expected = hidden + 2 * (hidden + 25) + (2 * logits if with_logits else 0)
        assert model.relation_classifier.in_features == expected
        assert hasattr(model, "entity_identifier") == (options.get("multi_task", True))
        model.train()
        output = model(**self._tensors())
        output["loss"].backward()
        assert model.relation_classifier.weight.grad.abs().sum() > 0
        if options.get("multi_task", True):
            assert model.entity_identifier.weight.grad.abs().sum() > 0
            assert model.relation_identifier.weight.grad.abs().sum() > 0
        model.eval()
        assert len(model(**self._tensors())["document"]) == len(self.instances)

    def test_iou_switch_changes_only_the_entity_loss(self):
        tensors = self._tensors()
        losses = {}
        for iou in (True, False):
            model = self._model(iou_scaled_loss=iou, dropout=0.0, neg_entity_count=1000)
            model.train()
            torch.manual_seed(3)
            losses[iou] = model(**tensors)
        assert torch.isclose(losses[True]["relation_loss"], losses[False]["relation_loss"])
        assert losses[True]["entity_loss"] > losses[False]["entity_loss"]  # overlapping negatives weigh more

    def test_decoding_uses_class_scores_and_threshold(self):
        model = self._model(max_span_size=1)
        peop = model.entity_types.index("Peop")
        live_in = model.relation_types.index("Live_In")
        with torch.no_grad():
            model.entity_classifier.weight.zero_()
            model.relation_classifier.weight.zero_()
        model.eval()
        documents = model(**self._tensors())["document"]
        assert all(not d.entities for d in documents)  # all class scores 0 < θ: none
        with torch.no_grad():
            # a constant feature of every span: the width embedding of width 1
            model.width_embedding.weight.zero_()
            model.width_embedding.weight[1, 0] = 1.0
            model.entity_classifier.weight[peop, model.hidden_dim * 2] = 0.9  # 0.9 >= θ = 0.85
            model.relation_classifier.weight[live_in, model.hidden_dim + model.hidden_dim] = 0.86  # head width
        documents = model(**self._tensors())["document"]
        for document in documents:
            expected = [(i, i + 1, "Peop") for i in range(len(document.tokens))]
            assert [(e.start, e.end, e.type) for e in document.entities] == expected
            assert all(e.score == pytest.approx(0.9) for e in document.entities)
            k = len(document.entities)
            assert len(document.relations) == k * (k - 1) and {r.type for r in document.relations} == {"Live_In"}
        model.relation_threshold = 0.87
        assert all(not d.relations for d in model(**self._tensors())["document"])

    def test_without_mtl_is_single_step_softmax_with_none(self):
        # caps high enough for every span and pair of the fixture sentences
        model = self._model(multi_task=False, loss_reduction="mean", max_entities_per_sentence=10_000,
                            max_relations_per_sentence=1_000_000)
        types, relation_types = len(model.entity_types), len(model.relation_types)
        assert model.entity_classifier.out_features == types + 1 and model.entity_classifier.bias is not None
        assert model.relation_classifier.out_features == relation_types + 1
        assert not hasattr(model, "entity_identifier") and model.thresholds() == {}
        # relation loss: cross-entropy over [none, types]; a related pair's target is its type,
        # an unrelated one's "none"; two gold types share the target mass
        logits = torch.tensor([[0.0, 1.0, 2.0] + [0.0] * (relation_types - 2)] * 3)
        targets = torch.zeros((3, relation_types))
        targets[0, 1] = 1.0
        targets[2, 0] = targets[2, 1] = 1.0
        log_p = logits.log_softmax(-1)
        expected = -(log_p[0, 2] + log_p[1, 0] + 0.5 * (log_p[2, 1] + log_p[2, 2])) / 3
        assert model._relation_loss({"logits": logits}, targets) == pytest.approx(expected.item(), abs=1e-6)
        # decoding: softmax argmax, "none" wins -> nothing; a type wins -> its probability as score
        peop = model.entity_types.index("Peop") + 1
        with torch.no_grad():
            model.entity_classifier.weight.zero_()
            model.entity_classifier.bias.fill_(0.0)
            model.entity_classifier.bias[0] = 5.0
        model.eval()
        assert all(not d.entities for d in model(**self._tensors())["document"])
        with torch.no_grad():
            model.entity_classifier.bias[peop] = 6.0
            model.relation_classifier.weight.zero_()
            model.relation_classifier.bias.fill_(0.0)
            model.relation_classifier.bias[model.relation_types.index("Live_In") + 1] = 3.0
        documents = model(**self._tensors())["document"]
        probability = torch.tensor([5.0, 6.0] + [0.0] * (types - 1)).softmax(-1).max().item()
        relation_probability = torch.tensor([0.0, 3.0] + [0.0] * (relation_types - 1)).softmax(-1).max().item()
        for document in documents:
            assert document.entities and {e.type for e in document.entities} == {"Peop"}
            assert all(e.score == pytest.approx(probability, abs=1e-5) for e in document.entities)
            k = len(document.entities)
            assert len(document.relations) == k * (k - 1) and {r.type for r in document.relations} == {"Live_In"}
            assert all(r.score == pytest.approx(relation_probability, abs=1e-5) for r in document.relations)

    @pytest.mark.parametrize("multi_task", [True, False])
    def test_loss_reduction_sum_is_the_mean_times_the_samples(self, multi_task):
        tensors = self._tensors()
        outputs = {}
        for reduction in ("mean", "sum"):
            model = self._model(loss_reduction=reduction, multi_task=multi_task, dropout=0.0,
                                neg_entity_count=2, neg_relation_count=1)
            model.train()
            torch.manual_seed(5)
            outputs[reduction] = model(**tensors)
        # samples per stage: gold entities + 2 negative spans per sentence (all sentences have
        # > 2 non-entity spans); gold relation pairs + 1 unrelated pair where a sentence has one
        gold = model.gold_spans(model.documents_of(tensors["metadata"]), (tensors["word_spans"][..., 0] >= 0).sum(1))
        entity_samples = gold.entity_mask.sum().item() + 2 * len(self.instances)
        pairs = negative_pair_mask(gold.entity_mask, gold.related, gold.symmetric_related).flatten(1).any(1)
        relation_samples = gold.relation_mask.sum().item() + pairs.sum().item()
        assert relation_samples > len(self.instances)
        mean, total = outputs["mean"], outputs["sum"]
        assert total["entity_loss"].item() == pytest.approx(entity_samples * mean["entity_loss"].item(), rel=1e-4)
        assert total["relation_loss"].item() == pytest.approx(relation_samples * mean["relation_loss"].item(), rel=1e-4)

    @pytest.mark.parametrize("detach", [False, True])
    def test_detach_entity_logits_stops_relation_gradients_into_the_entity_scores(self, detach):
        model = self._model(detach_entity_logits=detach, dropout=0.0)
        model.train()
        tensors = self._tensors()
        pieces = model.text_field_embedder(tensors["tokens"])
        table = RangeMaxTable(pieces)
        num_words = (tensors["word_spans"][..., 0] >= 0).sum(1)
        spans, mask = enumerate_spans(num_words, 2)
        representation, span, ranges = model._span_representation(
            table, pieces[:, 0], tensors["word_spans"], spans, mask
        )
        entity_scores = model._entity_scores(representation)
        batch = torch.tensor([0, 0, 1])
        head, tail = torch.tensor([0, 1, 0]), torch.tensor([1, 0, 2])
        scores = model._pair_scores(table, span, ranges, entity_scores, batch, head, tail)
        (scores["logits"].sum() + scores["identification"].sum()).backward()
        entity_gradient = model.entity_classifier.weight.grad
        assert model.relation_classifier.weight.grad.abs().sum() > 0
        if detach:
            assert entity_gradient is None or entity_gradient.abs().sum() == 0
        else:
            assert entity_gradient.abs().sum() > 0

    def test_threshold_grid_equals_decoding_at_each_threshold(self):
        model = self._model(max_span_size=3, entity_threshold=-100.0, relation_threshold=-100.0)
        model.eval()
        tensors = self._tensors()
        with torch.no_grad():
            # grid points at quantiles of the untrained model's scores, so that they decode differently
            everything = model(**tensors)["document"]
            quantiles = torch.tensor([0.3, 0.6, 0.9])
            entity_scores = torch.tensor([e.score for d in everything for e in d.entities])
            relation_scores = torch.tensor([r.score for d in everything for r in d.relations])
            entity_grid = entity_scores.quantile(quantiles).tolist()
            relation_grid = relation_scores.quantile(quantiles).tolist()
            grid = model.predict_with_thresholds(tensors, entity_grid, relation_grid)
            assert set(grid) == {(e, r) for e in entity_grid for r in relation_grid}
            counts = set()
            for (entity_threshold, relation_threshold), documents in grid.items():
                model.entity_threshold, model.relation_threshold = entity_threshold, relation_threshold
                direct = model(**tensors)["document"]
                for a, b in zip(documents, direct):
                    spans = [[(e.start, e.end, e.type) for e in d.entities] for d in (a, b)]
                    assert spans[0] == spans[1]
                    assert sorted((r.head, r.tail, r.type) for r in a.relations) == sorted(
                        (r.head, r.tail, r.type) for r in b.relations
                    )
                counts.add((sum(len(d.entities) for d in direct), sum(len(d.relations) for d in direct)))
        assert len(counts) > 3  # the grid points decode differently


def _hand_built_scores(model: SpertModel, generator: torch.Generator) -> None:
    """Random head weights large enough that some spans are entities, some not, and some pairs
    hold one or several relation types (a mixed, realistic decoding case)."""
    with torch.no_grad():
        for layer, scale in ((model.entity_classifier, 0.15), (model.relation_classifier, 0.1)):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * scale)
        model.entity_classifier.bias.copy_(torch.tensor([3.0] + [0.0] * len(model.entity_types)))
        model.relation_classifier.bias.fill_(-1.5)


def _relations(documents):
    return [r for d in documents for r in d.relations]


def _reference_decoding(model: SpertModel, tensors) -> list:
    """SpERT decoding written plainly: one Python step per candidate span and per accepted pair
    (how `_predict` decoded before it worked in tensors with caps), as the reference result."""
    pieces = model.text_field_embedder(tensors["tokens"])
    table = RangeMaxTable(pieces)
    word_spans = tensors["word_spans"]
    num_words = (word_spans[..., 0] >= 0).sum(1)
    candidates, mask = enumerate_spans(num_words, model.max_span_size)
    representation, span, piece_ranges = model._span_representation(table, pieces[:, 0], word_spans, candidates, mask)
    entity_scores = model._entity_scores(representation)
    probabilities = entity_scores["logits"].softmax(-1)
    results = []
    for b, document in enumerate(model.documents_of(tensors["metadata"])):
        chosen = []  # (candidate index, Entity)
        for c in range(candidates.size(1)):
            best, label = probabilities[b, c].max(-1)
            if mask[b, c] and label > 0:
                start, end = candidates[b, c].tolist()
                chosen.append((c, Entity(start, end, model.entity_types[label - 1], score=best.item())))
        relations, seen = [], set()
        for h, (ch, head) in enumerate(chosen):
            for t, (ct, tail) in enumerate(chosen):
                if h == t:
                    continue
                index = torch.tensor([b]), torch.tensor([ch]), torch.tensor([ct])
                pair = model._pair_scores(table, span, piece_ranges, entity_scores, *index)
                for relation_type, probability in enumerate(torch.sigmoid(pair["logits"][0]).tolist()):
                    if probability < model.rel_filter_threshold:
                        continue
                    name = model.relation_types[relation_type]
                    hh, tt = (t, h) if name in document.symmetric_relation_types and tail.start < head.start else (h, t)
                    if (hh, tt, name) not in seen:
                        seen.add((hh, tt, name))
                        relations.append(Relation(hh, tt, name, score=probability))
        results.append(document.with_annotations([e for _, e in chosen], relations))
    return results


def test_reader_and_model_on_brat_sentences():
    reader = SpertReader(TINY_BERT, max_length=16)
    instances = list(reader.read(str(FIXTURES / "brat")))
    assert instances and all(i["metadata"]["labelled"] for i in instances)
    vocab = Vocabulary.from_instances(instances)
    model = Model.from_params(
        vocab=vocab,
        params=Params({"type": "spert", "text_field_embedder": {"token_embedders": {"tokens": {
            "type": "pretrained_transformer", "model_name": TINY_BERT}}}}),
    )
    model.train()
    batch = Batch(instances)
    batch.index_instances(vocab)
    assert torch.isfinite(model(**batch.as_tensor_dict())["loss"])
