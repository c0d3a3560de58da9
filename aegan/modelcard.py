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


def write_model_card(folder: Path) -> Path:
    folder = Path(folder)
    config, training, metrics = (_read(folder / f) for f in ("config.json", "training.json", "metrics.json"))
    name = folder.name
    minutes = training.get("training_seconds", 0) / 60
    text = config.get("condition") == "text"
    lines = [
        *front_matter(config.get("dataset", ""), "text-to-image" if text else "unconditional-image-generation",
                      ["gan", "vae", "conditional-gan", "image-generation", *(["text-to-image"] if text else [])]),
        f"# {name}",
        "",
        f"An AE-GAN (variational autoencoder + conditional GAN) for 28x28 {config.get('dataset', '?')} images, "
        f"conditioned on a {config.get('condition', 'class')}. Encoder, generator and discriminator are in "
        "`model.safetensors`; `config.json` holds every architecture number.",
        "",
        "```python",
        "from aegan.models import load_model",
        f'model = load_model("checkpoints/{name}")  # or a Hub repo id',
        "```",
        "",
        "## Data seen",
        f"- {training.get('data', 'unknown')}",
        f"- {training.get('images_seen', 0):,} images drawn in {training.get('steps', 0):,} steps of "
        f"{training.get('batch_size', '?')} ({training.get('epochs', '?')} epochs): "
        f"{training.get('autoencoder_steps', '?')} autoencoder steps, then {training.get('gan_steps', '?')} GAN steps.",
        "- No test image was used for training.",
        "",
        "## Training",
        f"- {minutes:.1f} minutes of training on {training.get('device', '?')} (run `{training.get('run', '?')}`).",
        "- Reproduce: see the README (`python -m training train --preset ...`).",
        f"- Sampling draws z ~ N(0, I) times {config.get('z_scale', 1.0)}: the scale at which generated images "
        "spread, class by class, as widely as real training images in the encoder's code space, calibrated at "
        "export on training images (`training/calibrate.py`).",
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
        lines += ["", "## Samples", "One row per class, fixed noise:", "", "![samples](samples.png)"]
    if film := film_summary(folder):
        lines += ["", "## Training film", film]
    path = folder / "README.md"
    path.write_text("\n".join(lines) + "\n")
    return path
