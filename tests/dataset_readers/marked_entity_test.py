import pytest

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.formats.brat import read_brat
from jointie_allennlp.dataset_readers.marked_entity import NO_RELATION, MarkedEntityReader, marker_tokens
from tests.conftest import FIXTURES, TINY_BERT


@pytest.fixture(scope="module")
def reader():
    return MarkedEntityReader(TINY_BERT, entity_types=["MET"])


def _by_main(instances, text):
    for instance in instances:
        sentence, main = instance["metadata"]["document"], instance["metadata"]["main"]
        entity = sentence.entities[main]
        if " ".join(sentence.tokens[entity.start : entity.end]) == text:
            return instance
    raise AssertionError(text)


def test_marker_tokens():
    assert marker_tokens(["MET", "QUA"]) == ["[E]", "[/E]", "[MET]", "[QUA]", "[/MET]", "[/QUA]"]


def test_one_instance_per_entity(reader):
    for path in sorted((FIXTURES / "brat").glob("*.txt")):
        document = read_brat(path)
        instances = reader.document_to_instances(document)
        assert len(instances) == len(document.entities) > 0
        assert sorted(i["metadata"]["main"] for i in instances if i["metadata"]["document"].id.endswith("#0")) == list(
            range(len(document.split_sentences()[0].entities))
        )


def test_markers_around_the_main_entity_and_word_offsets_skip_them(reader):
    instances = reader.document_to_instances(read_brat(FIXTURES / "brat" / "doc1.txt"))
    # typed markers for MET
    instance = _by_main(instances, "Объем валового регионального продукта")
    pieces = [t.text for t in instance["tokens"].tokens]
    offsets = [f.sequence_index for f in instance["word_offsets"].field_list]
    sentence = instance["metadata"]["document"]
    start = sentence.tokens.index("Объем")
    assert pieces[offsets[start] - 1] == "[MET]"
    assert pieces[offsets[start]] == "объем"
    assert pieces[offsets[start + 3] : offsets[start + 4]] == ["проду", "##кта", "[/MET]"]
    assert pieces[offsets[start + 4]] == "вырос"
    assert len(offsets) == len(sentence.tokens)  # one offset per original word, none for markers
    # generic markers for other types; marker ids are single added tokens
    instance = _by_main(instances, "вырос")
    pieces = [t.text for t in instance["tokens"].tokens]
    ids = [t.text_id for t in instance["tokens"].tokens]
    position = pieces.index("[E]")
    assert pieces[position : position + 3] == ["[E]", "вырос", "[/E]"]
    assert ids[position] >= 600 and ids[position + 2] >= 600  # beyond the tiny BERT's own vocabulary


def test_relation_labels_mark_the_tails_of_the_main_entity(reader):
    instances = reader.document_to_instances(read_brat(FIXTURES / "brat" / "doc1.txt"))
    instance = _by_main(instances, "Объем валового регионального продукта")
    sentence = instance["metadata"]["document"]
    labels = instance["relation_labels"].labels
    expected = [NO_RELATION] * len(sentence.tokens)
    expected[sentence.tokens.index("вырос")] = "NPS"
    expected[sentence.tokens.index("3,5")] = expected[sentence.tokens.index("процента")] = "NNG"
    assert labels == expected
    # the instance's gold keeps only the relations headed by the main entity
    assert sorted(r.type for r in sentence.relations) == ["NNG", "NPS"]
    assert all(r.head == instance["metadata"]["main"] for r in sentence.relations)
    # joint NER tags over all entities of the sentence
    assert instance["tags"].labels[sentence.tokens.index("вырос")] == "B-BIN"
    # an entity that heads no relation has only "0" labels
    assert set(_by_main(instances, "вырос")["relation_labels"].labels) == {NO_RELATION}


def test_document_without_entities_gives_no_instances(reader):
    document = Document.from_tokens("d", ["Нет", "сущностей", "."])
    assert reader.document_to_instances(document) == []


def test_overlapping_tails_first_relation_wins_and_is_counted(reader):
    document = Document.from_tokens(
        "d",
        ["a", "b", "c", "d"],
        entities=[Entity(0, 1, "MET"), Entity(1, 3, "QUA"), Entity(2, 4, "BIN")],
        relations=[Relation(0, 1, "NNG"), Relation(0, 2, "NPS")],
    )
    instances = reader.document_to_instances(document)
    assert instances[0]["relation_labels"].labels == [NO_RELATION, "NNG", "NNG", "NPS"]
    assert reader.report.conflicting_word_labels == 1


