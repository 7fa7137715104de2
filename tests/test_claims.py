import re

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from dnaexplain import claims, mutagenesis


def _judged(*rows, root):
    claims.record("Chapter", "cpu", list(rows), root=root)
    return claims.collect("cpu", root=root)


@pytest.mark.parametrize(
    "expected, estimate, p, verdict",
    [
        # a directional claim is one-sided: half the two-sided p when the estimate points its way
        ("less", -0.1, 0.002, "replicates"),
        ("greater", 0.3, 0.002, "replicates"),
        ("less", -0.01, 0.6, "does not replicate (too small to tell)"),
        ("less", 0.2, 0.002, "does not replicate (ours points the other way)"),
        # "no better than" fails only when shown better; shown worse supports it
        ("not less", 0.2, 0.002, "replicates (worse, if anything)"),
        ("not less", -0.01, 0.8, "replicates (no difference)"),
        ("not less", -0.2, 0.002, "does not replicate (shown better)"),
        ("not greater", 0.2, 0.002, "does not replicate (shown better)"),
        # no difference: two-sided
        ("none", 0.05, 0.002, "does not replicate (a difference)"),
        ("none", 0.05, 0.5, "replicates (no difference)"),
    ],
)
def test_each_kind_of_claim_is_judged_as_stated(tmp_path, expected, estimate, p, verdict):
    table = _judged(claims.claim("c", "Figure 1", "x", estimate, p, expected), root=tmp_path)
    assert table["verdict"].tolist() == [verdict]
    one_sided = {
        "less": estimate < 0,
        "not less": estimate < 0,
        "greater": estimate > 0,
        "not greater": estimate > 0,
    }
    stored = p if expected == "none" else p / 2 if one_sided[expected] else 1 - p / 2
    assert table["p"].iloc[0] == pytest.approx(stored)


def test_rows_are_collected_adjusted_together_and_judged(tmp_path):
    claims.record(
        "Mutagenesis",
        "cpu",
        [
            claims.claim(
                "lrp beats random",
                "Figure 1",
                "0.70 vs 0.80",
                -0.1,
                0.02,
                paper="LRP* 0.814",
                caveat="falls back on it",
            ),
            claims.claim(
                "attention no better than random",
                "Figure 1",
                "0.93 vs 0.69",
                0.24,
                0.001,
                expected="not less",
            ),
            claims.claim("reaches 93 %", "section 4.2", "0.80", why="a model from scratch"),
        ],
        root=tmp_path,
    )
    claims.record(
        "Motifs",
        "cpu",
        [
            claims.claim(
                "lrp_last above random", "section 4.4", "0.9", 0.2, 0.04, expected="greater"
            ),
            claims.claim(
                "attention's top class",
                "section 4.4",
                "C2H2 (6 motifs)",
                verdict="does not replicate",
                why="most frequent TF class",
            ),
        ],
        root=tmp_path,
    )
    claims.record("Motifs", "smoke", [claims.claim("x", "y", "z", why="w")], root=tmp_path)
    table = claims.collect("cpu", root=tmp_path, order=["Mutagenesis", "Motifs"])
    assert table.columns.tolist() == claims.COLUMNS
    assert table["chapter"].tolist() == ["Mutagenesis"] * 3 + ["Motifs"] * 2
    # one-sided p 0.01, 1 - 0.0005, 0.02; BH over three: 0.03, 0.9995, 0.03
    assert table["p"].iloc[[0, 1, 3]].tolist() == pytest.approx([0.01, 0.9995, 0.02])
    assert table["p_adjusted"].iloc[[0, 1, 3]].tolist() == pytest.approx([0.03, 0.9995, 0.03])
    assert table["verdict"].tolist() == [
        "replicates",
        "replicates (worse, if anything)",
        "cannot tell here",
        "replicates",
        "does not replicate",
    ]
    assert table["paper"].iloc[0] == "LRP* 0.814" and table["caveat"].iloc[0] == "falls back on it"
    assert table["why"].iloc[2] == "a model from scratch"
    assert claims.summary(table) == {
        "replicates": 3,
        "does not replicate": 1,
        "cannot tell here": 1,
    }
    # recording again replaces a chapter's rows
    claims.record("Motifs", "cpu", [], root=tmp_path)
    assert len(claims.collect("cpu", root=tmp_path)) == 3
    assert len(claims.collect("paper", root=tmp_path)) == 0


