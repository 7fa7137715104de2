"""Every method's map of the peaks, and the examples shown on the page."""

import numpy as np

from ... import attribution
from .. import sequence_lengths
from .answer import FACTORS, _name


def explain(trained, ds, methods, width):
    """Every method's map of every model, each sequence explained as its own class (cached).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By model key.
    ds : data.Dataset
        n sequences.
    methods : dict of str to list of str
        Methods per model key (``biology_methods``).
    width : int
        Columns kept, L (the site map's).

    Returns
    -------
    dict of str to dict of str to numpy.ndarray, shape (n, L)
        Model key -> method -> nucleotide scores, in the order of ``methods[model]``.
    """
    scores = {}
    for model, t in trained.items():
        cheap = [m for m in methods[model] if m != "ism"]
        found = attribution.explain_all(t, ds.sequences, cheap, target=ds.labels)
        if "ism" in methods[model]:  # one forward pass per mutant: large batches
            found |= attribution.explain_all(
                t, ds.sequences, ["ism"], target=ds.labels, batch_size=128
            )
        scores[model] = {m: found[m][:, :width] for m in methods[model]}
    return scores


def scores_line(scores):
    """The methods scored for each model, as one line: ``"CNN: lrp, ism; ..."``."""
    return "; ".join(f"{_name(m)}: {', '.join(s)}" for m, s in scores.items())


def site_examples(ds, hits, truth, scores, flank=30, width=80):
    """For each factor, its first peak with an own site and every map around that site.

    Parameters
    ----------
    ds : data.Dataset
        n sequences.
    hits, truth
        From `own_sites`.
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        From `explain`; random scores are left out.
    flank : int
        Bases shown before the first own site.
    width : int
        Bases shown.

    Returns
    -------
    list of dict
        Keyword arguments of `plots.site_tracks` (``scores``, ``sites``, ``sequence``,
        ``title``, ``window``), one per factor whose peaks hold an own site.
    """
    lengths = sequence_lengths(ds)
    examples = []
    for c in FACTORS:
        chosen = np.flatnonzero(truth.any(1) & (ds.labels == ds.classes.index(c)))
        if not len(chosen):  # no peak of this class holds its factor's site
            continue
        i = int(chosen[0])
        own = hits[(hits.sequence == i) & (hits.motif == FACTORS[c]["matrix"])]
        start = max(0, int(own.start.min()) - flank)
        examples.append(
            {
                "scores": {
                    f"{_name(m)} · {method}": s[i]
                    for m, by in scores.items()
                    for method, s in by.items()
                    if method != "random"
                },
                "sites": list(zip(own.start, own.end, own.name)),
                "sequence": ds.sequences[i],
                "title": f"{FACTORS[c]['factor']} peak {i}",
                "window": (start, min(int(lengths[i]), start + width)),
            }
        )
    return examples