def test_long_sentences_are_windowed_with_room_for_the_markers():
    reader = MarkedEntityReader(TINY_BERT, max_length=7)  # [CLS] [E] + 3 pieces + [/E] [SEP]; overlap 1 piece
    words = ["a", "b", "c", "d", "e", "f", "g"]  # one piece each
    document = Document.from_tokens("m", words, entities=[Entity(2, 4, "X"), Entity(5, 6, "Y")])
    instances = reader.document_to_instances(document)
    sentences = [i["metadata"]["document"] for i in instances]
    # windows a-c, c-e, e-g: "c d" lies wholly in the second only, "f" in the third only
    assert [(s.tokens, [(e.start, e.end, e.type) for e in s.entities]) for s in sentences] == [
        (["c", "d", "e"], [(0, 2, "X")]), (["e", "f", "g"], [(1, 2, "Y")])
    ]
    assert all(-1 not in [f.sequence_index for f in i["word_offsets"].field_list] for i in instances)
    assert reader.report.skipped_truncated_main == 0 and len(instances) == 2
    assert "split into 3 overlapping windows" in document.metadata["warnings"][0]


def test_main_entities_without_relations_are_sampled_with_a_count():
    from allennlp.common.checks import ConfigurationError

    path = str(FIXTURES / "brat")

    def mains(instances):
        return [(i["metadata"]["document"].id, i["metadata"]["main"]) for i in instances]

    def heads_a_relation(instance):
        sentence = instance["metadata"]["document"]
        return bool(sentence.relations)  # the instance's gold holds the main entity's relations only

    every = list(MarkedEntityReader(TINY_BERT).read(path))
    with_relations = [m for i, m in zip(every, mains(every)) if heads_a_relation(i)]
    without = len(every) - len(with_relations)
    assert with_relations and without > 2

    only_related = MarkedEntityReader(TINY_BERT, main_without_relations=0.0)
    assert mains(only_related.read(path)) == with_relations
    assert only_related.report.sampled_out_main_without_relations == without

    half = MarkedEntityReader(TINY_BERT, main_without_relations=0.5, sampling_seed=3)
    first, second = mains(half.read(path)), mains(half.read(path))
    assert first == second  # the same sample in every epoch
    assert set(with_relations) < set(first) < set(mains(every))
    assert half.report.sampled_out_main_without_relations == len(every) - len(first)

    with pytest.raises(ConfigurationError, match="main_without_relations"):
        MarkedEntityReader(TINY_BERT, main_without_relations=1.5)


# a b c d e f: E0 "a" MET, E1 "b c" QUA, E2 "d" BIN, E3 "e f" ECO;
# E0 -NNG-> E1, E2 -NPS-> E0, E3 -PNG-> E2, E1 -TSK-> E3
CHAIN = Document.from_tokens(
    "chain",
    ["a", "b", "c", "d", "e", "f"],
    entities=[Entity(0, 1, "MET"), Entity(1, 3, "QUA"), Entity(3, 4, "BIN"), Entity(4, 6, "ECO")],
    relations=[Relation(0, 1, "NNG"), Relation(2, 0, "NPS"), Relation(3, 2, "PNG"), Relation(1, 3, "TSK")],
)


def _labels_by_main(reader, document):
    return {i["metadata"]["main"]: i["relation_labels"].labels for i in reader.document_to_instances(document)}


@pytest.mark.parametrize(
    "directions,labels,inventory,reverse",
    [
        (  # the head of a relation to the main entity gets the inverse label
            "both",
            {
                0: ["0", "NNG", "NNG", "NPS^-1", "0", "0"],
                1: ["NNG^-1", "0", "0", "0", "TSK", "TSK"],
                2: ["NPS", "0", "0", "0", "PNG^-1", "PNG^-1"],
                3: ["0", "TSK^-1", "TSK^-1", "PNG", "0", "0"],
            },
            ["0", "NNG", "NPS", "PNG", "TSK", "NNG^-1", "NPS^-1", "PNG^-1", "TSK^-1"],
            4,
        ),
        (  # only the tails of the main entity's relations are labelled
            "head",
            {
                0: ["0", "NNG", "NNG", "0", "0", "0"],
                1: ["0", "0", "0", "0", "TSK", "TSK"],
                2: ["NPS", "0", "0", "0", "0", "0"],
                3: ["0", "0", "0", "PNG", "0", "0"],
            },
            ["0", "NNG", "NPS", "PNG", "TSK"],
            0,
        ),
    ],
)
def test_each_directions_setting_labels_the_words_of_the_main_entitys_partners(directions, labels, inventory, reverse):
    reader = MarkedEntityReader(TINY_BERT, directions=directions)
    instances = reader.document_to_instances(CHAIN)
    assert {i["metadata"]["main"]: i["relation_labels"].labels for i in instances} == labels
    assert instances[0]["relation_inventory"].labels == inventory
    report = reader.report
    assert (report.relations, report.reverse_relations, report.conflicting_word_labels) == (4, reverse, 0)


