"""Maps held to known biology: ChIP-seq peaks of Oct4 and MafK, whose factors' sites are the
answer (the chapter "Known biology").

The chapter asks four questions of every map of every model, one module each: does the motif
procedure recover the class's factor family (`recovery`), and TF-MoDISco's top pattern
(`modisco`); does the map put its relevance on the factor's sites (`measures`, on the sites
of `site_scan`); does mutating the sites cost the model more than mutating random or
top-scored bases (`mutation`); and what does inserting a site alone add (`inserting`).
`answer` holds each class's factor, `peaks` the data and models, `maps` the scores, and
`summary` the chapter's last words and its rows for the findings page. The functions named
``*_sentence`` or ``*_sentences`` put a table's findings in words for the page.

Every function is importable from here (``from dnaexplain.studies import known_biology as
study``). Models are named by their key in the chapter's runs (``"cnn"``) and shown by
`NAME`; a ``model`` column of a table holds the shown name.
"""

from .answer import ALPHA, COMPARISON_COLUMNS, FACTORS, MAX_Q, MEASURES, P_SITE
from .inserting import N_SHUFFLES, SITES, insert_sites, insertion_claim_rows, insertion_sentences
from .maps import explain, scores_line, site_examples
from .measures import flat_share, site_measures, sites_sentences, sites_table, versus, versus_random
from .modisco import modisco_recover, modisco_sentences, modisco_table
from .mutation import compared, mutate_sites, mutation_sentences, mutation_table, mutation_tests
from .peaks import accuracy_sentence, check_runs, draw, peak_files, peaks, train_models
from .recovery import best_matches, headline, recover, top_motif, top_motifs_sentence
from .site_scan import factor_matrices, own_sites, site_carry, sites_sentence
from .summary import claim_rows, summary_sentences

__all__ = [
    "ALPHA",
    "COMPARISON_COLUMNS",
    "FACTORS",
    "MAX_Q",
    "MEASURES",
    "N_SHUFFLES",
    "P_SITE",
    "SITES",
    "accuracy_sentence",
    "best_matches",
    "check_runs",
    "claim_rows",
    "compared",
    "draw",
    "explain",
    "factor_matrices",
    "flat_share",
    "headline",
    "insert_sites",
    "insertion_claim_rows",
    "insertion_sentences",
    "modisco_recover",
    "modisco_sentences",
    "modisco_table",
    "mutate_sites",
    "mutation_sentences",
    "mutation_table",
    "mutation_tests",
    "own_sites",
    "peak_files",
    "peaks",
    "recover",
    "scores_line",
    "site_carry",
    "site_examples",
    "site_measures",
    "sites_sentence",
    "sites_sentences",
    "sites_table",
    "summary_sentences",
    "top_motif",
    "top_motifs_sentence",
    "train_models",
    "versus",
    "versus_random",
]
