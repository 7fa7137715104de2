import os
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

from dnaexplain import tokenizers as tk
from dnaexplain.sequences import InvalidSequenceError, random_sequences

MIRROR = Path(
    os.environ.get("DNAEXPLAIN_DATA_MIRROR") or Path(__file__).parents[1] / "../shared/data"
)
BPE_JSON = MIRROR / "tokenizers/dnabert2_tokenizer.json"
NO_MIRROR = f"data mirror not found at {MIRROR} (set DNAEXPLAIN_DATA_MIRROR)"
needs_mirror = pytest.mark.skipif(not BPE_JSON.is_file(), reason=NO_MIRROR)
FEW = settings(max_examples=25, deadline=None)


@pytest.fixture(scope="module")
def kmer_toks():
    return {k: tk.dnabert_tokenizer(k) for k in tk.KS}


@pytest.fixture(scope="module")
def bpe():
    if not BPE_JSON.is_file():
        pytest.skip(NO_MIRROR)
    return tk.dnabert2_tokenizer(BPE_JSON)


@pytest.fixture(scope="module")
def tiny_bpe_json(tmp_path_factory):
    """A small BPE laid out like the released file, so BPE tests also run without the mirror."""
    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    specials = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    trainer = trainers.BpeTrainer(vocab_size=60, special_tokens=specials, show_progress=False)
    tok.train_from_iterator(random_sequences(200, 100, seed=1), trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)]
    )
    path = tmp_path_factory.mktemp("bpe") / "tokenizer.json"
    tok.save(str(path))
    return path


@pytest.fixture(scope="module")
def tiny_bpe(tiny_bpe_json):
    return tk.dnabert2_tokenizer(tiny_bpe_json)


@pytest.fixture(scope="module", params=["tiny", "released"])
def any_bpe(request):
    return request.getfixturevalue({"tiny": "tiny_bpe", "released": "bpe"}[request.param])


dna = st.text(alphabet="ACGT", min_size=6, max_size=60)


# vocabulary


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_kmer_vocab_sizes_and_order(k, kmer_toks):
    vocab = tk.kmer_vocab(k)
    assert len(vocab) == 5 + 4**k == tk.vocab_size(kmer_toks[k])
    assert vocab[:7] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "A" * k, "A" * (k - 1) + "T"]
    assert vocab[-1] == "G" * k
    assert tk.kmer_k(kmer_toks[k]) == k


@needs_mirror
def test_kmer_vocab_equals_released_dnabert6():
    released = (MIRROR / "tokenizers/dnabert6/vocab.txt").read_text().splitlines()
    assert len(released) == 4101
    assert tk.kmer_vocab(6) == released


@needs_mirror
def test_released_dnabert6_dir_loads_like_built(kmer_toks):
    tok = tk.dnabert_tokenizer(6, MIRROR / "tokenizers/dnabert6")
    assert tok.do_lower_case is False  # the released config says True
    seq = "ACGTACGTTGCANNA"
    assert torch.equal(tk.tokenize(tok, seq).input_ids, tk.tokenize(kmer_toks[6], seq).input_ids)
    with pytest.raises(ValueError, match="not a DNABERT 5-mer vocabulary"):
        tk.dnabert_tokenizer(5, MIRROR / "tokenizers/dnabert6/vocab.txt")


# hand-worked examples


def test_hand_worked_kmer_ids(kmer_toks):
    # id = 5 + base-4 number with A=0 T=1 C=2 G=3: ACG = 0*16+2*4+3 = 11 -> 16, CGT -> 50,
    # GTA -> 57, TAC -> 23; [CLS]=2, [SEP]=3
    t = tk.tokenize(kmer_toks[3], "ACGTAC")
    assert t.input_ids.tolist() == [[2, 16, 50, 57, 23, 3]]
    assert t.spans.tolist() == [[[-1, -1], [0, 3], [1, 4], [2, 5], [3, 6], [-1, -1]]]
    assert (t.kind, t.k, t.sequences) == ("kmer", 3, ["ACGTAC"])
    # ACGTAC = 0,2,3,1,0,2 in base 4 = 722 -> 727; CGTACG = 2,3,1,0,2,3 = 2891 -> 2896
    assert tk.tokenize(kmer_toks[6], "ACGTACG").input_ids.tolist() == [[2, 727, 2896, 3]]