def test_both_directions_give_every_instance_the_relations_of_its_main_entity_in_both_directions():
    instances = MarkedEntityReader(TINY_BERT, directions="both").document_to_instances(CHAIN)
    gold = {i["metadata"]["main"]: sorted((r.head, r.tail, r.type) for r in i["metadata"]["document"].relations)
            for i in instances}
    assert gold == {
        0: [(0, 1, "NNG"), (2, 0, "NPS")], 1: [(0, 1, "NNG"), (1, 3, "TSK")],
        2: [(2, 0, "NPS"), (3, 2, "PNG")], 3: [(1, 3, "TSK"), (3, 2, "PNG")],
    }


def test_head_is_the_default_and_gives_the_same_instances_on_the_fixtures():
    path = str(FIXTURES / "brat")
    default = list(MarkedEntityReader(TINY_BERT).read(path))
    head = list(MarkedEntityReader(TINY_BERT, directions="head").read(path))
    both = list(MarkedEntityReader(TINY_BERT, directions="both").read(path))
    assert [i["relation_labels"].labels for i in head] == [i["relation_labels"].labels for i in default]
    assert [i["metadata"]["document"].relations for i in head] == [i["metadata"]["document"].relations for i in default]
    assert len(both) == len(head)
    # "both" keeps every label of "head" and adds the inverse labels: in the instance of every
    # relation's tail, on the words of its head (no word of the fixtures is related both ways)
    added = 0
    for one, other in zip(head, both):
        for label, both_label in zip(one["relation_labels"].labels, other["relation_labels"].labels):
            assert both_label == label or (label == NO_RELATION and both_label.endswith("^-1"))
            added += label != both_label
        main = other["metadata"]["main"]
        assert all(main in (r.head, r.tail) for r in other["metadata"]["document"].relations)
    head_words = sum(
        sentence.entities[r.head].end - sentence.entities[r.head].start
        for sentence in (i["metadata"]["document"] for i in head) for r in sentence.relations
    )
    assert added == head_words > 0


def test_an_entity_related_both_ways_to_the_main_one_keeps_the_relation_from_it_and_counts_the_conflict():
    document = Document.from_tokens(
        "d", ["a", "b", "c"], entities=[Entity(0, 1, "MET"), Entity(1, 3, "QUA")],
        relations=[Relation(1, 0, "PNG"), Relation(0, 1, "NNG")],
    )
    reader = MarkedEntityReader(TINY_BERT, directions="both")
    assert _labels_by_main(reader, document) == {0: ["0", "NNG", "NNG"], 1: ["PNG", "0", "0"]}
    assert reader.report.conflicting_word_labels == 3  # two words of QUA in instance 0, one word of MET in 1


def test_main_entities_that_are_only_tails_are_kept_with_both_directions():
    document = Document.from_tokens(
        "d", ["a", "b", "c"], entities=[Entity(0, 1, "A"), Entity(1, 2, "B"), Entity(2, 3, "C")],
        relations=[Relation(0, 1, "r")],
    )
    head = MarkedEntityReader(TINY_BERT, main_without_relations=0.0)
    both = MarkedEntityReader(TINY_BERT, main_without_relations=0.0, directions="both")
    assert [i["metadata"]["main"] for i in head.document_to_instances(document)] == [0]
    assert [i["metadata"]["main"] for i in both.document_to_instances(document)] == [0, 1]


def test_bad_directions_and_types_with_the_inverse_suffix_are_refused():
    from allennlp.common.checks import ConfigurationError

    from jointie_allennlp.data.errors import FormatError

    with pytest.raises(ConfigurationError, match="directions must be one of 'head', 'both', not 'tail'"):
        MarkedEntityReader(TINY_BERT, directions="tail")
    document = Document.from_tokens(
        "odd", ["a", "b"], entities=[Entity(0, 1, "A"), Entity(1, 2, "B")], relations=[Relation(0, 1, "r^-1")]
    )
    with pytest.raises(FormatError, match=r"document 'odd': relation type 'r\^-1' ends with '\^-1'"):
        MarkedEntityReader(TINY_BERT).document_to_instances(document)
