"""Training settings: their defaults and the checks of their values.

A module of its own that imports nothing from the package, so that `params` (which checks a
chapter's ``train`` parameter) and `training` (which uses the settings) both read it without
importing each other, and so editing either leaves the other's code digest alone.
"""

# Settings of the paper's DNABERT fine-tuning; profiles override what they need.
DEFAULTS = dict(
    source="mini",
    epochs=5,
    batch_size=48,
    learning_rate=2e-4,
    weight_decay=0.01,
    warmup=0.1,
    max_length=512,
    max_train=0,
    precision="auto",
    accumulation=1,
    finetune=True,
    k=None,
    num_labels=None,
)
# auto: fp16 on CUDA, fp32 elsewhere; fast: fp16 on CUDA, bf16 on CPUs that run it natively,
# fp32 on other CPUs (`resolve_precision`)
PRECISIONS = ("auto", "fast", "fp32", "bf16", "fp16")


def resolve_precision(precision, device):
    """The autocast precision a setting stands for on a device.

    Parameters
    ----------
    precision : {"auto", "fast", "fp32", "bf16", "fp16"}
        ``auto``: fp16 on CUDA, fp32 elsewhere. ``fast``: fp16 on CUDA; on a CPU, bf16 where
        oneDNN runs bfloat16 natively (AVX512 or AMX) and fp32 elsewhere, since bf16 autocast
        emulated on AVX2 runs slower than fp32. Any other value stands for itself.
    device : torch.device or str

    Returns
    -------
    {"fp32", "bf16", "fp16"}
    """
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    kind = torch.device(device).type
    if precision == "auto":
        return "fp16" if kind == "cuda" else "fp32"
    if precision == "fast":
        if kind == "cuda":
            return "fp16"
        return "bf16" if kind == "cpu" and _native_bf16() else "fp32"
    return precision


def _native_bf16():
    """Whether this CPU runs bfloat16 natively (oneDNN's own check)."""
    import torch

    try:
        return bool(
            torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        )
    except (AttributeError, RuntimeError):  # a private API: absent means no
        return False


def check_settings(settings, where="train"):
    """Values of training settings (names and types are checked by `params`).

    Raises
    ------
    ValueError
        Naming the setting, the value and what it must be.
    """
    # finetune: false explains a checkpoint as it is, so its epochs are never read
    least_epochs = 0 if settings.get("finetune") is False else 1
    rules = {
        "epochs": (least_epochs, "1 or more (finetune: false explains a checkpoint as it is)"),
        "batch_size": (1, "1 or more"),
        "max_train": (0, "0 or more (0 = all)"),
        "accumulation": (1, "1 or more"),
        "max_length": (3, "3 or more tokens"),
        "num_labels": (2, "2 or more"),
    }
    for name, (least, what) in rules.items():
        value = settings.get(name)
        if value is not None and value < least:
            raise ValueError(f"{where}.{name} must be {what}, got {value}")
    for name in ("learning_rate", "weight_decay"):
        if settings.get(name, 0) < 0:
            raise ValueError(f"{where}.{name} must be 0 or more, got {settings[name]}")
    if not 0 <= settings.get("warmup", 0) <= 1:
        raise ValueError(
            f"{where}.warmup is a fraction of the steps in [0, 1], got {settings['warmup']}"
        )
    if settings.get("k") is not None and settings["k"] not in (3, 4, 5, 6):
        raise ValueError(f"{where}.k is DNABERT's k-mer length: 3, 4, 5 or 6, got {settings['k']}")
    if settings.get("precision", "auto") not in PRECISIONS:
        raise ValueError(
            f"{where}.precision must be one of {', '.join(PRECISIONS)}, "
            f"got {settings['precision']!r}"
        )
    if "batch_size" in settings and settings["batch_size"] % settings.get("accumulation", 1):
        raise ValueError(
            f"{where}: batch_size {settings['batch_size']} must be a multiple of "
            f"accumulation {settings['accumulation']}"
        )
