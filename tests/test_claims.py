import pytest
import scipy.stats

from dnaexplain import claims


def test_rows_are_collected_adjusted_together_and_judged(tmp_path):
    claims.record("Mutagenesis", "cpu", [
        claims.claim("lrp beats random", "Figure 1", "0.70 vs 0.80", -0.1, 0.01),
        claims.claim("attention no better than random", "Figure 1", "0.79 vs 0.80", -0.01,
                     0.04, expected="none"),
        claims.claim("TATA collapses", "Table 1", "n/a", why="the model falls back on TATA"),
    ], root=tmp_path)
    claims.record("Motifs", "cpu", [
        claims.claim("lrp_last above random", "section 4.4", "0.9", -0.2, 0.02,
                     expected="greater"),
    ], root=tmp_path)
    claims.record("Motifs", "smoke", [claims.claim("x", "y", "z", why="w")], root=tmp_path)
    table = claims.collect("cpu", root=tmp_path, order=["Mutagenesis", "Motifs"])
    assert table["chapter"].tolist() == ["Mutagenesis"] * 3 + ["Motifs"]
    # BH over the three tested p-values 0.01, 0.04, 0.02: 0.03, 0.04, 0.03
    assert table["p_adjusted"].iloc[[0, 1, 3]].tolist() == pytest.approx([0.03, 0.04, 0.03])
    assert table["verdict"].tolist() == [
        "replicates", "does not replicate (a difference)", "cannot tell here",
        "does not replicate (the opposite)"]
    assert table["why"].iloc[2] == "the model falls back on TATA"
    # recording again replaces a chapter's rows
    claims.record("Motifs", "cpu", [], root=tmp_path)
    assert len(claims.collect("cpu", root=tmp_path)) == 3
    assert len(claims.collect("paper", root=tmp_path)) == 0


def test_a_claim_needs_a_test_or_a_reason():
    with pytest.raises(ValueError, match="say why it cannot be told here"):
        claims.claim("x", "Table 1", "0.5")
    with pytest.raises(ValueError, match="expected must be one of"):
        claims.claim("x", "Table 1", "0.5", 0.1, 0.2, expected="lower")


def test_accuracy_claims_test_a_pretrained_model_and_excuse_a_small_one():
    from dnaexplain.training import Trained

    metrics = {"accuracy": 0.80, "confusion": [[40, 10], [10, 40]]}
    small = Trained(None, None, None, metrics, None, {"source": "mini"}, ("a", "b"))
    (row,) = claims.accuracy_claims("dnabert:human_nontata_promoters", small)
    assert row["p"] is None and "from scratch" in row["why"]
    big = Trained(None, None, None, metrics, None, {"source": "zhihan1996/DNA_bert_6"},
                  ("a", "b"))
    (row,) = claims.accuracy_claims("dnabert:human_nontata_promoters", big)
    # 80 of 100 against the paper's 93 %: a binomial test
    assert row["estimate"] == pytest.approx(-0.13)
    assert row["p"] == pytest.approx(scipy.stats.binomtest(80, 100, 0.93).pvalue)
    assert claims.accuracy_claims("cnn:human_nontata_promoters", big) == []
