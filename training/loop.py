"""The two-stage AE-GAN training loop.

Stage 1 trains E and G as a conditional VAE (reconstruction + KL + E's class loss). Stage 2 turns the
decoder into a GAN generator: D learns real vs fake (and real-with-wrong-condition as fake), G learns to
fool D with the non-saturating loss and to make E recognise the class it drew, and the stage-1 loss is
kept so that E stays an inverse of G (what repair, drawings and style transfer rely on).
"""

from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from aegan.data import load_dataset
from aegan.devices import describe_device, pick_device
from aegan.images import make_grid, to_pil, to_tensor
from aegan.models import AEGAN

from .conditions import ClassConditions, TextConditions
from .config import TrainConfig
from .state import load_state, load_weights, save_state


def autoencoder_loss(model: AEGAN, x: torch.Tensor, y: torch.Tensor, condition: torch.Tensor, cfg: TrainConfig,
                     noise: torch.Tensor):
    """x [B,1,28,28], class y [B], G's condition for x -> (loss, parts). `noise` [B, L] is the
    reparameterisation epsilon."""
    mean, logvar, logits = model.encoder(x)
    z = mean + torch.exp(0.5 * logvar) * noise
    reconstruction = model.generator(z, condition)
    mse = F.mse_loss(reconstruction, x)
    kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1).mean()  # nats per image
    ce = F.cross_entropy(logits, y)
    loss = mse + cfg.kl_weight * kl / x[0].numel() + cfg.class_weight * ce
    return loss, {"mse": mse.item(), "kl": kl.item(), "class_ce": ce.item()}


def _step_noise(cfg: TrainConfig, step: int, batch: int, device: torch.device):
    """All randomness of one step from a generator seeded by (seed, step): a resumed run draws the same."""
    g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)
    latent, classes = cfg.model.latent_dim, cfg.model.num_classes
    noise = {
        "eps": torch.randn(batch, latent, generator=g),
        "z": torch.randn(batch, latent, generator=g),
        "y": torch.randint(0, classes, (batch,), generator=g),
        "wrong": torch.randint(1, classes, (batch,), generator=g),  # class shift for mismatched pairs
    }
    return noise, g


def _batch_indices(n: int, batch: int, step: int, seed: int) -> torch.Tensor:
    """Indices of the step's batch: a fresh permutation per epoch, seeded by (seed, epoch)."""
    per_epoch = n // batch
    epoch, position = divmod(step, per_epoch)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 7919 + epoch))
    return order[position * batch : (position + 1) * batch]


def _update_ema(ema: AEGAN, model: AEGAN, decay: float) -> None:
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters()):
            e.lerp_(p, 1 - decay)
        for e, b in zip(ema.buffers(), model.buffers()):
            e.copy_(b)


def _save_grid(model: AEGAN, fixed_z: torch.Tensor, fixed_y: torch.Tensor, path: Path) -> None:
    from aegan.images import to_uint8

    model.eval()
    with torch.no_grad():
        images = to_uint8(model.generator(fixed_z, fixed_y))
    model.train()
    to_pil(make_grid(images, columns=10), scale=2).save(path)