def test_a_claim_needs_a_test_or_a_reason():
    with pytest.raises(ValueError, match="say why it cannot be told here"):
        claims.claim("x", "Table 1", "0.5")
    with pytest.raises(ValueError, match="say why it cannot be told here"):
        claims.claim("x", "Table 1", "0.5", float("nan"), float("nan"))
    with pytest.raises(ValueError, match="expected must be one of"):
        claims.claim("x", "Table 1", "0.5", 0.1, 0.2, expected="lower")
    with pytest.raises(ValueError, match="verdict must start with one of"):
        claims.claim("x", "Table 1", "0.5", verdict="holds")


def _experiment(correct):
    """Per-sequence outcomes and their summary from {(method, n, label): [0/1 per sequence]}."""
    rows = [
        {"method": m, "n": n, "label": label, "sequence": i, "correct": c}
        for (m, n, label), values in correct.items()
        for i, c in enumerate(values)
    ]
    outcomes = pd.DataFrame(rows)
    summary = (
        outcomes.groupby(["method", "label", "n"], sort=False)["correct"]
        .mean()
        .rename("accuracy")
        .reset_index()
    )
    summary["class"] = summary["label"].map({0: "non-promoter", 1: "promoter"})
    summary["lo"] = summary["hi"] = summary["accuracy"]
    return summary, outcomes


def test_a_fallback_class_is_tested_with_its_caveat_and_attention_worse_than_random_supports():
    ones, zeros, half = [1] * 8, [0] * 8, [1, 0] * 4
    correct = {}
    for label in (0, 1):
        correct["", 0, label] = ones[:7] + [0]
        # the model calls random sequences 'promoter': it falls back on label 1
        correct["", mutagenesis.ALL, label] = ones if label else zeros
        correct["lrp", 20, label] = zeros
        correct["lrp_last", 20, label] = half
        correct["attention", 20, label] = ones
        correct["random", 20, label] = half
    summary, outcomes = _experiment(correct)
    rows = claims.mutagenesis_claims("human_nontata_promoters", summary, outcomes, 20)
    table = pd.DataFrame(rows)
    # label 1 first (the paper's TATA), every claim tested, the fallback a caveat only
    tata = table[
        table["claim"].str.contains("TATA accuracy|on TATA", regex=True)
        & ~table["claim"].str.contains("Non-TATA")
    ]
    assert len(tata) == 4 and tata["p"].notna().all()
    assert tata["caveat"].str.contains("falls back on 'promoter'").all()
    assert (table.loc[table["claim"].str.contains("Non-TATA"), "caveat"] == "").all()
    lrp = tata[tata["claim"].str.startswith("`lrp` lowers")].iloc[0]
    # 8 pairs all -1: the exact sign-flip p is 2 / 2^8, one-sided 1 / 256
    assert lrp["estimate"] == -1 and lrp["p"] == pytest.approx(1 / 256)
    assert lrp["paper"] == "LRP* 0.814, attention 0.854"
    attention = tata[tata["claim"].str.startswith("attention is no better")].iloc[0]
    assert attention["expected"] == "not less" and attention["estimate"] == 0.5
    # four differences of +1: two-sided p 2 / 2^4; tested towards "better", 1 - 1 / 16
    assert attention["p"] == pytest.approx(1 - 1 / 16)
    last = table.iloc[-1]
    assert last["claim"].startswith("random sequences are seldom called TATA")
    assert last["paper"] == "0.968 to 0.306" and last["ours"] == "0.875 to 1.000"
    expected_p = scipy.stats.permutation_test(
        (np.array([1.0] * 7 + [0.0]) - 1.0,),
        np.mean,
        permutation_type="samples",
        n_resamples=9999,
        vectorized=True,
        axis=-1,
        rng=0,
    ).pvalue
    assert last["estimate"] == pytest.approx(1 / 8)
    assert last["p"] == pytest.approx(1 - expected_p / 2)


