"""Training on your own images: a folder with one subfolder per class (`python -m training train --data FOLDER`),
or the images a visitor uploads in the app (its "Your images" tab, through training/live.py's runner).

A small set (up to SMALL_SET images) fine-tunes the shipped class model of a dataset by default: a warm start
(training/loop.py `warm_start`) keeps every weight but the class-specific ones, and those start from what the
shipped encoder reads in each of your classes, so a class of shoes starts from the sneakers. A short recipe
(FINE_TUNE) then adapts it. A large set trains from scratch with the preset's recipe. `own_config` makes that
choice and says it in a sentence.

    data = load_folder("my-images").data            # aegan.data: converted as the app converts uploads
    cfg, said = own_config(data, preset="fashion-mnist")
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from aegan.config import ModelConfig
from aegan.data import Dataset, check_own_images, load_dataset, load_folder, local_checkpoints
from aegan.errors import CheckpointError, InputError, shown

from .config import PRESETS, TrainConfig

SMALL_SET = 5000  # up to this many images, the default is to fine-tune the shipped model of the preset's dataset
# The fine-tuning recipe: a short autoencoder stage (E and G meet the new classes), then the GAN stage. Lower
# learning rates than from scratch (the weights are already good), and a short EMA so the model follows them.
FINE_TUNE = dict(ae_steps=100, gan_steps=250, batch_size=32, ae_lr=3e-4, gan_lr=2e-4, ema_decay=0.98, log_every=10)
FINE_TUNE_TINY = dict(FINE_TUNE, ae_steps=3, gan_steps=3, batch_size=8, log_every=1)  # $AEGAN_LIVE=tiny: tests
FILM_FRAMES = 60  # the app's fine-tune streams its grid: a frame every few steps
MAX_STEPS = 2000  # a fine-tune in the app never asks for more (training/live.py's runner holds it to its time)
IMAGES_FILE = "images.npz"  # the app's images: images uint8 [N, 28, 28], labels int64 [N], class_names str [K]


def fine_tune_recipe(size: str) -> dict:
    """The fine-tuning recipe of a live run's size (training/live.py's scale(): "tiny" in tests, else "small")."""
    return FINE_TUNE_TINY if size == "tiny" else FINE_TUNE


def training_data(cfg: TrainConfig) -> Dataset:
    """The training images of a run: its folder of your own images, else its dataset's train split."""
    if cfg.data_folder:
        return load_folder(cfg.data_folder).data
    return load_dataset(cfg.dataset, "train")


def base_checkpoint(preset: str) -> Path:
    """The shipped class model of a preset's dataset: <checkpoints>/<its export name> (e.g. fashion-mnist-cgan)."""
    values = PRESETS[preset]
    model = values.get("model") or ModelConfig()
    if model.condition != "class" or not values.get("export_name"):
        raise InputError(f"--preset {preset} trains a text model; your own images train a class model: choose "
                         f"a class preset ({', '.join(name for name in PRESETS if _is_class_preset(name))})")
    return local_checkpoints() / values["export_name"]


def _is_class_preset(name: str) -> bool:
    return (PRESETS[name].get("model") or ModelConfig()).condition == "class"


