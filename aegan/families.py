"""The seed's model families side by side: what each has, what its loss is, what it can and cannot do.

    aegan  encoder E + generator G + discriminator D, conditioned on a class (or a sentence): the combined model
    ae     autoencoder: a deterministic E and a decoder G, reconstruction only
    vae    variational autoencoder: a Gaussian E and a decoder G, reconstruction + KL
    gan    unconditional GAN: G and D, no encoder

All four are `aegan.models.AEGAN` modules with `config.family` set; a family's checkpoint holds only its
parts (see AEGAN). The AE, VAE and GAN are unconditional: they are never asked for a class.

    >>> model = load_model("checkpoints/fashion-mnist-gan")
    >>> family(model), has_encoder(model)
    ('gan', False)
    >>> check_can(model, "repair")   # InputError: the GAN has no encoder: it cannot read an image, ...

What a family cannot do is refused in one sentence (`refusal`), the same for the library, the CLI and the app.
"""

from __future__ import annotations

from .config import FAMILIES
from .errors import InputError

__all__ = ["FAMILIES", "NAMES", "LOSSES", "TASKS", "family", "has_encoder", "has_discriminator", "is_conditional",
           "can", "check_can", "refusal"]

NAMES = {"aegan": "AE-GAN", "ae": "autoencoder", "vae": "VAE", "gan": "GAN"}

# Each family's training loss in the seed's terms (x an image, z = E(x) or z ~ N(0, I), G the decoder/generator,
# D the discriminator's probability that an image is real). training/loop.py computes exactly these.
LOSSES = {
    "ae": "L = ||x - G(E(x))||^2: reconstruction only. Nothing shapes where E puts the codes, so a random code "
          "z ~ N(0, I) can land where no image was ever encoded.",
    "vae": "L = ||x - G(z)||^2 + beta * KL(q(z|x) || N(0, I)) with z = mu(x) + sigma(x) * eps: reconstruction plus "
           "KL. The codes fill the prior, so random codes decode to plausible images, but the squared error "
           "rewards the average of what an image could be: blur.",
    "gan": "D: -log D(x) - log(1 - D(G(z))); G: -log D(G(z)) (non-saturating). No encoder and no reconstruction: "
           "sharp images, but no class to ask for and no way back from an image to its code.",
    "aegan": "Stage 1: the VAE's loss (plus E's class loss). Stage 2: G's GAN loss -log D(G(z, y), y) + lambda * the "
             "stage-1 loss + E must recognise the class y G was asked for; D also rejects real images paired with a "
             "wrong class. Sharp like the GAN, with an encoder like the VAE, and a class to ask for.",
}

# The tasks a front end may ask of a model -> the families that can do them.
TASKS = {
    "sample": FAMILIES,
    "sample a class": ("aegan",),  # plus a class condition: text models are refused by the pipeline's own check
    "encode": ("aegan", "ae", "vae"),
    "reconstruct": ("aegan", "ae", "vae"),
    "walk between images": ("aegan", "ae", "vae"),
    "repair": ("aegan",),
    "denoise": ("aegan",),
    "style transfer": ("aegan",),
    "analogy": ("aegan",),
    "judge": ("aegan", "gan"),
}
_NEEDS_ENCODER = {"encode", "reconstruct", "walk between images", "repair", "denoise", "style transfer", "analogy"}
NO_ENCODER = "the GAN has no encoder: it cannot read an image, so it cannot reconstruct, repair, denoise or restyle one"


def family(model) -> str:
    """'aegan', 'ae', 'vae' or 'gan' (every checkpoint from before the families is 'aegan')."""
    return getattr(model.config, "family", "aegan")


def has_encoder(model) -> bool:
    """Whether the model can read an image (every family but the GAN)."""
    return getattr(model, "encoder", None) is not None


def has_discriminator(model) -> bool:
    """Whether the model can judge an image's realness (the AE-GAN and the GAN)."""
    return getattr(model, "discriminator", None) is not None


def is_conditional(model) -> bool:
    """Whether the model draws under a condition (a class or a sentence): only AE-GAN checkpoints do."""
    return model.config.condition != "none"


def can(model_or_family, task: str) -> bool:
    """Whether a model (or a family name) can do `task` (a key of TASKS)."""
    name = model_or_family if isinstance(model_or_family, str) else family(model_or_family)
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; one of {', '.join(TASKS)}")
    return name in TASKS[task]


def refusal(family_name: str, task: str) -> str:
    """Why a family cannot do a task, in one sentence (for InputError and the app's messages)."""
    name = NAMES.get(family_name, family_name)
    if family_name == "gan" and task in _NEEDS_ENCODER:
        return NO_ENCODER
    if task == "judge":
        return f"the {name} has no discriminator: nothing in it judges whether an image looks real"
    if task == "sample a class":
        return (f"the {name} is unconditional: it draws from one prior and cannot be asked for a class "
                "(leave the label out)")
    if task in ("repair", "denoise", "style transfer", "analogy"):
        return (f"{task} needs the AE-GAN (a *-cgan checkpoint): it searches over the classes of a class-conditional "
                f"generator, and the {name} has none")
    return f"the {name} cannot {task}"


def check_can(model, task: str) -> None:
    """Raise InputError(refusal) when the model's family cannot do `task`."""
    if not can(model, task):
        raise InputError(refusal(family(model), task))
