"""An archive is extracted once into the cache and again only when it changes."""
import os
import tarfile

import pytest

from jointie_allennlp import archives


@pytest.fixture
def archive_copy(spert_archive, tmp_path):
    copy = tmp_path / "model.tar.gz"
    copy.write_bytes(spert_archive.read_bytes())
    return copy


def _extractions(cache):
    return sorted(path.name for path in cache.iterdir() if path.is_dir())


def test_a_second_load_reuses_the_extraction_and_a_changed_archive_is_extracted_again(archive_copy, tmp_path,
                                                                                    monkeypatch):
    cache = tmp_path / "cache"
    opened = []
    original_open = tarfile.open
    monkeypatch.setattr(tarfile, "open", lambda *args, **kw: opened.append(args[0]) or original_open(*args, **kw))
    first = archives.extracted_archive(archive_copy, cache)
    assert (first / "config.json").is_file() and (first / "weights.th").is_file() and len(opened) == 1
    (first / "marker").write_text("kept")
    assert archives.extracted_archive(archive_copy, cache) == first and len(opened) == 1
    assert (first / "marker").read_text() == "kept"

    state = archive_copy.stat()
    os.utime(archive_copy, ns=(state.st_atime_ns, state.st_mtime_ns + 10**9))  # touched: another time
    second = archives.extracted_archive(archive_copy, cache)
    assert second != first and len(opened) == 2 and not (second / "marker").exists()
    assert _extractions(cache) == [second.name], "the older extraction of the same path is removed"

    with archive_copy.open("ab") as handle:  # other content, same modification time
        handle.write(b"\0" * 512)
    os.utime(archive_copy, ns=(state.st_atime_ns, state.st_mtime_ns + 10**9))
    third = archives.extracted_archive(archive_copy, cache)
    assert third not in (first, second) and len(opened) == 3 and _extractions(cache) == [third.name]


def test_load_archive_loads_from_the_cache_directory(archive_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(archives.CACHE_VARIABLE, str(tmp_path / "jointie-cache"))
    assert archives.archive_cache_dir() == tmp_path / "jointie-cache" / "archives"
    loaded = archives.load_archive(archive_copy)
    again = archives.load_archive(archive_copy, overrides='{"model.bf16_inference": true}')
    extracted = [path for path in (tmp_path / "jointie-cache" / "archives").iterdir() if path.is_dir()]
    assert [path.name for path in extracted] == [archives.extraction_name(archive_copy)]
    assert loaded.model.bf16_inference is False and again.model.bf16_inference is True
    for (name, weight), (_, other) in zip(loaded.model.state_dict().items(), again.model.state_dict().items()):
        assert weight.equal(other), name
    assert archives.load_archive(extracted[0]).model.vocab.get_vocab_size("entity_labels") == \
        loaded.model.vocab.get_vocab_size("entity_labels")  # a directory loads as it is
