"""The passes methods share: one batch's model inputs and masks (`Batch`), and its forward and
backward passes, each run once on first use and kept while a method still needs it
(`SharedPasses`)."""

from collections import namedtuple

import torch

from ..lrp import CHEFER_RULES, attention_maps, propagate
from ..models import model_inputs, sequence_lengths

# one batch: model keyword arguments; masks (m, t) of positions that are not padding (valid)
# and of tokens with a nucleotide span, i.e. neither padding nor [CLS] / [SEP] (real); the
# vocabulary (list of str or None). For the CNN both masks are its non-zero columns.
Batch = namedtuple("Batch", "inputs valid real vocab")


class SharedPasses:
    """The passes that the methods of one batch share, each run on first use and kept: the
    plain forward's attention maps, the LRP pass of each rule set and the gradient pass to
    the attention maps of each target (a None target is also kept under the class it
    resolved to, so that a later call naming that class reuses it).

    When the methods (kinds of `registry.Variant.passes` in `needs`) want the attention gradients and a Chefer LRP
    pass at the encoder, that pass's forward also serves the gradients and the attention maps
    (`propagate` with ``grads``): one forward where there would be three.
    """

    def __init__(self, model, batch, needs=()):
        self.model, self.batch, self._done = model, batch, {}
        chefer = sorted(
            (
                k
                for k in needs
                if k[0] == "propagate" and k[1] in CHEFER_RULES and k[3] == "encoder"
            ),
            key=str,
        )
        self._via = chefer[0] if chefer and ("attention_maps",) in needs else None

    def _get(self, key, compute, resolved=None):
        if key not in self._done:
            value = compute()
            self._done[key] = value
            if resolved is not None:
                self._done[resolved(value)] = value
        return self._done[key]

    def keep(self, kinds):
        """Drop the passes of kinds (`pass_kind`) no longer needed."""
        if self._via and kinds & {("attentions",), ("attention_maps",)}:
            kinds = kinds | {self._via}
        self._done = {key: value for key, value in self._done.items() if pass_kind(key) in kinds}

    def attentions(self, target=None):
        """Attention probabilities of a plain forward, one (m, heads, t, t) per layer."""
        if self._via:
            return self.propagate(target, *self._via[1:]).probs

        def compute():
            with torch.no_grad():
                return self.model(**self.batch.inputs, output_attentions=True).attentions

        return self._get(("attentions",), compute)

    def propagate(self, target, rules, p, read_at):
        """`lrp.propagate` of the batch (with the attention gradients where they are served)."""
        grads = self._via == ("propagate", rules, p, read_at)

        def compute():
            return propagate(
                self.model,
                self.batch.inputs,
                target,
                rules=rules,
                prune=p,
                read_at=read_at,
                grads=grads,
            )

        return self._get(
            ("propagate", target_key(target), rules, p, read_at),
            compute,
            lambda rel: ("propagate", target_key(rel.target), rules, p, read_at),
        )

    def attention_maps(self, target):
        """`lrp.attention_maps` of the batch: probabilities, gradients, logits, target."""
        if self._via:
            rel = self.propagate(target, *self._via[1:])
            return rel.probs, rel.grads, rel.logits, rel.target
        return self._get(
            ("attention_maps", target_key(target)),
            lambda: attention_maps(self.model, self.batch.inputs, target),
            lambda out: ("attention_maps", target_key(out[3])),
        )


def pass_kind(key):
    """The kind of a pass of `SharedPasses`: its key without the target."""
    return key[:1] + key[2:]


def target_key(target):
    """A hashable form of a target: None, or the tuple of its classes."""
    return None if target is None else tuple(target.tolist())


def batch_of(model, inputs, rows, cnn):
    """Model inputs of some rows and their masks; transformer batches lose spare padding."""
    kw = model_inputs(model, inputs, rows)
    if cnn:  # the mask holds each sequence's end fixed while IG scales the input to zero
        x = kw["one_hot"]
        ends = sequence_lengths(x)
        kw["attention_mask"] = torch.arange(x.shape[-1], device=x.device) < ends[:, None]
        valid = x.sum(1) != 0
        return Batch(kw, valid, valid, None)
    valid = kw["attention_mask"].bool()
    width = int(valid.sum(1).max())  # attention masks padding: dropping it changes nothing
    kw = {key: value[:, :width] for key, value in kw.items()}
    real = (inputs.spans[rows, :width, 0] >= 0).to(valid.device)
    return Batch(kw, valid[:, :width], real, inputs.vocab)
