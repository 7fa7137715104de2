"""The TATA box: where its matches lie, and how much relevance each map puts there."""

import numpy as np
import pandas as pd

from ... import metrics
from .. import NAME, sequence_lengths
from .runs import TATA, TATA_PATTERN, TSS, tidy


def tata_tasks(samples):
    """The tasks aligned on the TSS (``prom_300*``), where the TATA box can be looked for."""
    return [t for t in samples if t.startswith("prom_300")]


def _tata_regions(ds):
    """TATAWAW matches and the −40 … −20 window, each (n, L) bool."""
    sites = metrics.motif_mask(ds.sequences, TATA_PATTERN, int(sequence_lengths(ds).max()))
    window = np.zeros_like(sites)
    window[:, TATA[0] : TATA[1]] = True
    return sites, window


def tata_sites(samples):
    """Per class, the share of sequences with a TATAWAW match, and with one in −40 … −20.

    Returns
    -------
    dict of str to pandas.DataFrame
        Task (`tata_tasks`) -> one row per class, indexed by its name; columns ``with a
        TATAWAW match`` and ``with one in −40 … −20``.
    """
    tables = {}
    for task in tata_tasks(samples):
        ds = samples[task]
        sites, window = _tata_regions(ds)
        anywhere, in_window = sites.any(1), (sites & window).any(1)
        found = pd.DataFrame({"with a TATAWAW match": anywhere, "with one in −40 … −20": in_window})
        tables[task] = found.groupby(ds.labels).mean().set_axis(ds.classes).rename_axis(task)
    return tables


def tata_summary(checks):
    """Markdown: how often promoters and non-promoters carry a TATAWAW in −40 … −20, and
    what that means for the measures; one paragraph per task.

    Parameters
    ----------
    checks : dict of str to pandas.DataFrame
        `tata_sites`: classes ``promoter`` and ``non-promoter``.

    Returns
    -------
    str
        The paragraphs, or a sentence saying there is no ``prom_300`` task.
    """
    lines = []
    for task, check in checks.items():
        share = check["with one in −40 … −20"]
        # a box the non-promoters carry as often cannot tell the classes apart
        common = share["non-promoter"] >= 0.5 * share["promoter"]
        lines.append(
            f"In the `{task}` sequences compared here, {share['promoter']:.0%} of the promoters "
            f"and {share['non-promoter']:.0%} of the non-promoters carry a strict TATAWAW in "
            "−40 … −20. A strict consensus match misses boxes that differ from it at one "
            "position, and "
            + (
                "the non-promoters carry it about as often, so the box alone cannot separate "
                "the classes here; a model may learn it as one piece of evidence among others."
                if common
                else "the non-promoters carry it less often, so it is evidence a model can use."
            )
            + " The enrichment measures below are therefore about where a map puts its "
            "relevance on promoters, not a test a model must pass."
        )
    return "\n\n".join(lines) or "No `prom_300` task in `compare_runs`."


def localisation(scores, samples):
    """Where each map puts its positive relevance on the promoters of the TSS-aligned tasks.

    Returns
    -------
    pandas.DataFrame
        `metrics.localisation_table`'s rows on the promoters (``method``, ``sequence``,
        ``window share``, ``window enrichment``, ``TATAWAW share``, ``TATAWAW enrichment``),
        with `tidy`'s columns; empty, with the columns later steps read, without such a task.
    """
    parts = []
    for task in tata_tasks(samples):
        ds = samples[task]
        sites, window = _tata_regions(ds)
        promoters = ds.labels == ds.classes.index("promoter")
        for (model, tk), maps in scores.items():
            if tk == task:
                table = metrics.localisation_table(
                    maps, {"window": window, "TATAWAW": sites}, sequence_lengths(ds)
                )
                parts.append(tidy(table[promoters[table.sequence]], model, task))
    if not parts:
        columns = ["task", "model", "method", "label", "window share", "window enrichment"]
        return pd.DataFrame(columns=[*columns, "TATAWAW enrichment"])
    return pd.concat(parts, ignore_index=True)


def promoter_profiles(scores, samples):
    """Mean scaled score along the promoters of each TSS-aligned task, per map but random.

    Returns
    -------
    list of dict
        The arguments of `plots.region_profiles`, one figure per task: ``panels`` (model
        name -> method -> (positions relative to the TSS, mean profile), each shape (L,)),
        ``region`` (the −40 … −20 window), ``marks`` and ``title``.
    """
    figures = []
    for task in tata_tasks(samples):
        ds = samples[task]
        keep = ds.labels == ds.classes.index("promoter")
        panels = {}
        for (model, tk), maps in scores.items():
            for method, s in maps.items():
                if tk == task and method != "random":
                    panels.setdefault(NAME[model], {})[method] = (
                        np.arange(s.shape[1]) - TSS,
                        metrics.mean_profile(s[keep]),
                    )
        figures.append(
            {
                "panels": panels,
                "region": (TATA[0] - TSS - 0.5, TATA[1] - TSS - 0.5),
                "marks": {"TSS": 0, "−30": -30},
                "title": f"{task}: mean scaled score over the promoters (shaded: −40 … −20)",
            }
        )
    return figures


def localisation_means(table):
    """`localisation`'s measures averaged over the promoters, by task, model and method."""
    if not len(table):
        return table
    columns = ["window share", "window enrichment", "TATAWAW enrichment"]
    return table.groupby(["task", "model", "method"], sort=False)[columns].mean()
