# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # An LRP primer
#
# {term}`Layer-wise Relevance Propagation <LRP>` {cite}`bach2015lrp` explains one output
# $f_c(x)$ of a network by handing it backwards, layer by layer, to the inputs. Each layer
# receives {term}`relevance` $R_k$ on its outputs and passes it to its inputs $j$ in proportion
# to how much each input contributed. If a layer passes on exactly what it received,
#
# $$\sum_j R_j = \sum_k R_k ,$$
#
# the explanation is {term}`conservative`: the input scores add up to the output that was
# explained. This chapter works the rules out by hand on a network small enough to check with a
# pencil, confirms that the library computes the same numbers, and then looks at what changes
# inside a transformer, where {term}`the rules of Chefer et al. <Chefer's rules>`
# {cite}`chefer2021transformer` and {term}`AttnLRP` {cite}`achtibat2024attnlrp` part ways. A
# reader who knows backpropagation has everything needed: every rule below is a backward pass
# with a different local rule. Exercises along the way (solutions hidden until opened) let you
# do each step yourself first.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
seed: int = None  # seed of the random models (integer, 0 or more)

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
import torch
from IPython.display import Markdown, display

from dnaexplain import book, lrp, models, params, plots
from dnaexplain.tokenizers import dnabert_tokenizer, tokenize

params.bind(globals())  # the profile's values, yours laid over, all checked
torch.manual_seed(seed)
book.setup("{:.4g}")  # tables: 4 significant digits, no row numbers; warnings as admonitions

# %% [markdown]
# ## A two-layer network by hand
#
# Two inputs, two hidden ReLU units, one output:
#
# $$
# h = \max(0, W_1 x + b_1), \qquad y = W_2 h + b_2, \qquad
# W_1 = \begin{pmatrix} 1 & -1 \\ 2 & 1 \end{pmatrix},\;
# b_1 = \begin{pmatrix} 0.5 \\ 0 \end{pmatrix},\;
# W_2 = \begin{pmatrix} 0.5 & 1 \end{pmatrix},\; b_2 = 1 .
# $$
#
# For $x = (1, 2)$ the hidden pre-activations are $z = (-0.5, 4)$, so $h = (0, 4)$ and
# $y = 0.5 \cdot 0 + 1 \cdot 4 + 1 = 5$.

# %%
W1 = np.array([[1.0, -1.0], [2.0, 1.0]]); b1 = np.array([0.5, 0.0])
W2 = np.array([[0.5, 1.0]]); b2 = np.array([1.0])
x = np.array([1.0, 2.0])
z1 = W1 @ x + b1
h = np.maximum(z1, 0)
y = W2 @ h + b2
pd.DataFrame({"z1": z1, "h": h}, index=["unit 1", "unit 2"]).assign(y=[y[0], None])

# %% [markdown]
# ### The basic rule (LRP-0) and the ε-rule
#
# Input $j$ of a linear layer contributes $z_{jk} = x_j w_{kj}$ to output $k$, whose
# pre-activation is $z_k = \sum_j z_{jk} + b_k$. LRP-0 shares $R_k$ in proportion:
#
# $$R_j = \sum_k \frac{x_j w_{kj}}{z_k} R_k .$$
#
# The {term}`ε-rule <epsilon rule>` adds a small $\varepsilon\,\mathrm{sign}(z_k)$ to the
# denominator so that tiny $z_k$ do not blow relevance up. The bias takes its own share
# $b_k R_k / z_k$, which is therefore lost to the inputs: conservation holds exactly only
# without biases. A ReLU passes relevance on unchanged (a unit that is off received none).
#
# Start from $R_y = y = 5$. The output layer gives the hidden units
# $R_h = h \odot W_2^\top \frac{R_y}{y} = (0, 4)$, the bias keeps 1. The first layer: unit 2
# has $z = 4$ and no bias, so $R_x = x \odot W_1[2,:] \cdot \frac{4}{4} = (1 \cdot 2, 2 \cdot 1) = (2, 2)$.

# %%
def linear_eps(a, W, b, R, eps=1e-6):
    """The epsilon rule for one linear layer: relevance of the inputs a."""
    z = W @ a + b
    return a * (W.T @ (R / (z + eps * np.where(z >= 0, 1, -1))))


R_y = y
R_h = linear_eps(h, W2, b2, R_y)
R_x = linear_eps(x, W1, b1, R_h)
by_hand = pd.DataFrame({"relevance": np.concatenate([R_x, R_h, R_y])},
                       index=["x1", "x2", "h1", "h2", "y"])