def test_released_bpe_facts(bpe):
    assert tk.vocab_size(bpe) == 4096
    assert tk.kmer_k(bpe) is None
    assert [
        bpe.unk_token_id,
        bpe.cls_token_id,
        bpe.sep_token_id,
        bpe.pad_token_id,
        bpe.mask_token_id,
    ] == [0, 1, 2, 3, 4]
    assert bpe.convert_ids_to_tokens([5, 6, 7, 8]) == ["A", "C", "G", "T"]
    t = tk.tokenize(bpe, "acgtNNACGTACGTTTGACN")
    assert t.input_ids.tolist() == [[1, 5, 6, 1049, 0, 0, 5, 194, 134, 23, 6, 0, 2]]
    assert bpe.convert_ids_to_tokens(t.input_ids[0, 1:-1].tolist()) == [
        "A",
        "C",
        "GT",
        "[UNK]",
        "[UNK]",
        "A",
        "CGTA",
        "CGTT",
        "TGA",
        "C",
        "[UNK]",
    ]
    # each N is its own one-nucleotide [UNK] and splits the BPE word around it
    assert t.spans[0, 4:6].tolist() == [[4, 5], [5, 6]]
    assert tk.decode_to_sequence(t, 0) == "ACGTNNACGTACGTTTGACN"
    assert t.kind == "bpe" and t.k is None


# round trips and agreement with the stock tokenizer


@pytest.mark.parametrize("k", [3, 4, 5, 6])
@FEW
@given(seqs=st.lists(dna, min_size=1, max_size=4))
def test_kmer_round_trip(kmer_toks, k, seqs):
    t = tk.tokenize(kmer_toks[k], seqs)
    assert [tk.decode_to_sequence(t, i) for i in range(len(seqs))] == seqs


@pytest.mark.parametrize("k", [3, 4, 5, 6])
@FEW
@given(seqs=st.lists(st.text(alphabet="ACGTN", min_size=6, max_size=40), min_size=1, max_size=4))
def test_kmer_fast_path_equals_stock_bert_tokenizer(kmer_toks, k, seqs):
    tok = kmer_toks[k]
    t = tk.tokenize(tok, seqs)
    for i, s in enumerate(seqs):
        stock = tok(" ".join(s[j : j + k] for j in range(len(s) - k + 1)))["input_ids"]
        assert t.input_ids[i, : len(stock)].tolist() == stock
        assert t.attention_mask[i].sum() == len(stock)


@FEW
@given(seqs=st.lists(st.text(alphabet="ACGT", min_size=1, max_size=80), min_size=1, max_size=4))
def test_bpe_round_trip_and_tiling(any_bpe, seqs):
    t = tk.tokenize(any_bpe, seqs)
    for i, s in enumerate(seqs):
        assert tk.decode_to_sequence(t, i) == s
        real = t.spans[i][t.spans[i, :, 0] >= 0]
        # the real tokens tile [0, len) exactly, in order
        assert real[0, 0] == 0 and real[-1, 1] == len(s)
        assert torch.equal(real[1:, 0], real[:-1, 1])
        assert (real[:, 1] > real[:, 0]).all()
        # and match the fast tokenizer's own ids
        assert t.input_ids[i, : t.attention_mask[i].sum()].tolist() == any_bpe(s)["input_ids"]


@pytest.mark.parametrize("k", [3, 6])
def test_kmer_coverage(kmer_toks, k):
    L = 15
    t = tk.tokenize(kmer_toks[k], "ACGTTGCAACGTAGC"[:L])
    real = t.spans[0][1:-1]
    assert real.tolist() == [[i - 1, i - 1 + k] for i in range(1, L - k + 2)]
    cover = np.zeros(L, int)
    for s, e in real.tolist():
        cover[s:e] += 1
    assert cover.tolist() == [min(p + 1, k, L - p, L - k + 1) for p in range(L)]
    if k == 3:
        assert cover.tolist() == [1, 2] + [3] * 11 + [2, 1]


# input rules