def train(cfg: TrainConfig, run_dir: Path, *, progress: bool = True) -> Path:
    """Train (or resume) the run in `run_dir` to cfg.total_steps; returns run_dir."""
    run_dir = Path(run_dir)
    (run_dir / "samples").mkdir(parents=True, exist_ok=True)
    device = pick_device(cfg.device)
    torch.manual_seed(cfg.seed)
    data = load_dataset(cfg.dataset, "train")
    images = to_tensor(data.images)  # [N,1,28,28] in [-1,1], kept on CPU and moved per batch
    labels = torch.as_tensor(data.labels)
    batch = min(cfg.batch_size, len(labels))

    conditions = ClassConditions(data, cfg.model.num_classes) if cfg.model.condition == "class" \
        else TextConditions(data, cfg.model.num_classes, seed=cfg.seed)
    model = AEGAN(cfg.model)
    if cfg.init_from:
        warm_start(model, cfg.init_from)
    model = model.to(device).train()
    ema = copy.deepcopy(model).eval()
    encoder_generator = list(model.encoder.parameters()) + list(model.generator.parameters())
    ae_optimizer = torch.optim.Adam(encoder_generator, lr=cfg.ae_lr)
    eg_optimizer = torch.optim.Adam(encoder_generator, lr=cfg.gan_lr, betas=cfg.adam_betas)
    d_optimizer = torch.optim.Adam(model.discriminator.parameters(), lr=cfg.gan_lr, betas=cfg.adam_betas)
    optimizers = {"ae": ae_optimizer, "eg": eg_optimizer, "d": d_optimizer}

    step, elapsed = 0, 0.0
    state = load_state(run_dir)
    if state is not None:
        load_weights(model, state["model"])
        load_weights(ema, state["ema"])
        for name, optimizer in optimizers.items():
            optimizer.load_state_dict(state["optimizers"][name])
        step, elapsed = state["step"], state["elapsed_seconds"]

    def checkpoint() -> None:
        save_state(run_dir, {
            "step": step, "elapsed_seconds": elapsed, "config": json.dumps(cfg.to_dict()),
            "model": model.state_dict(), "ema": ema.state_dict(),
            "optimizers": {name: o.state_dict() for name, o in optimizers.items()},
        })

    fixed = torch.Generator().manual_seed(1234)
    fixed_z = torch.randn(10 * cfg.model.num_classes, cfg.model.latent_dim, generator=fixed).to(device)
    fixed_y = torch.arange(cfg.model.num_classes).repeat_interleave(10)  # one row per class
    fixed_y = conditions.for_classes(fixed_y, torch.Generator().manual_seed(1234)).to(device)
    steps_per_epoch = max(1, len(labels) // batch)

    stats_file = open(run_dir / "stats.jsonl", "a")
    bar = tqdm(total=cfg.total_steps, initial=step, disable=not progress, dynamic_ncols=True)
    totals: dict[str, float] = {}
    last_checkpoint = last_log = time.monotonic()
    log_start_step = step
    try:
        while step < cfg.total_steps:
            started = time.monotonic()
            idx = _batch_indices(len(labels), batch, step, cfg.seed)
            x, y = images[idx].to(device), labels[idx].to(device)
            noise, g = _step_noise(cfg, step, batch, device)
            noise["real"] = conditions.real(idx, g)
            stage = "ae" if step < cfg.ae_steps else "gan"
            if stage == "ae":
                noise = {k: v.to(device) for k, v in noise.items()}
                loss, parts = autoencoder_loss(model, x, y, noise["real"], cfg, noise["eps"])
                ae_optimizer.zero_grad(set_to_none=True)
                loss.backward()
                ae_optimizer.step()
            else:
                noise["fake"] = conditions.for_classes(noise["y"], g)
                noise["mismatched"] = conditions.wrong(idx, noise["wrong"], g)
                noise = {k: v.to(device) for k, v in noise.items()}
                parts = gan_step(model, eg_optimizer, d_optimizer, x, y, noise, cfg)
            _update_ema(ema, model, cfg.ema_decay if stage == "gan" else min(cfg.ema_decay, 0.99))
            step += 1
            elapsed += time.monotonic() - started

            for k, v in parts.items():
                totals[k] = totals.get(k, 0.0) + v
            if not all(math.isfinite(v) for v in parts.values()):
                raise FloatingPointError(f"loss became NaN/inf at step {step} ({parts}); last good state kept")
            bar.update(1)
            bar.set_postfix({"stage": stage, **{k: f"{v:.3f}" for k, v in parts.items()}}, refresh=False)
            if step % cfg.log_every == 0 or step == cfg.total_steps:
                n = step - log_start_step
                now = time.monotonic()
                record = {"step": step, "stage": stage, "epoch": round(step / steps_per_epoch, 3),
                          **{k: round(v / n, 5) for k, v in totals.items()},
                          "images_per_second": round(n * batch / max(now - last_log, 1e-9), 1),
                          "elapsed_seconds": round(elapsed, 1)}
                stats_file.write(json.dumps(record) + "\n")
                stats_file.flush()
                totals, last_log, log_start_step = {}, now, step
            if step % steps_per_epoch == 0 or step in (cfg.ae_steps, cfg.total_steps):
                _save_grid(ema, fixed_z, fixed_y, run_dir / "samples" / f"step-{step:06d}.png")
            if time.monotonic() - last_checkpoint > cfg.checkpoint_seconds or step == cfg.total_steps:
                checkpoint()
                last_checkpoint = time.monotonic()
    finally:
        bar.close()
        stats_file.close()
    (run_dir / "done.json").write_text(json.dumps({"steps": step, "elapsed_seconds": round(elapsed, 1),
                                                   "device": describe_device(device)}))
    return run_dir


def gan_step(model: AEGAN, eg_optimizer, d_optimizer, x, y, noise, cfg: TrainConfig) -> dict[str, float]:
    """One GAN step. noise: z, y (classes asked of G), fake (their conditions), real (x's conditions),
    mismatched (conditions that do not fit x), eps (reparameterisation)."""
    E, G, D = model.encoder, model.generator, model.discriminator
    z, y_fake, c_fake, c_real = noise["z"], noise["y"], noise["fake"], noise["real"]

    # (1) Update D: real pairs -> 1; generated pairs and real images with a wrong condition -> 0.
    with torch.no_grad():
        fake = G(z, c_fake)
    d_real, d_fake = D(x, c_real), D(fake, c_fake)
    d_loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
    if cfg.mismatch_weight > 0:
        d_loss = d_loss + cfg.mismatch_weight * F.softplus(D(x, noise["mismatched"])).mean()
    d_optimizer.zero_grad(set_to_none=True)
    d_loss.backward()
    d_optimizer.step()

    # (2) Update G and E: fool D (non-saturating loss), draw the asked class, keep reconstructing.
    fake = G(z, c_fake)
    adversarial = F.softplus(-D(fake, c_fake)).mean()
    aux = F.cross_entropy(E(fake)[2], y_fake)
    ae_loss, parts = autoencoder_loss(model, x, y, c_real, cfg, noise["eps"])
    eg_loss = adversarial + cfg.aux_class_weight * aux + cfg.reconstruction_weight * ae_loss
    eg_optimizer.zero_grad(set_to_none=True)
    eg_loss.backward()
    eg_optimizer.step()
    return {"d_loss": d_loss.item(), "g_adv": adversarial.item(), "g_aux": aux.item(),
            "d_real": torch.sigmoid(d_real).mean().item(), "d_fake": torch.sigmoid(d_fake).mean().item(), **parts}


def warm_start(model: AEGAN, checkpoint: str | Path) -> None:
    """Start from another checkpoint's weights (e.g. a text model from the CGAN of the same data): every
    tensor whose name and shape match is copied; the condition embeddings, which differ, start fresh."""
    from safetensors.torch import load_file

    source = load_file(str(Path(checkpoint) / "model.safetensors"))
    own = model.state_dict()
    copied = {k: v for k, v in source.items() if k in own and own[k].shape == v.shape and ".condition." not in k}
    model.load_state_dict(copied, strict=False)
