"""Training throughput per stage: the real training loop (training.loop.train) on the real preset.

    python -m benchmarks.training                     # CPU, and CUDA too when torch sees one
    python -m benchmarks.training --steps 25 --preset fashion-mnist

How: the preset's model sizes and batch size, cut to 2 x `--steps` autoencoder steps then 2 x `--steps`
GAN steps, trained into a temporary run folder (deleted afterwards; nothing goes to runs/ or checkpoints/)
with stats.jsonl written every `--steps` steps. That file's own images/s of the second window of each
stage is the figure: the first window of a stage pays for start-up (first batches, the stage switch, the
progress grid written at the switch), the second is steady. The projection multiplies out the preset's
full schedule. When the preset's dataset is not on this machine (a bare GPU box), the same number of
synthetic stroke images stands in: throughput does not depend on what the pictures show.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from .report import Row, Section, device_title, devices_for, render_section

HOUR_S = 3600.0  # DESIGN.md: a shipped model trains from scratch on 2 CPU cores within an hour
STAGES = {"ae": "autoencoder stage (E + G: reconstruction, KL, class)",
          "gan": "GAN stage (update D, then G + E)"}


def training_data(name: str, size: int = 60_000):
    """(the preset's train split, a note), or as many synthetic strokes under its name when it is missing."""
    from aegan.data import Dataset, load_dataset
    from aegan.errors import InputError

    try:
        return load_dataset(name, "train"), ""
    except (InputError, OSError) as error:
        strokes = load_dataset("synthetic", "train")
        repeat = -(-size // len(strokes))
        images = np.tile(strokes.images, (repeat, 1, 1))[:size]
        labels = np.tile(strokes.labels, repeat)[:size]
        note = f"{name} is not on this machine ({error}); {size:,} synthetic strokes stand in"
        return Dataset(name, "train", images, labels, f"synthetic stand-in for {name}"), note


def measure(cfg, steps: int, data) -> dict[str, float]:
    """Images/s of the steady window of each stage, from a short real run of `cfg` in a temporary folder."""
    from training import loop

    short = replace(cfg, ae_steps=2 * steps, gan_steps=2 * steps, log_every=steps, checkpoint_seconds=1e9,
                    export_name=None, init_from=None)
    with tempfile.TemporaryDirectory(prefix="aegan-bench-") as tmp:
        loop.train(short, Path(tmp), progress=False, data=data)  # the split loaded once (or the stand-in)
        records = [json.loads(line) for line in (Path(tmp) / "stats.jsonl").read_text().splitlines()]
    if [r["stage"] for r in records] != ["ae", "ae", "gan", "gan"]:
        raise RuntimeError(f"unexpected stats.jsonl windows: {records}")
    return {"ae": float(records[1]["images_per_second"]), "gan": float(records[3]["images_per_second"])}


def run(devices: list[str], steps: int, preset_name: str = "fashion-mnist") -> list[Section]:
    from training.config import preset

    full = preset(preset_name)
    data, data_note = training_data(full.dataset)
    batch = full.batch_size
    sections = []
    for device in devices:
        try:
            speed = measure(replace(full, device=device), steps, data)
        except Exception as error:  # one device failing must not lose the other's figures
            failed = Row("(training)", "failed", ok=False, note=f"{type(error).__name__}: {error}"[:300])
            sections.append(Section(f"Training throughput: {device_title(device)}", [failed]))
            continue
        rows = [Row(f"{what}, batch {batch}", f"{speed[stage]:,.0f} images/s",
                    note=f"{speed[stage] / batch:.2f} steps/s") for stage, what in STAGES.items()]
        total_s = batch * (full.ae_steps / speed["ae"] + full.gan_steps / speed["gan"])
        on_cpu = device == "cpu"
        rows.append(Row(f"projected full `{preset_name}` preset ({full.ae_steps:,} AE + {full.gan_steps:,} GAN steps)",
                        f"{total_s / 60:.0f} min", "< 60 min on the CPU" if on_cpu else "",
                        total_s < HOUR_S if on_cpu else None, "steps x batch / images/s, without evaluation"))
        source = data_note or data.source
        sections.append(Section(f"Training throughput: {device_title(device)}", rows,
                                f"`training.loop.train` with the `{preset_name}` preset's models and batch size, "
                                f"{4 * steps} steps into a temporary folder; the figure is each stage's steady "
                                f"window of {steps} steps. Data: {source}."))
    return sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--steps", type=int, default=20, help="steps per timed window (4 windows in all)")
    parser.add_argument("--preset", default="fashion-mnist", choices=["fashion-mnist", "mnist"])
    args = parser.parse_args(argv)
    for section in run(devices_for(args.device), args.steps, args.preset):
        print(render_section(section), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