def test_lowercase_is_upper_cased(kmer_toks, tiny_bpe):
    for tok in (kmer_toks[4], tiny_bpe):
        low, up = tk.tokenize(tok, "acgtTGca"), tk.tokenize(tok, "ACGTTGCA")
        assert torch.equal(low.input_ids, up.input_ids)
        assert low.sequences == ["ACGTTGCA"]


def test_n_rule_kmer(kmer_toks):
    # k-mers touching the N at position 3 (starts 1, 2, 3) are [UNK]=1
    t = tk.tokenize(kmer_toks[3], "ACGNACG")
    assert t.input_ids.tolist() == [[2, 16, 1, 1, 1, 16, 3]]
    assert tk.decode_to_sequence(t, 0) == "ACGNACG"
    # a position only [UNK] k-mers cover decodes as N
    assert tk.decode_to_sequence(tk.tokenize(kmer_toks[6], "ACNGTA"), 0) == "NNNNNN"


def test_invalid_character_names_char_position_and_sequence(kmer_toks, tiny_bpe):
    for tok in (kmer_toks[6], tiny_bpe):
        msg = r"sequence 1: invalid character 'X' at position 7"
        with pytest.raises(InvalidSequenceError, match=msg):
            tk.tokenize(tok, ["ACGTACGT", "ACGTACGXAC"])
    with pytest.raises(InvalidSequenceError, match="'-' at position 2"):
        tk.tokenize(kmer_toks[3], ["AC-GT"])
    with pytest.raises(TypeError, match="must be a str"):
        tk.tokenize(kmer_toks[3], ["ACGT", 5])


def test_too_short(kmer_toks, tiny_bpe):
    msg = "sequence 1 has 5 nucleotides; a 6-mer tokenisation needs at least 6"
    with pytest.raises(ValueError, match=msg):
        tk.tokenize(kmer_toks[6], ["ACGTACG", "ACGTA"])
    with pytest.raises(ValueError, match="sequence 0 has 0 nucleotides; it must not be empty"):
        tk.tokenize(tiny_bpe, [""])
    assert tk.tokenize(kmer_toks[6], "ACGTAC").input_ids.shape == (1, 3)


def test_max_length_error_and_truncation(kmer_toks):
    tok = kmer_toks[6]
    seqs = ["ACGTACGTAC", "ACGTACGTACGTACGTACGT"]  # 7 and 17 tokens
    assert tk.tokenize(tok, seqs).attention_mask.sum(1).tolist() == [7, 17]
    msg = r"sequence 1 needs 17 tokens .* max_length=10 .*truncate=True"
    with pytest.raises(ValueError, match=msg):
        tk.tokenize(tok, seqs, max_length=10)
    full = tk.tokenize(tok, seqs)
    t = tk.tokenize(tok, seqs, max_length=10, truncate=True)
    assert t.input_ids.shape == (2, 10)
    assert t.attention_mask.sum(1).tolist() == [7, 10]
    assert t.input_ids[1, -1] == tok.sep_token_id
    assert torch.equal(t.input_ids[1, :9], full.input_ids[1, :9])
    assert t.spans[1, 8].tolist() == [7, 13] and t.spans[1, 9].tolist() == [-1, -1]
    assert t.sequences == [seqs[0], seqs[1][:13]]
    assert tk.decode_to_sequence(t, 1) == seqs[1][:13]
    assert torch.equal(tk.tokenize(tok, seqs, max_length=17).input_ids, full.input_ids)
    with pytest.raises(ValueError, match="max_length must be at least 3"):
        tk.tokenize(tok, seqs, max_length=2, truncate=True)


def test_bpe_truncation(bpe):
    seq = "ACGTNNACGTACGTTTGACN"  # 13 tokens
    assert tk.tokenize(bpe, [seq]).attention_mask.sum(1).tolist() == [13]
    t = tk.tokenize(bpe, [seq, "ACG"], max_length=6, truncate=True)
    assert t.input_ids.tolist() == [[1, 5, 6, 1049, 0, 2], [1, 5, 3206, 2, 3, 3]]
    assert t.sequences == ["ACGTN", "ACG"]


# batches