def test_accuracy_claims_test_a_pretrained_model_and_excuse_a_small_one():
    from dnaexplain.training import Trained

    metrics = {"accuracy": 0.80, "confusion": [[40, 10], [10, 40]]}
    small = Trained(None, None, None, metrics, None, {"source": "mini"}, ("a", "b"))
    (row,) = claims.accuracy_claims("dnabert:human_nontata_promoters", small)
    assert row["p"] is None and "from scratch, which reaches 0.800" in row["why"]
    assert row["paper"] == "0.93"
    big = Trained(None, None, None, metrics, None, {"source": "zhihan1996/DNA_bert_6"}, ("a", "b"))
    (row,) = claims.accuracy_claims("dnabert:human_nontata_promoters", big)
    # 80 of 100 against the paper's 93 %: a two-sided binomial test
    assert row["estimate"] == pytest.approx(-0.13)
    assert row["p"] == pytest.approx(scipy.stats.binomtest(80, 100, 0.93).pvalue)
    assert claims.accuracy_claims("cnn:human_nontata_promoters", big) == []


def test_headlines_state_findings_by_topic_and_the_caveats(tmp_path):
    claims.record(
        "Mutagenesis",
        "cpu",
        [
            claims.claim(
                "`lrp` lowers TATA accuracy more than attention",
                "Table 1",
                "0.78 vs 0.71",
                0.07,
                0.01,
                caveat="this build's model falls back on 'promoter'",
                topic="lrp over attention",
            ),
            claims.claim(
                "`lrp_last` lowers TATA accuracy more than attention",
                "Table 1",
                "0.60 vs 0.71",
                -0.11,
                0.002,
                topic="lrp over attention",
            ),
        ],
        root=tmp_path,
    )
    claims.record(
        "Fine-tuning",
        "cpu",
        [
            claims.claim(
                "DNABERT reaches 93 %",
                "section 4.2",
                "0.810",
                paper="0.93",
                why="a model trained from scratch",
                topic="accuracy",
            )
        ],
        root=tmp_path,
    )
    claims.record(
        "Known biology",
        "cpu",
        [
            claims.claim(
                "CNN's maps recover the POU motif",
                "Kurth",
                "0 of 8 maps",
                verdict="does not replicate",
                why="counts",
                topic="known biology",
            ),
            claims.claim(
                "CNN's maps recover the Maf motif",
                "Kurth",
                "5 of 8 maps",
                verdict="replicates",
                why="counts",
                topic="known biology",
            ),
        ],
        root=tmp_path,
    )
    findings, caveats = claims.headlines(claims.collect("cpu", root=tmp_path))
    assert findings == [
        "**" + claims.TOPICS["lrp over attention"] + "**: 1 of 2 claims replicate: `lrp_last` "
        "lowers TATA accuracy more than attention (0.60 vs 0.71).",
        "**" + claims.TOPICS["known biology"] + "**: 1 of 2 claims replicate: CNN's maps "
        "recover the Maf motif (5 of 8 maps).",
    ]
    assert caveats[0] == (
        "**Not the papers' models**: DNABERT reaches 93 %, here 0.810. A "
        "model trained from scratch."
    )
    assert caveats[1].startswith(
        "**Fallback classes**: this build's model falls back on "
        "'promoter'. The paper's models fall back on Non-TATA and "
        "Non-enhancer instead"
    )
    assert caveats[2] == "**Motifs not recovered**: CNN's maps recover the POU motif: 0 of 8 maps."


