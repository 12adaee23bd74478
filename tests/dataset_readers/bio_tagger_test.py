from jointie_allennlp.data.formats.brat import read_brat
from jointie_allennlp.data.windows import owner
from jointie_allennlp.dataset_readers.bio_tagger import BioTaggerReader
from tests.conftest import FIXTURES, TINY_BERT


def test_one_instance_per_sentence_with_bio_tags_on_first_word_pieces():
    reader = BioTaggerReader(TINY_BERT)
    document = read_brat(FIXTURES / "brat" / "doc1.txt")
    instances = reader.document_to_instances(document)
    assert len(instances) == len(document.sentences) == 3
    first = instances[0]  # sentences 1 and 2 of the text (merged by a cross-sentence relation)
    sentence = first["metadata"]["document"]
    tags = first["tags"].labels
    assert len(tags) == len(sentence.tokens)
    start = sentence.tokens.index("Объем")
    assert tags[start : start + 5] == ["B-MET", "I-MET", "I-MET", "I-MET", "B-BIN"]
    pieces = [t.text for t in first["tokens"].tokens]
    offsets = [f.sequence_index for f in first["word_offsets"].field_list]
    assert pieces[offsets[start]] == "объем" and pieces[offsets[start + 1]] == "вал"  # first piece of "валового"
    assert set(first["tag_inventory"].labels) >= {"O", "B-MET", "I-MET", "B-QUA"}


def test_reads_a_brat_directory_in_overlapping_windows_each_word_owned_once(caplog):
    reader = BioTaggerReader(TINY_BERT, max_length=8)
    instances = list(reader.read(str(FIXTURES / "brat")))
    assert len(instances) > sum(len(read_brat(p).sentences) for p in sorted((FIXTURES / "brat").glob("*.txt")))
    assert reader.truncated_words == 0 and reader.windows.report.windowed_sentences > 0
    assert reader.windows.overlap == 2  # a quarter of max_length
    assert "overlapping windows" in caplog.text  # the read logs what windowing did
    owned, seen = [], set()
    for instance in instances:
        offsets = [f.sequence_index for f in instance["word_offsets"].field_list]
        assert all(1 <= o < 7 for o in offsets)
        sentence = instance["metadata"]["document"]
        doc_id, _, first = sentence.metadata["sentence_of"]
        window = sentence.metadata.get("window")
        for word in range(len(offsets)):
            seen.add((doc_id, first + word))
            if window is None or owner(window.windows, first + word, first + word + 1, first + word) == window.index:
                owned.append((doc_id, first + word))
    total = sum(len(read_brat(p).tokens) for p in sorted((FIXTURES / "brat").glob("*.txt")))
    assert len(owned) == len(set(owned)) == len(seen) == total  # every word read, and owned by one window
