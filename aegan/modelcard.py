"""Model cards: README.md of a checkpoint folder, rendered from training.json and metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

from .film import film_summary


def _read(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def write_model_card(folder: Path) -> Path:
    folder = Path(folder)
    config, training, metrics = (_read(folder / f) for f in ("config.json", "training.json", "metrics.json"))
    name = folder.name
    minutes = training.get("training_seconds", 0) / 60
    lines = [
        "---",
        "library_name: aegan",
        "tags: [aegan, gan, vae, conditional-gan, image-generation]",
        "license: mit",
        "---",
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