by_hand

# %% [markdown]
# The library runs the same rule as a modified backward pass, one `torch.autograd.Function`
# per rule, so a whole batch is explained in one pass:

# %%
net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)).double()
with torch.no_grad():
    net[0].weight.copy_(torch.tensor(W1)); net[0].bias.copy_(torch.tensor(b1))
    net[2].weight.copy_(torch.tensor(W2)); net[2].bias.copy_(torch.tensor(b2))
library = lrp.feedforward(net, torch.tensor(x[None]), rules="epsilon").input.numpy()[0]
assert np.allclose(library, R_x, atol=1e-5)
pd.DataFrame({"by hand": R_x, "library": library}, index=["x1", "x2"])

# %% [markdown]
# :::{exercise} LRP by hand
# :label: primer-by-hand
#
# Take the same network and input $x = (2, 1)$.
#
# 1. Compute the hidden pre-activations $z$, the hidden units $h$ and the output $y$.
# 2. Starting from $R_y = y$, pass the relevance back with the ε-rule ($\varepsilon \to 0$):
#    first to $h_1, h_2$, then to $x_1, x_2$.
# 3. The input relevances do not add up to $y$. Account for the difference.
#
# Check your numbers with `linear_eps` above, or with `lrp.feedforward`.
# :::
#
# :::{solution} primer-by-hand
# :class: dropdown
#
# 1. $z = W_1 x + b_1 = (2 - 1 + 0.5,\; 4 + 1) = (1.5, 5)$; both units are on, so
#    $h = (1.5, 5)$ and $y = 0.5 \cdot 1.5 + 1 \cdot 5 + 1 = 6.75$.
# 2. The output layer shares $R_y = 6.75$ in proportion to the contributions $0.75$, $5$ and
#    the bias $1$ (which sum to $z = 6.75$): $R_h = (0.75, 5)$, and the bias keeps $1$.
#    Unit 1 has contributions $x_1 w_{11} = 2$, $x_2 w_{12} = -1$ and bias $0.5$ (sum $1.5$),
#    so it passes $\frac{2}{1.5} 0.75 = 1$ to $x_1$ and $\frac{-1}{1.5} 0.75 = -0.5$ to $x_2$,
#    and its bias keeps $0.25$. Unit 2 has contributions $4$ and $1$ and no bias, so it passes
#    $4$ and $1$. In all, $R_x = (1 + 4,\; -0.5 + 1) = (5, 0.5)$.
# 3. $5 + 0.5 = 5.5 = 6.75 - 1 - 0.25$: the two biases absorbed $1.25$. Note the negative
#    share $x_2$ received through unit 1, where it worked against the unit's activation.
#
# ```python
# x2 = np.array([2.0, 1.0])
# h2 = np.maximum(W1 @ x2 + b1, 0)
# linear_eps(x2, W1, b1, linear_eps(h2, W2, b2, W2 @ h2 + b2))  # array([5. , 0.5])
# ```
# :::

# %% [markdown]
# ### LRP-0 is gradient × input — until it is not
#
# For a ReLU network without biases, LRP-0 gives exactly $x \odot \partial y / \partial x$:
# each ReLU is locally linear, and for a linear function $x^\top \nabla y = y$ (Euler). The
# rules become interesting where a network is *not* piecewise linear — layer normalisation,
# softmax, and products of two activations, all of which a transformer has.

# %%
plain = net.double()
with torch.no_grad():
    plain[0].bias.zero_(); plain[2].bias.zero_()
xt = torch.tensor(x[None], requires_grad=True)
grad_x_input = (xt * torch.autograd.grad(plain(xt).sum(), xt)[0]).detach().numpy()[0]
lrp0 = lrp.feedforward(plain, torch.tensor(x[None]), rules="epsilon").input.numpy()[0]
pd.DataFrame({"gradient x input": grad_x_input, "LRP (epsilon, no bias)": lrp0},
             index=["x1", "x2"])

# %% [markdown]
# ### Keeping only positive evidence: the $z^+$ and $\alpha_1\beta_0$ rules
#
# The $z^+$ rule uses only positive contributions $(x_j w_{kj})^+$ in numerator and
# denominator. Chefer et al. use its $\alpha=1, \beta=0$ form for signed inputs: positive
# contributions are $x_j^+ w_{kj}^+$ and $x_j^- w_{kj}^-$, shared with **one** denominator
# $z_k^+ = (W^+ x^+ + W^- x^-)_k$, so the layer stays conservative. Their code also contains a
# second ("baseline") variant in which each sign is divided by its own sum: each sign then
# passes on the full $R_k$, and the total doubles at every linear layer. The next section
# shows what that does in a transformer.