def test_discussion_says_what_was_found_and_what_cannot_be_told(tmp_path):
    claims.record(
        "Mutagenesis",
        "cpu",
        [
            claims.claim("a", "Table 1", "x", -0.1, 0.001, topic="lrp over attention"),
            claims.claim("b", "Table 1", "x", -0.1, 0.002, topic="lrp over attention"),
            claims.claim("c", "Table 1", "x", 0.1, 0.9, topic="lrp over attention"),
        ],
        root=tmp_path,
    )
    claims.record(
        "Fine-tuning",
        "cpu",
        [
            claims.claim(
                "reaches 93 %", "4.2", "0.81", why="a model from scratch", topic="accuracy"
            ),
            claims.claim("matches motif", "Fig 4", "none", why="no match at q < 0.05"),
        ],
        root=tmp_path,
    )
    table = claims.collect("cpu", root=tmp_path)
    values = {
        "train": {"dnabert": {"source": "mini"}, "dnabert2": {"source": "org/released"}},
        "n_scored": 50,
        "n_per_class": 500,
        "random_repeats": 10,
    }
    found, cannot = claims.discussion(table, values)
    assert found == [
        "Of 5 claims tested, 2 replicate, 1 do not and 2 cannot be told here.",
        claims.TOPICS["lrp over attention"] + ": 2 of 3 replicate (most replicate).",
    ]
    # the accuracy row is said once, as the model trained from scratch
    assert cannot == [
        "matches motif: no match at q < 0.05.",
        "The DNABERT models are trained from scratch here, without the papers' "
        "pre-training, so every verdict is about models weaker than the papers'.",
        "Samples: 50 scored sequences per class, 500 mutated per class, 10 random "
        "repeats; a difference smaller than these samples resolve reads as none.",
    ]
    values["train"]["dnabert"]["source"] = "zhihan1996/DNA_bert_6"
    assert "reaches 93 %: a model from scratch." in claims.discussion(table, values)[1]
    assert claims.discussion(table.iloc[:0], values) == ([], [])


def test_findings_table_links_verdicts_to_their_notes_and_rows_to_chapters(tmp_path):
    claims.record(
        "Mutagenesis",
        "cpu",
        [
            claims.claim(
                "`lrp` beats <random>", "Figure 1", "0.70 vs 0.80", -0.1, 0.02, paper="LRP* 0.814"
            ),
            claims.claim("reaches 93 %", "section 4.2", "0.80", why="a model from scratch"),
        ],
        root=tmp_path,
    )
    table = claims.collect("cpu", root=tmp_path)
    shown = claims.to_html(table, {"Mutagenesis": "04_mutagenesis.html"})
    rows = re.findall(r"<tr>(.*?)</tr>", shown)
    assert re.findall(r"<th>(.*?)</th>", rows[0]) == [
        "claim",
        "paper",
        "ours",
        "verdict",
        "chapter",
    ]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[1])
    assert cells[0] == "<code>lrp</code> beats &lt;random&gt;" and cells[1] == "LRP* 0.814"
    assert cells[3] == 'replicates <sup><a href="#claim-note-1">1</a></sup>'
    assert cells[4] == '<a href="04_mutagenesis.html">Mutagenesis</a>'
    assert f"background:{claims.COLOURS['cannot tell here']}" in rows[2]
    assert re.findall(r"<td[^>]*>(.*?)</td>", rows[2])[1] == "—"
    notes = claims.notes_html(table)
    first, second = re.findall(r'<tr id="claim-note-(\d)">(.*?)</tr>', notes)
    assert re.findall(r"<td>(.*?)</td>", first[1]) == [
        "1",
        "Figure 1",
        "-0.100",
        "0.01",
        "0.01",
        "paired sign-flip test",
    ]
    assert re.findall(r"<td>(.*?)</td>", second[1])[2:] == ["—", "—", "—", "a model from scratch"]


def test_chance_is_the_largest_class_share():
    # 30 + 25 right of 100, the largest class 60: P(Binomial(100, 0.6) >= 55)
    r = claims.chance(0.55, [60, 40])
    assert r["accuracy"] == 0.55 and r["majority"] == 0.6
    assert r["p"] == pytest.approx(scipy.stats.binom.sf(54, 100, 0.6)) and not r["above"]
    assert claims.chance(0.9, [50, 50])["above"]
    # a constant classifier sits exactly at chance
    assert not claims.chance(0.5, [50, 50])["above"]
