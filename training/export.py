"""Export a finished run: the EMA model (config.json + model.safetensors), its training film (history.json +
film.png, see aegan/film.py) and what the model card needs."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

from aegan.data import Dataset, load_dataset
from aegan.images import to_tensor
from aegan.latent import DIRECTIONS_FILE, compute_directions, save_directions
import torch

from aegan.models import AEGAN, ConditionalBatchNorm
from aegan.modelcard import write_model_card

from .calibrate import calibrate_z_scale, with_config
from .conditions import ClassConditions
from .config import TrainConfig
from .film import export_film
from .own import training_data
from .state import load_state, load_weights


def export_run(run_dir: Path, out_dir: Path, data: Dataset | None = None) -> Path:
    """`data`: the run's training images, when already loaded (default: training/own.py `training_data`)."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    state = load_state(run_dir)
    if state is None:
        raise FileNotFoundError(f"{run_dir}/state.pt: no training state to export")
    cfg = TrainConfig.from_dict(json.loads(state["config"]))
    if cfg.model.condition == "text":
        return _export_text(cfg, state, run_dir, out_dir)
    model = AEGAN(cfg.model)
    load_weights(model, state["ema"])
    data = data if data is not None else training_data(cfg)
    conditions = ClassConditions(data, cfg.model.num_classes)
    calibrate_statistics(model, data, conditions, seed=cfg.seed)
    scale, _ = calibrate_z_scale(model, data, conditions, seed=cfg.seed, wider=cfg.z_wider)
    model = with_config(model, z_scale=scale)
    return _write(model, replace(cfg, model=model.config), state, run_dir, out_dir, data)


@torch.no_grad()
def calibrate_statistics(model: AEGAN, data, conditions, *, seed: int = 0, count: int = 10_000,
                         batch: int = 500) -> None:
    """Measure the BatchNorm statistics the exported model uses at inference (see ConditionalBatchNorm).

    During training the running averages mixed real and generated images (in E) and prior and encoded
    codes (in G), which fit neither. Here, with the weights frozen: E's statistics on real training
    images; G's prior statistics on z ~ N(0, I) with random conditions; G's encoded statistics on E(x)
    with the conditions of those images. A model without an encoder (the GAN) has prior statistics only, which
    also serve as its encoded ones.
    """
    g = torch.Generator().manual_seed(seed)
    x = to_tensor(data.images[:count])
    idx = torch.arange(len(x))
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # a plain average over all calibration batches
    model.train()
    codes = []
    for chunk in idx.split(batch) if model.encoder is not None else ():  # E on real images (codes kept for G)
        codes.append(model.encoder(x[chunk])[0])
    for chunk in idx.split(batch):  # G on prior codes
        y = torch.randint(0, model.config.num_classes, (len(chunk),), generator=g)
        model.generator(torch.randn(len(chunk), model.config.latent_dim, generator=g), conditions.for_classes(y, g))
    generator_norms = [m for m in model.generator.modules() if isinstance(m, ConditionalBatchNorm)]
    prior = [(m.norm.running_mean.clone(), m.norm.running_var.clone()) for m in generator_norms]
    for m in generator_norms:
        m.norm.reset_running_stats()
    for chunk, z in zip(idx.split(batch), codes):  # G on encoded codes
        model.generator(z, conditions.real(chunk, g))
    if not codes:  # no encoder: nothing is ever decoded from an encoded code; keep both sets equal
        for m, (mean, var) in zip(generator_norms, prior):
            m.norm.running_mean.copy_(mean)
            m.norm.running_var.copy_(var)
    for m, (mean, var) in zip(generator_norms, prior):
        m.encoded_mean.copy_(m.norm.running_mean)
        m.encoded_var.copy_(m.norm.running_var)
        m.norm.running_mean.copy_(mean)
        m.norm.running_var.copy_(var)
    for norm in norms:
        norm.momentum = 0.1
    model.eval()


def _save_pretrained_atomically(model: AEGAN, out_dir: Path) -> None:
    """save_pretrained into a temp folder beside out_dir, then rename each file into place: a kill
    leaves the previous weights or the new ones, never half a model.safetensors."""
    staging = out_dir.parent / f".{out_dir.name}.tmp{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        model.save_pretrained(staging)
        for name in ("config.json", "model.safetensors"):  # the rest (the mixin's README) is rewritten below
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _export_text(cfg, state, run_dir: Path, out_dir: Path) -> Path:
    """A text model ships its caption bank and attribute tertiles as buffers (see AEGAN)."""
    from aegan.captions import class_phrases

    from .conditions import TextConditions, embed_cached

    data = load_dataset(cfg.dataset, "train")
    conditions = TextConditions(data, cfg.model.num_classes, seed=cfg.seed)
    bank = conditions.bank
    phrases, phrase_classes = class_phrases(cfg.dataset)
    config = replace(cfg.model, caption_bank_size=len(bank.texts), num_attributes=bank.attributes.shape[1],
                     phrase_bank_size=len(phrases))
    model = AEGAN(config)
    load_weights(model, state["ema"])
    calibrate_statistics(model, data, conditions, seed=cfg.seed)
    model.caption_embeddings.copy_(conditions.embeddings.half())
    model.caption_classes.copy_(torch.as_tensor(bank.classes))
    model.caption_attributes.copy_(torch.as_tensor(bank.attributes))
    model.attribute_thresholds.copy_(torch.as_tensor(conditions.thresholds, dtype=torch.float32))
    model.caption_phrase_embeddings.copy_(embed_cached(phrases).half())
    model.caption_phrase_classes.copy_(torch.as_tensor(phrase_classes))
    scale, _ = calibrate_z_scale(model, data, conditions, seed=cfg.seed, wider=cfg.z_wider)
    model = with_config(model, z_scale=scale)
    return _write(model, replace(cfg, model=model.config), state, run_dir, out_dir)


def _write(model: AEGAN, cfg, state, run_dir: Path, out_dir: Path, data: Dataset | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    _save_pretrained_atomically(model, out_dir)
    data = data if data is not None else training_data(cfg)
    if model.encoder is not None:  # the main directions of E's codes (the GAN has no encoder, so none)
        save_directions(out_dir, compute_directions(model, to_tensor(data.images[:10_000])))
    else:
        (out_dir / DIRECTIONS_FILE).unlink(missing_ok=True)  # an earlier export's would belong to other weights
    images_seen = state.get("images_seen", state["step"] * min(cfg.batch_size, len(data)))
    training = {
        "data": data.source,
        "steps": state["step"], "autoencoder_steps": cfg.ae_steps, "gan_steps": cfg.gan_steps,
        # images per step, all processes together (torchrun: processes * cfg.batch_size)
        "batch_size": round(images_seen / max(state["step"], 1)) if state["step"] else cfg.batch_size,
        "images_seen": images_seen,
        "epochs": round(images_seen / len(data), 2),
        "training_seconds": round(state["elapsed_seconds"], 1),
        "device": json.loads((run_dir / "done.json").read_text())["device"] if (run_dir / "done.json").exists() else "?",
        "run": run_dir.name,
        "options": cfg.to_dict(),
    }
    (out_dir / "training.json").write_text(json.dumps(training, indent=2) + "\n")
    samples = sorted((run_dir / "samples").glob("step-*.png"))
    if samples:
        shutil.copy(samples[-1], out_dir / "samples.png")
    export_film(state.get("film"), run_dir, out_dir)  # before the card, which mentions it
    write_model_card(out_dir)
    return out_dir