def test_padding_mixed_lengths(kmer_toks):
    t = tk.tokenize(kmer_toks[3], ["ACGTAC", "ACGTACGTA", "ACG"], device="cpu")
    assert t.input_ids.shape == (3, 9) and t.input_ids.dtype == torch.long
    assert t.attention_mask.tolist() == [[1] * 6 + [0] * 3, [1] * 9, [1] * 3 + [0] * 6]
    assert t.input_ids[2].tolist() == [2, 16, 3, 0, 0, 0, 0, 0, 0]
    pad = t.attention_mask == 0
    assert (t.input_ids[pad] == 0).all() and (t.spans[pad] == -1).all()
    assert t.sequences == ["ACGTAC", "ACGTACGTA", "ACG"]


def test_bpe_padding(bpe):
    t = tk.tokenize(bpe, ["ACGTNNACGTACGTTTGACN", "ACG"])
    assert t.attention_mask.sum(1).tolist() == [13, 4]
    assert t.input_ids[1].tolist() == [1, 5, 3206, 2] + [3] * 9  # [PAD] is 3 here
    assert t.spans[1, :3].tolist() == [[-1, -1], [0, 1], [1, 3]]
    assert (t.spans[1, 3:] == -1).all()


def test_empty_batch(kmer_toks):
    with pytest.raises(ValueError, match="no sequences"):
        tk.tokenize(kmer_toks[3], [])


@pytest.mark.parametrize("kind", ["kmer", "bpe"])
def test_batch_speed(kmer_toks, request, kind):
    tok = kmer_toks[6] if kind == "kmer" else request.getfixturevalue("bpe")
    seqs = random_sequences(10_000, 250, seed=0)
    start = time.perf_counter()
    t = tk.tokenize(tok, seqs)
    assert time.perf_counter() - start < 10  # about 0.5 s here; generous for shared machines
    assert t.input_ids.shape[0] == 10_000
    if kind == "kmer":
        assert t.input_ids.shape[1] == 247


# loading


def test_unknown_source_names_what_was_tried(tmp_path):
    missing = tmp_path / "nowhere"
    msg = r"tried the file .*nowhere, the file .*nowhere/tokenizer.json and tokenizer.json in"
    with pytest.raises(OSError, match=msg):
        tk.dnabert2_tokenizer(missing)
    with pytest.raises(OSError, match="vocab.txt in the hub repo"):
        tk.dnabert_tokenizer(6, missing)
    with pytest.raises(ValueError, match="k in"):
        tk.dnabert_tokenizer(7)


def test_sources_file_folder_mirror_and_hub(monkeypatch, tmp_path, tiny_bpe_json):
    asked = []

    def fake_download(repo, filename):  # stands in for the hub, which is offline here
        asked.append((repo, filename))
        return str(tiny_bpe_json) if filename == "tokenizer.json" else str(vocab3)

    vocab3 = tmp_path / "vocab.txt"
    vocab3.write_text("\n".join(tk.kmer_vocab(3)))
    monkeypatch.setattr(tk, "hf_hub_download", fake_download)
    monkeypatch.delenv("DNAEXPLAIN_DATA_MIRROR", raising=False)
    assert tk.vocab_size(tk.dnabert2_tokenizer()) == 60
    assert tk.vocab_size(tk.dnabert_tokenizer(3, "zhihan1996/DNA_bert_3")) == 69
    assert asked == [
        ("zhihan1996/DNABERT-2-117M", "tokenizer.json"),
        ("zhihan1996/DNA_bert_3", "vocab.txt"),
    ]
    # a mirror, a folder and a vocab file are used without asking the hub
    mirror = tmp_path / "mirror"
    (mirror / "tokenizers").mkdir(parents=True)
    (mirror / "tokenizers/dnabert2_tokenizer.json").write_bytes(tiny_bpe_json.read_bytes())
    monkeypatch.setenv("DNAEXPLAIN_DATA_MIRROR", str(mirror))
    assert tk.vocab_size(tk.dnabert2_tokenizer()) == 60
    assert tk.vocab_size(tk.dnabert2_tokenizer(tiny_bpe_json.parent)) == 60
    assert tk.vocab_size(tk.dnabert_tokenizer(3, tmp_path)) == 69
    assert tk.vocab_size(tk.dnabert_tokenizer(3, vocab3)) == 69
    assert len(asked) == 2
