"""TF-MoDISco-lite on hand-made four-channel scores: a planted JASPAR motif comes back as the
top pattern, and noise gives no pattern that matches JASPAR."""

import numpy as np
import pytest

from dnaexplain import data, motifs
from dnaexplain.sequences import one_hot

CTCF = "MA0139.1"
FAST = {"n_leiden": 2}  # the best of 2 Leiden runs (modisco's command line): quick tests


@pytest.fixture(scope="module")
def planted():
    """CTCF planted once in each of 100 positives of 200 sequences (200 bp), one-hot
    (n, 4, L), and hypothetical scores 1 on the planted bases' observed channel plus noise
    of sd 0.05 on every channel."""
    d = data.synthetic(200, motifs=(CTCF,), seed=0)
    x = one_hot(d.sequences).numpy()
    noise = 0.05 * np.random.default_rng(0).standard_normal(x.shape)
    return d, x, x * d.mask[:, None, :] + noise, noise


@pytest.fixture(scope="module")
def ctcf(planted):
    d, x, h, _ = planted
    positive = d.labels == 1
    found = motifs.find_patterns(x[positive], h[positive], **FAST)
    return d, found, motifs.compare(found)


def test_projected_puts_the_score_on_the_observed_base():
    x = one_hot(["ACGN"]).numpy()
    p = motifs.projected(np.array([[1.0, -2.0, 3.0, 4.0]]), x)
    assert p.shape == (1, 4, 4)
    assert np.array_equal(p[0, :, 0], [1, 0, 0, 0])
    assert np.array_equal(p[0, :, 1], [0, -2, 0, 0])
    assert np.array_equal(p[0, :, 3], [0, 0, 0, 0])  # N
    # sequences as strings: one-hot encoded, padded to the scores' length
    padded = motifs.projected(np.array([[1.0, -2.0, 3.0, 4.0, 5.0]]), ["ACGN"])
    assert np.array_equal(padded[..., :4], p) and not padded[..., 4].any()
    with pytest.raises(ValueError, match="want"):
        motifs.projected(np.ones((1, 3)), x)


def test_top_pattern_is_the_planted_motif(ctcf):
    d, found, table = ctcf
    positive = [p for p in found if p.sign > 0]
    assert positive and positive[0].id == "pos_1"
    top = positive[0]
    assert top.counts.shape[0] == 4 and top.cwm.shape == top.counts.shape
    assert top.counts.shape[1] >= 15  # CTCF's 19 columns, trimmed where the CWM is weak
    assert len(top.seqlets) >= 20
    assert np.allclose(top.counts.sum(0), len(top.seqlets))
    best = table[(table["query"] == top.id) & (table["rank"] == 1)].iloc[0]
    assert best["id"] == CTCF
    assert best["q_value"] <= 1e-4
    # its seqlets (numbered within the positives) lie on the planted sites
    mask = d.mask[d.labels == 1]
    on_site = [mask[i, a:b].mean() for i, a, b in top.seqlets[["sequence", "start", "end"]].values]
    assert np.mean(on_site) > 0.95
    # the contribution is where the planted bases are: positive
    assert top.cwm.sum() > 0


def test_seqlets_index_the_class_rows(ctcf):
    d, found, _ = ctcf
    rows = found[0].seqlets
    assert rows["sequence"].between(0, int((d.labels == 1).sum()) - 1).all()
    assert (rows["end"] - rows["start"] == found[0].counts.shape[1]).all()
    assert set(rows["strand"]) <= {"+", "-"}


def test_noise_gives_no_pattern(planted):
    d, x, _, noise = planted
    assert motifs.find_patterns(x[d.labels == 1], noise[d.labels == 1], **FAST) == []


def test_a_map_of_one_sign_is_centred_and_still_finds_the_motif(planted):
    d, x, _, _ = planted
    positive = d.labels == 1
    scores = d.mask + np.random.default_rng(1).uniform(0, 0.1, d.mask.shape)  # all >= 0
    found = motifs.find_patterns(
        x[positive], motifs.projected(scores[positive], x[positive]), **FAST
    )
    table = motifs.compare(found[:1])
    assert found[0].sign == 1
    assert table.iloc[0]["id"] == CTCF and table.iloc[0]["q_value"] <= 1e-4


