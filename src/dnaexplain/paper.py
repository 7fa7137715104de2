"""What the DNABERT case study reports, as data: the numbers the book prints beside its own.

From *Transforming Genomic Interpretability: A DNABERT Case Study* (ICML 2023 workshop):
pre-trained DNABERT-6 fine-tuned on Genomic Benchmarks' ``human_nontata_promoters`` and
``human_enhancers_cohn``. The paper names the two classes of the promoter set "TATA"
(label 1, promoters) and "Non-TATA" (label 0, non-promoters).
"""

import pandas as pd

# accuracy on the whole test split, per (model, dataset)
ACCURACY = {("dnabert", "human_nontata_promoters"): 0.93, ("dnabert", "human_enhancers_cohn"): 0.86}

# Table 1: accuracy per class on 500 test sequences of that class; n mutated positions. LRP* is
# the better of lrp and lrp_last; n = 200 means entirely random sequences.
TABLE_1 = pd.DataFrame(
    [
        ("Non-TATA", "human_nontata_promoters", 0, 0.878, 0.784, 0.788, 0.678),
        ("TATA", "human_nontata_promoters", 1, 0.968, 0.814, 0.854, 0.306),
        ("Enhancer", "human_enhancers_cohn", 1, 0.876, 0.49, 0.512, 0.386),
        ("Non-enhancer", "human_enhancers_cohn", 0, 0.87, 0.838, 0.852, 0.62),
    ],
    columns=[
        "paper class",
        "dataset",
        "label",
        "n = 0",
        "LRP* at 20",
        "attention at 20",
        "random sequences",
    ],
)
# LRP* takes the better of these two, after the fact
TABLE_1_LRP = ("lrp", "lrp_last")
# the classes whose accuracy collapses on random sequences in the paper: by its own text, the
# informative rows (mutations cannot push a model towards a class it does not fall back on)
INFORMATIVE = (("human_nontata_promoters", 1), ("human_enhancers_cohn", 1))
INFORMATIVE_LABEL = 1  # in both tasks

# section 4.4: the JASPAR TF class of the top motif matches per method (promoter class).
# "Other C4 zinc finger-type factors" is, in JASPAR 2018 CORE vertebrates, the GATA-type zinc
# fingers (GATA1-6); the nuclear receptors are the separate class "Nuclear receptors with C4
# zinc fingers".
MOTIF_CLASSES = {
    "attention": "Other C4 zinc finger-type factors",
    "lrp_last": "C2H2 zinc finger factors",
    "lrp": "Homeo domain factors",
}


def table_1(dataset, label):
    """The paper's Table 1 row of a dataset's class, or None when the paper has none.

    Returns
    -------
    pandas.Series or None
    """
    rows = TABLE_1[(TABLE_1["dataset"] == dataset) & (TABLE_1["label"] == label)]
    return rows.iloc[0] if len(rows) else None


def fallback_class(dataset):
    """The class the paper's model calls random sequences most often (random-sequence
    accuracy above its unmutated accuracy), per the paper's Table 1; None when unknown."""
    rows = TABLE_1[TABLE_1["dataset"] == dataset]
    if not len(rows):
        return None
    return int(rows.loc[(rows["random sequences"] / rows["n = 0"]).idxmax(), "label"])
