"""Model cards: README.md of a checkpoint folder, rendered from training.json and metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

from .film import film_summary


def _read(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


# The Hub's ids of the datasets the checkpoints learn from: the card's `datasets` links the model to them.
HUB_DATASETS = {"fashion-mnist": "zalando-datasets/fashion_mnist", "mnist": "ylecun/mnist"}


def front_matter(dataset: str, pipeline_tag: str, tags: list[str]) -> list[str]:
    """The card's YAML block, as lines: what the Hub reads to file the model (task, data, licence, search
    tags). The mixin's own tags stay, since these folders load through PyTorchModelHubMixin."""
    tags = ["aegan", *tags, *([dataset] if dataset else []), "model_hub_mixin", "pytorch_model_hub_mixin"]
    lines = ["---", "library_name: aegan", "license: mit", f"pipeline_tag: {pipeline_tag}"]
    if dataset in HUB_DATASETS:
        lines += ["datasets:", f"- {HUB_DATASETS[dataset]}"]
    return [*lines, f"tags: [{', '.join(dict.fromkeys(tags))}]", "---"]


def classifier_front_matter(dataset: str) -> str:
    """The YAML block of an evaluation classifier's card (training/classifier.py writes the rest)."""
    return "\n".join(front_matter(dataset, "image-classification", ["classifier", "evaluation"])) + "\n"


def replace_front_matter(card: str, lines: list[str]) -> str:
    """`card` (a README's text) with its YAML block, if any, replaced by `lines`."""
    if card.startswith("---\n") and "\n---\n" in card[4:]:
        card = card[4:].split("\n---\n", 1)[1]
    return "\n".join(lines) + "\n" + card


# The seed's other families (aegan/families.py): what the card says each one is, and its search tags.
FAMILY_INTROS = {
    "ae": ("An autoencoder for 28x28 {dataset} images: a deterministic encoder and a decoder trained on reconstruction "
           "alone, unconditional. It is one of the seed's families, trained with the same data, sizes and batch as "
           "the AE-GAN for the Compare tab; encoder and decoder are in `model.safetensors`.", ["autoencoder"]),
    "vae": ("A variational autoencoder for 28x28 {dataset} images: a Gaussian encoder and a decoder trained on "
            "reconstruction + KL, unconditional. It is one of the seed's families, trained with the same data, sizes "
            "and batch as the AE-GAN for the Compare tab; encoder and decoder are in `model.safetensors`.", ["vae"]),
    "gan": ("An unconditional GAN for 28x28 {dataset} images: a generator and a discriminator and no encoder, so it "
            "cannot read an image (no reconstruction, repair or style). It is one of the seed's families, trained "
            "with the same data, sizes and batch as the AE-GAN for the Compare tab; generator and discriminator are "
            "in `model.safetensors`.", ["gan"]),
}


def write_model_card(folder: Path) -> Path:
    folder = Path(folder)
    config, training, metrics = (_read(folder / f) for f in ("config.json", "training.json", "metrics.json"))
    name = folder.name
    minutes = training.get("training_seconds", 0) / 60
    text = config.get("condition") == "text"
    family = config.get("family", "aegan")
    if family in FAMILY_INTROS:
        intro, tags = FAMILY_INTROS[family]
        intro = intro.format(dataset=config.get("dataset", "?"))
        tags = [*tags, "image-generation"]
    else:
        intro = ("An AE-GAN (variational autoencoder + conditional GAN) for 28x28 "
                 f"{config.get('dataset', '?')} images, "
                 f"conditioned on a {config.get('condition', 'class')}. Encoder, generator and discriminator are in "
                 "`model.safetensors`; `config.json` holds every architecture number.")
        tags = ["gan", "vae", "conditional-gan", "image-generation", *(["text-to-image"] if text else [])]
    stages = {"ae": f"{training.get('autoencoder_steps', '?')} autoencoder steps (reconstruction only).",
              "vae": f"{training.get('autoencoder_steps', '?')} VAE steps (reconstruction + KL).",
              "gan": f"{training.get('gan_steps', '?')} GAN steps (no autoencoder stage: there is no encoder)."}.get(
        family, f"{training.get('autoencoder_steps', '?')} autoencoder steps, then {training.get('gan_steps', '?')} "
                "GAN steps.")
    if family == "gan":
        scale = (f"- Sampling draws z ~ N(0, I) times {config.get('z_scale', 1.0)}, the prior G was trained on (no "
                 "encoder to calibrate a scale with).")
    else:
        wider = (training.get("options") or {}).get("z_wider", 1.0)
        scale = (f"- Sampling draws z ~ N(0, I) times {config.get('z_scale', 1.0)}: "
                 f"{f'{wider:g} times ' if wider != 1.0 else ''}the scale at which generated images "
                 f"spread{', class by class,' if family == 'aegan' else ''} as widely as real training images in the "
                 "encoder's code space, calibrated at export on training images (`training/calibrate.py`"
                 f"{'; wider trades a little precision for recall' if wider > 1.0 else ''}).")
    # A warm-started model also saw what its starting model saw, which training.json's counts do not include.
    start = (training.get("options") or {}).get("init_from")
    warm_start = [f"- Warm-started from `{start}` (its own card says what that model saw); the counts above are "
                  "this run's steps alone."] if start else []
    # A family's run folder is named after its preset (00003-fashion-mnist-vae): the one command that trains it again.
    run = str(training.get("run", ""))
    preset = run.split("-", 1)[1] if family in FAMILY_INTROS and "-" in run else ""
    lines = [
        *front_matter(config.get("dataset", ""), "text-to-image" if text else "unconditional-image-generation", tags),
        f"# {name}",
        "",
        intro,
        "",
        "```python",
        "from aegan.models import load_model",
        f'model = load_model("checkpoints/{name}")  # or a Hub repo id',
        "```",
        "",
        "## Data seen",
        f"- {training.get('data', 'unknown')}",
        f"- {training.get('images_seen', 0):,} images drawn in {training.get('steps', 0):,} steps of "
        f"{training.get('batch_size', '?')} ({training.get('epochs', '?')} epochs): {stages}",
        *warm_start,
        "- No test image was used for training.",
        "",
        "## Training",
        f"- {minutes:.1f} minutes of training on {training.get('device', '?')} (run `{training.get('run', '?')}`).",
        "- Reproduce: " + (f"`python -m training train --preset {preset}` (see the README)." if preset
                           else "see the README (`python -m training train --preset ...`)."),
        scale,
        "",
        "## Metrics",
    ]
    if metrics:
        lines += [f"Measured by `{metrics.get('command', 'python -m aegan evaluate')}` on {metrics.get('machine', 'this machine')}. "
                  "The 'real images' column is the same measurement on held-out real test images: the ceiling.", "",
                  "| metric | model | real images |", "| --- | --- | --- |"]
        for row in metrics.get("rows", []):
            lines.append(f"| {row['metric']} | {row['model']} | {row.get('real', '')} |")
        for note in metrics.get("notes", []):
            lines += ["", note]
    else:
        lines.append("Not measured yet: run `python -m aegan evaluate`.")
    if (folder / "samples.png").exists():
        what = "One row per class, fixed noise:" if config.get("condition", "class") != "none" else \
            "Fixed noise (an unconditional model: the rows are not classes):"
        lines += ["", "## Samples", what, "", "![samples](samples.png)"]
    if film := film_summary(folder):
        lines += ["", "## Training film", film]
    path = folder / "README.md"
    path.write_text("\n".join(lines) + "\n")
    return path