# %% [markdown]
# :::{exercise} Where conservation holds and where it breaks
# :label: primer-conservation
#
# 1. Show that the ε-rule with $\varepsilon \to 0$ is {term}`conservative` for a linear layer
#    without bias: $\sum_j R_j = \sum_k R_k$.
# 2. With biases, write $\sum_j R_j$ in terms of the $R_k$, $b_k$ and $z_k$, and use it to
#    explain the missing relevance of the exercise above.
# 3. In the baseline variant of $\alpha_1\beta_0$, what total does one linear layer pass on
#    for an output $k$ whose positive contributions include both kinds, $x_j^+ w_{kj}^+$ and
#    $x_j^- w_{kj}^-$? What is the largest total after $L$ such layers, starting from 1?
# :::
#
# :::{solution} primer-conservation
# :class: dropdown
#
# 1. $\sum_j R_j = \sum_k \frac{\sum_j x_j w_{kj}}{z_k} R_k = \sum_k R_k$, because without a
#    bias $z_k = \sum_j x_j w_{kj}$. With $\varepsilon > 0$ each term shrinks by
#    $z_k / (z_k + \varepsilon\,\mathrm{sign}(z_k))$, slightly less than 1: the ε-rule is
#    conservative only in the limit.
# 2. $\sum_j R_j = \sum_k \left(1 - \frac{b_k}{z_k}\right) R_k$: each output loses the bias's
#    share $b_k R_k / z_k$. In the exercise above that is $\frac{1}{6.75} 6.75 = 1$ at the
#    output and $\frac{0.5}{1.5} 0.75 = 0.25$ at hidden unit 1.
# 3. Each group is divided by its own sum, so each passes on all of $R_k$: the layer passes on
#    $2 R_k$ (only $R_k$ when one of the groups is empty). After $L$ layers the total is at most
#    $2^L$. In a transformer, other rules (residual renormalisation, the halving at products)
#    act between the linear layers, so the totals the next section prints need not be powers
#    of 2, and nothing makes them 1.
# :::

# %% [markdown]
# ## Inside a transformer
#
# A BERT layer adds three things a ReLU network does not have:
#
# - **attention**, $A = \mathrm{softmax}(QK^\top/\sqrt{d})$ and $O = AV$: the output is a
#   *product* of two functions of the input;
# - **layer normalisation**, $(x - \mu)/\sigma$, where $\sigma$ depends on the input;
# - **residual connections**, where relevance must be split between the skip path and the block.
#
# | op | Chefer et al. (`lrp`, `lrp_last`, `full_lrp`) | AttnLRP (`attnlrp`) |
# |---|---|---|
# | linear | $\alpha_1\beta_0$, one denominator | {term}`gradient × input` (bias absorbs) |
# | softmax | passes relevance unchanged | its true Jacobian |
# | $QK^\top$, $AV$ | z-rule, each factor gets half | gradient, halved for each factor |
# | LayerNorm | passes relevance unchanged | $\sigma$ treated as a constant |
# | GELU | passes relevance unchanged | $\times f(x)/x$ |
# | residual add | z-rule, renormalised to conserve | gradient |
# | starts from | one-hot of the class (total 1) | the logit $y_c$ |
#
# Chefer's rules are built to conserve relevance exactly; AttnLRP lets biases and the softmax
# absorb part of it but follows the function more faithfully. Conservation is easy to watch:
# sum the relevance at the input of every layer of a small random {term}`DNABERT` (four layers, in
# float64, for one sequence). Its weights are drawn with standard deviation 0.2 instead of
# BERT's 0.02, so that, as in a trained model, the attention and feed-forward blocks add as
# much to the residual stream as they pass through.

# %% tags=["hide-input"]
# the small random DNABERT in float64, and one sequence
torch.manual_seed(seed)
bert = models.dnabert("tiny", k=3, num_hidden_layers=4, initializer_range=0.2).double().eval()
tok = dnabert_tokenizer(3)
batch = tokenize(tok, ["ACGTTGCAACGGATCCTAGCTAGGCTTACCGATCGA"])
inputs = models.model_inputs(bert, batch)

