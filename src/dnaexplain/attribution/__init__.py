"""Every scoring method behind one call: ``attribute(model, inputs, method, target=...)``.

One job per module: `registry` (the methods by name, one registration each), `methods` (each
method's function and registration), `passes` (the passes methods share), `dispatch`
(`attribute`, `attribute_all`), `explaining` (sequences to nucleotide scores, cached), `maps`
(rollout) and `invariants`.

Token-level methods score the t tokens of a `Tokenization` (DNABERT, DNABERT-2); the CNN and
``ism`` score nucleotides. `level` says which; `explain` goes from sequences to nucleotide
scores in one call (`positions.to_nucleotides` for token scores).

Notation: target class c, logit y_c, A_b (n, heads, t, t) the attention probabilities of layer
b = 1..L, dA_b = dy_c / dA_b, R_b the LRP relevance reaching A_b, x+ = max(x, 0).

==================== ====================================================================
method               token scores s (n, t)
==================== ====================================================================
attention            sum_h A_L[h, 0, :]; [CLS], [SEP] 0 (DNABERT's attention score)
rollout              row 0 of rollout(mean_h A_b); [CLS] 0
attn_gradcam         row 0 of M = (mean_h alpha_h A_L[h])+ with alpha_h = mean_ij dA_L[h],
                     min-max scaled over the T x T map (all 0 when constant); [CLS] 0
lrp                  row 0 of rollout(mean_h (dA_b * R_b)+), Chefer's rules; [CLS] set to
                     the row minimum (Chefer et al. 2021, "transformer attribution")
lrp_last             mean_h (R_L)+ row 0; [CLS] 0
full_lrp             Chefer relevance at the encoder input, summed over hidden; [CLS] 0
attnlrp              AttnLRP relevance at the word embeddings, summed over hidden
cp_lrp               CP-LRP relevance at the word embeddings, summed over hidden
plrp                 a base LRP method with pruned relevance (options ``base``, ``p``)
integrated_gradients captum, on the word embeddings, summed over hidden
saliency             captum, sum over hidden of |dy_c / d embedding|
input_x_gradient     captum, embedding * gradient, summed over hidden
ism                  nucleotide scores: y_c(x) - mean of y_c over the 3 point mutants
random               seeded uniform in [0, 1); [CLS], [SEP] 0
==================== ====================================================================

The CNN (one-hot input (n, 4, L), nucleotide scores (n, L)) has ``lrp`` (LRP composite of
`lrp.propagate`, summed over the 4 channels), ``plrp``, ``saliency`` (sum over the channels of
|g|) and ``input_x_gradient`` (g at the observed base), g the gradient of y_c with respect to
the one-hot input with its mean over the four channels removed (Majdandzic et al. 2023;
``gradient_correction=False`` keeps it), ``integrated_gradients`` (from the all-zero
sequence, or with ``baseline="shuffled"`` the mean over dinucleotide-shuffled references),
``deep_lift_shap`` (DeepLIFT's rescale rule against ``n_shuffles`` dinucleotide shuffles of
each sequence, tangermeme's `deep_lift_shap`), ``ism`` and ``random``.

Four-channel scores: ``hypothetical=True`` gives (n, 4, L) contributions h for ``ism`` (every
model; 4/3 of tangermeme's hypothetical ISM) and the CNN's ``input_x_gradient`` and
``deep_lift_shap``; summed over the channels of h times the one-hot input they give the
(n, L) scores. These are what TF-MoDISco reads.

Conventions, for every method: padding scores exactly 0, and so do the CNN's all-zero columns
(padding and N); results do not depend on batching, nor on padding (the CNN masks it before
pooling); the [CLS] / [SEP] entries
follow Chefer's code (above) and are otherwise left as computed. Relevance starts from a
one-hot of c for Chefer's rules (total 1) and from y_c for AttnLRP / CP-LRP and the CNN (see
`lrp.propagate`).
"""

from . import methods as _methods  # noqa: F401  (registers the built-in methods)
from .dispatch import BATCH_SIZE, attribute, attribute_all, check_target, level
from .explaining import explain, explain_all, explain_many, plrp_variants
from .invariants import invariants
from .maps import rollout
from .methods import DEEPLIFT_RULES, Logits
from .registry import IG_BASELINES, PLRP_BASES, REGISTRY, Method, Variant, methods_for, register

METHODS = methods_for()  # the built-in methods, in the order of the table above

__all__ = [
    "BATCH_SIZE",
    "DEEPLIFT_RULES",
    "IG_BASELINES",
    "Logits",
    "METHODS",
    "PLRP_BASES",
    "REGISTRY",
    "Method",
    "Variant",
    "attribute",
    "attribute_all",
    "check_target",
    "explain",
    "explain_all",
    "explain_many",
    "invariants",
    "level",
    "methods_for",
    "plrp_variants",
    "register",
    "rollout",
]
