"""The scoring methods by name: one registration per method, which `attribute`, the chapters'
parameter checks and the command line all read.

A method registers, per kind of model it runs on (``"transformer"`` and / or ``"cnn"``), a
`Variant`: the function that computes it, its options with their defaults, and the shared
passes it draws on (`passes.SharedPasses`), so that methods computed together share a
forward or backward pass.
"""

from collections.abc import Callable
from typing import NamedTuple

from ..lrp import CHEFER_RULES, CNN_RULES

PLRP_BASES = ("lrp", "lrp_last", "full_lrp", "attnlrp", "cp_lrp")
IG_BASELINES = ("pad", "mask", "zero")
CNN_IG_BASELINES = ("zero", "shuffled")
KINDS = ("transformer", "cnn")


class Variant(NamedTuple):
    """How a method runs on one kind of model.

    Attributes
    ----------
    function : callable or None
        ``function(run, batch, target, **options)`` returning scores (m, t) or (m, L), `run`
        being the batch's `passes.SharedPasses`; with ``whole`` on the `Method`,
        ``function(model, inputs, target, batch_size, verbose, **options)`` on all inputs at
        once. None for ``plrp`` on transformers, which runs its ``base`` method's function.
    options : dict
        Every option the method takes, with its default.
    passes : callable
        ``passes(options)``: the kinds of shared passes it uses (`passes.pass_kind`).
    """

    function: Callable
    options: dict
    passes: Callable = lambda options: set()


class Method(NamedTuple):
    """A registered method: its name, per model kind its `Variant` (None: it does not run on
    that kind), whether it scores nucleotides on transformers too, and whether it runs on
    all inputs at once rather than batch by batch."""

    name: str
    transformer: Variant = None
    cnn: Variant = None
    nucleotide: bool = False
    whole: bool = False


REGISTRY = {}


def register(name, transformer=None, cnn=None, nucleotide=False, whole=False):
    """Register a scoring method (replacing one of that name).

    Parameters
    ----------
    name : str
        What `attribute` and the chapters' ``methods`` parameter call it.
    transformer, cnn : Variant, optional
        How it runs on DNABERT / DNABERT-2, and on the CNN; at least one.
    nucleotide : bool
        It scores nucleotides on transformers too (the CNN's scores always are).
    whole : bool
        Its function takes all inputs at once (`Variant`).

    Returns
    -------
    Method
    """
    if transformer is None and cnn is None:
        raise ValueError(f"method {name!r} runs on no model: give transformer= or cnn=")
    REGISTRY[name] = Method(name, transformer, cnn, nucleotide, whole)
    return REGISTRY[name]


def methods_for(kind=None):
    """Names of the registered methods, in registration order: all of them, or those that run
    on one kind of model (``"transformer"``, ``"cnn"``, or a model name such as ``"dnabert"``).
    """
    if kind is None:
        return tuple(REGISTRY)
    kind = "cnn" if kind == "cnn" else "transformer"
    return tuple(name for name, m in REGISTRY.items() if getattr(m, kind) is not None)


def variant(kind, method):
    """The `Variant` of a method on a model kind; ValueError for an unknown method or one that
    kind cannot run, naming what it can."""
    if method not in REGISTRY:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(REGISTRY)}")
    found = getattr(REGISTRY[method], kind)
    if found is None:
        why = "the CNN has no attention" if kind == "cnn" else "it needs the CNN"
        raise ValueError(
            f"{method!r} does not run on a {kind} ({why}); methods for the "
            f"{kind}: {', '.join(methods_for(kind))}"
        )
    return found


def options(kind, method, given):
    """A method's options with defaults filled in and values checked.

    Raises
    ------
    ValueError
        An unknown method, one the model kind cannot run, or a bad option value.
    TypeError
        An option the method does not take.
    """
    known = dict(variant(kind, method).options)
    if method == "plrp" and kind == "transformer":
        base = given.get("base", known["base"])
        if base not in PLRP_BASES:
            raise ValueError(f"plrp base must be one of {', '.join(PLRP_BASES)}, not {base!r}")
        known.update(variant(kind, base).options)
    unknown = sorted(set(given) - set(known))
    if unknown:
        takes = ", ".join(known) or "no options"
        raise TypeError(f"{method} does not take {', '.join(unknown)} (it takes {takes})")
    known.update(given)
    rules = CNN_RULES if kind == "cnn" else CHEFER_RULES
    if "rules" in known and known["rules"] not in rules:
        raise ValueError(f"rules must be one of {', '.join(rules)}, not {known['rules']!r}")
    baselines = CNN_IG_BASELINES if kind == "cnn" else IG_BASELINES
    if "baseline" in known and known["baseline"] not in baselines:
        raise ValueError(
            f"baseline must be one of {', '.join(baselines)} on a {kind}, not {known['baseline']!r}"
        )
    if "p" in known and not 0 <= known["p"] < 1:
        raise ValueError(f"p must be in [0, 1), got {known['p']}")
    return known


def resolve(kind, method, checked):
    """What runs for a method with checked options: (function, its options, the kinds of
    shared passes it uses); ``plrp`` on transformers runs its base method with ``p``."""
    checked = dict(checked)
    if method == "plrp" and kind == "transformer":
        method = checked.pop("base")
    found = variant(kind, method)
    return found.function, checked, found.passes(checked)