def base_model_config(checkpoint: str | Path) -> ModelConfig:
    """The architecture of the checkpoint fine-tuned (its config.json), which must be a class model."""
    config_file = Path(checkpoint) / "config.json"
    try:
        values = json.loads(config_file.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{config_file}: file is missing (give --init-from a class model's folder, or "
                              "--init-from none to train from scratch)") from None
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{config_file}: not readable ({type(error).__name__})") from None
    known = {f.name for f in fields(ModelConfig)}
    try:
        config = ModelConfig(**{k: v for k, v in values.items() if k in known})
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{config_file}: invalid model config ({error})") from None
    if config.condition != "class" or getattr(config, "family", "aegan") != "aegan":
        raise InputError(f"{checkpoint} is not a class-conditional AE-GAN; fine-tuning on your images starts from "
                         "one (a *-cgan folder)")
    return config


def own_config(data: Dataset, *, preset: str = "fashion-mnist", init_from: str | Path | None = "auto",
               data_folder: str | Path | None = None, recipe: dict | None = None,
               **overrides) -> tuple[TrainConfig, str]:
    """The TrainConfig for your images `data` and a sentence saying what it does.

    init_from: "auto" (fine-tune the preset's shipped model when the set is small, else train from scratch),
    a checkpoint folder to fine-tune, or None/"none" (from scratch with the preset's model and recipe).
    recipe: the fine-tuning steps and rates (default FINE_TUNE); overrides (not None) win over both recipes.
    """
    check_own_images(data.labels, data.class_names, data.name)
    if init_from == "auto":
        init_from = base_checkpoint(preset) if len(data) <= SMALL_SET else None
    if init_from in (None, "none"):
        values = PRESETS[preset]
        if not _is_class_preset(preset):
            base_checkpoint(preset)  # says why
        model = values.get("model") or ModelConfig()
        chosen = {k: v for k, v in values.items() if k not in ("dataset", "model", "export_name", "init_from")}
        init_from, how = None, f"training from scratch with the {preset} preset's recipe"
    else:
        model = base_model_config(init_from)
        chosen = dict(recipe or FINE_TUNE)
        how = f"fine-tuning {init_from} (a warm start"
        how += f": {len(data):,} images is a small set)" if len(data) <= SMALL_SET else ")"
    model = replace(model, dataset=data.name, condition="class", num_classes=len(data.class_names),
                    class_names=list(data.class_names), caption_bank_size=0, num_attributes=0, phrase_bank_size=0,
                    z_scale=1.0)
    chosen.update({k: v for k, v in overrides.items() if v is not None})
    cfg = TrainConfig(dataset=data.name, model=model, init_from=None if init_from is None else str(init_from),
                      data_folder=None if data_folder is None else str(data_folder), **chosen)
    return cfg, f"{how}, {cfg.ae_steps:,} autoencoder + {cfg.gan_steps:,} GAN steps"


# --- the app's fine-tune, run by training/live.py's runner in a child process ------------------------------

def save_images(path: Path, images: np.ndarray, labels: np.ndarray, class_names: list[str]) -> None:
    """The app's images as one file (the child reads it back with `read_images`)."""
    with open(path, "wb") as f:
        np.savez(f, images=np.asarray(images, np.uint8), labels=np.asarray(labels, np.int64),
                 class_names=np.asarray(class_names, dtype=str))


def read_images(path: str | Path) -> Dataset:
    with np.load(path, allow_pickle=False) as f:
        images, labels, names = f["images"], f["labels"], [str(n) for n in f["class_names"]]
    return Dataset("your images", "train", images, labels, f"{len(labels):,} images uploaded in the app",
                   classes=names)


@dataclass(frozen=True)
class FineTuneOptions:
    """A fine-tune of the shipped class model of `dataset` on the images in `images` (IMAGES_FILE), exported to
    `export_to`. Run by training/live.py's LiveRun (its limits, its queue slot, its temporary folder)."""

    job: ClassVar[str] = "fine-tune"
    dataset: str
    images: str
    export_to: str
    ae_steps: int = FINE_TUNE["ae_steps"]
    gan_steps: int = FINE_TUNE["gan_steps"]
    seed: int = 0

    @property
    def total_steps(self) -> int:
        return self.ae_steps + self.gan_steps

    def check(self) -> "FineTuneOptions":
        from aegan.data import check_dataset_name

        check_dataset_name(self.dataset)
        for name in ("ae_steps", "gan_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STEPS:
                raise InputError(f"{name.replace('_', ' ')} must be a whole number from 0 to {MAX_STEPS:,}, "
                                 f"not {shown(value)}")
        if not 1 <= self.total_steps <= MAX_STEPS:
            raise InputError(f"the fine-tune's steps together must be from 1 to {MAX_STEPS:,}, not {self.total_steps:,}")
        return self


def fine_tune_child(folder: Path, child: dict) -> int:
    """The child process of a fine-tune (training/live.py's main hands it over): train into FOLDER/run, export
    to the options' export_to."""
    from .export import export_run
    from .loop import train

    options = FineTuneOptions(**child["options"])
    try:
        data = read_images(options.images)
        base = local_checkpoints() / f"{options.dataset}-cgan"
        cfg, _ = own_config(data, init_from=base, recipe=fine_tune_recipe(child["size"]), ae_steps=options.ae_steps,
                            gan_steps=options.gan_steps, seed=options.seed,
                            device=os.environ.get("AEGAN_DEVICE", "auto"), checkpoint_seconds=float("inf"),
                            film_frames=FILM_FRAMES)
        train(cfg, folder / "run", progress=False, data=data)
        export_run(folder / "run", Path(options.export_to), data=data)
    except (InputError, CheckpointError, FloatingPointError) as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 2
    return 0