def test_a_map_far_from_zero_is_centred_and_still_finds_the_motif(planted):
    # every base -1, the planted ones +2: windows of both signs, but modisco's null, fitted
    # around the windows' mode (-15), has no positive side until the map is centred
    d, x, _, _ = planted
    positive = d.labels == 1
    scores = -1 + 3 * d.mask + 0.01 * np.random.default_rng(2).standard_normal(d.mask.shape)
    found = motifs.find_patterns(
        x[positive], motifs.projected(scores[positive], x[positive]), **FAST
    )
    table = motifs.compare(found[:1])
    assert found[0].id == "pos_1"
    assert table.iloc[0]["id"] == CTCF and table.iloc[0]["q_value"] <= 1e-4


def test_a_constant_map_has_no_pattern(planted):
    _, x, _, _ = planted
    assert motifs.find_patterns(x[:20], np.ones_like(x[:20]), **FAST) == []
    with pytest.raises(ValueError, match="want both"):
        motifs.find_patterns(x[:20], x[:20, :, :10])


def test_runs_are_deterministic(planted, ctcf):
    d, x, h, _ = planted
    positive = d.labels == 1
    again = motifs.find_patterns(x[positive], h[positive], **FAST)
    first = ctcf[1]
    assert [p.id for p in again] == [p.id for p in first]
    for a, b in zip(again, first):
        assert np.array_equal(a.counts, b.counts) and np.array_equal(a.cwm, b.cwm)
        assert a.seqlets.equals(b.seqlets)


def test_pattern_recovery_ranks_the_family_per_class(planted):
    d, x, h, noise = planted
    # class 1: planted CTCF, scored; class 0: no site, scored by noise alone
    h = np.where((d.labels == 1)[:, None, None], h, noise)
    table, patterns, matches = motifs.pattern_recovery(
        x, d.labels, h, {1: {"CTCF"}, 0: {"CTCF"}}, **FAST
    )
    assert list(table["label"]) == [1, 0]
    hit, miss = table.iloc[0], table.iloc[1]
    assert hit["rank"] == 1 and hit["match"] == "CTCF" and hit["q_value"] <= 1e-4
    assert hit["top"] == "pos_1" and hit["top_id"] == CTCF and hit["top_family"]
    assert hit["n_motifs"] == sum(p.sign > 0 for p in patterns[1])
    assert np.isnan(miss["rank"]) and not miss["top_family"] and miss["match"] == ""
    assert set(matches) == {1, 0}
    assert list(table.columns) == ["label", *motifs.RECOVERY_COLUMNS, *motifs.TOP_COLUMNS]
    with pytest.raises(ValueError, match="no sequences"):
        motifs.pattern_recovery(x, d.labels, h, {2: {"CTCF"}})


def test_planted_recovery_names_the_planted_matrix_and_leaves_out_unscored_rows(planted):
    d, x, h, _ = planted
    positive = d.labels == 1
    h = h[positive].copy()
    h[:10] = np.nan  # a map of part of the sequences
    table, patterns, matches = motifs.planted_recovery(x[positive], h, [CTCF, "MA0108.2"], **FAST)
    assert table["planted"].tolist() == [CTCF, "MA0108.2"]
    assert table["n_sequences"].tolist() == [90, 90]
    ctcf, tbp = table.iloc[0], table.iloc[1]
    assert ctcf["rank"] == 1 and ctcf["match_id"] == CTCF and ctcf["q_value"] <= 1e-4
    assert np.isnan(tbp["rank"]) and tbp["match"] == ""
    assert ctcf["n_motifs"] == sum(p.sign > 0 for p in patterns) >= 1
    assert set(matches["query"]) == {p.id for p in patterns}
    assert patterns[0].seqlets["sequence"].max() < 90


def test_modisco_kernels_are_cached_on_disk(ctcf):
    # after a run, every numba function of modisco writes its machine code to numba's cache
    import modiscolite
    import numba
    from numba.core.caching import NullCache

    kernels = [
        v
        for m in (modiscolite.util, modiscolite.affinitymat, modiscolite.extract_seqlets)
        for v in vars(m).values()
        if isinstance(v, numba.core.registry.CPUDispatcher)
    ]
    assert len(kernels) > 10
    assert not any(isinstance(k._cache, NullCache) for k in kernels)