# %%
totals = {}
for rules in ["chefer", "chefer_baseline", "attnlrp"]:
    record = {}
    out = lrp.propagate(bert, inputs, rules=rules, read_at="encoder", record=record)
    sums = [r.sum().item() for r in record["blocks"]]
    totals[rules] = {"input": out.input.sum().item(),
                     **{f"layer {i} in": s for i, s in enumerate(sums[:-1])},
                     "encoder out": sums[-1]}
totals = pd.DataFrame(totals)
totals.loc["explained output"] = [1.0, 1.0, out.logits[0, out.target[0]].item()]
totals

# %%
plots.relevance_totals(totals.drop("explained output") / totals.loc["explained output"]);

# %% tags=["hide-input"]
ratio = totals.loc["input"] / totals.loc["explained output"]
# the baseline rules' totals from the encoder's output back to the input: sign changes, range
path = totals["chefer_baseline"].drop("explained output").iloc[::-1].to_numpy()
signs = np.sign(path[path != 0])
flips = int((signs[1:] != signs[:-1]).sum())
display(Markdown(
    f"At the input, the conservative rules hold {ratio['chefer']:.4g} times the explained output, "
    f"the baseline rules {ratio['chefer_baseline']:.4g} times, AttnLRP {ratio['attnlrp']:.3g} times. "
    f"From the encoder's output back to the input, the baseline rules' total ranges from "
    f"{book.number()(path.min())} to {book.number()(path.max())} and "
    + (f"changes sign {flips} time{'s' * (flips != 1)}." if flips else
       f"keeps its sign ({'positive' if len(signs) and signs[0] > 0 else 'not positive'} "
       "throughout).")))

# %% [markdown]
# With Chefer's conservative rules the total is 1 at every layer boundary. The baseline rule
# set, which Chefer's code uses for `lrp_last`, `full_lrp` and {term}`attention GradCAM`, does not keep
# the total: it can grow at every linear layer and can change sign along the way (the sentence
# above says what it does in this model); its
# scores are still usable as a *ranking* (the {term}`mutagenesis` chapter only ranks), but their sizes
# mean nothing. AttnLRP
# starts from the logit, and its input total need not equal it: biases and the softmaxes take
# or give relevance along the way, so the total can end above or below the logit (the
# sentence above says which, for this model).
#
# That difference is not a bug. With every bias zeroed, the relevance AttnLRP reads at the
# input plus what the softmaxes absorbed (a negative amount when they gave relevance) equals
# the logit exactly:

# %% tags=["hide-input"]
# the same kind of model, every bias (and the position and token type embeddings) zeroed
unbiased = models.dnabert("tiny", k=3, num_hidden_layers=4, initializer_range=0.2).double().eval()
with torch.no_grad():
    for name, p in unbiased.named_parameters():
        if name.endswith("bias") or "position_embeddings" in name or "token_type" in name:
            p.zero_()

# %%
record = {}
out = lrp.propagate(unbiased, models.model_inputs(unbiased, batch), rules="attnlrp", record=record)
absorbed = sum(a.sum().item() - s.sum().item() for a, s in zip(record["probs"], record["scores"]))
check = pd.Series({"input": out.input.sum().item(), "absorbed by softmaxes": absorbed,
                   "sum": out.input.sum().item() + absorbed,
                   "logit": out.logits[0, out.target[0]].item()})
assert np.isclose(check["sum"], check["logit"], rtol=1e-6)
check.to_frame("AttnLRP, no biases")

# %% [markdown]
# ## Pruned LRP
#
# {term}`Pruned LRP` {cite}`yanez2024plrp` makes relevance sparser at every linear layer: per
# sample, the smallest positive relevances whose sum is at most a fraction $p$ of the positive
# total are set to zero and the rest rescaled so the total is unchanged; the same for
# negatives. On a
# small vector with $p = 0.5$:

# %%
r = torch.tensor([[0.1, 0.2, 0.3, 0.4, -0.05, -0.15, 0.0]])
pd.DataFrame({"relevance": r[0].numpy(), "pruned, p = 0.5": lrp.prune_relevance(r, 0.5)[0].numpy()})

# %% [markdown]
# The positive entries 0.1 and 0.2 sum to 0.3, at most half of the positive total 1.0, so they
# go; 0.3 and 0.4 are scaled by $1.0/0.7$. Of the negatives, −0.05 is at most half of −0.2 and
# goes; −0.15 becomes −0.2. The chapter on pruned LRP measures what this {term}`sparsity` costs in
# {term}`faithfulness`.
