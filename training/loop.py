"""The two-stage AE-GAN training loop.

Stage 1 trains E and G as a conditional VAE (reconstruction + KL + E's class loss). Stage 2 turns the
decoder into a GAN generator: D learns real vs fake (and real-with-wrong-condition as fake), G learns to
fool D with the non-saturating loss and to make E recognise the class it drew, and the stage-1 loss is
kept so that E stays an inverse of G (what repair, drawings and style transfer rely on).

The seed's other families (config.model.family, aegan/families.py) train the parts they have with the same code:
the autoencoder and the VAE run stage 1 alone (the AE with z = E's mean and no KL, neither with a class loss:
their encoders have no class head), the GAN runs stage 2 alone with D's and G's adversarial losses only (no
encoder, so no reconstruction and no class recognition; no condition, so no mismatched pairs).
"""

from __future__ import annotations

import copy
import functools
import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from aegan.data import Dataset
from aegan.devices import describe_device, pick_device
from aegan.errors import InputError
from aegan.images import make_grid, to_pil, to_tensor
from aegan.models import AEGAN

from . import distributed
from .conditions import ClassConditions, TextConditions
from .config import TrainConfig
from .film import FilmRecorder
from .own import training_data
from .state import atomic_write_bytes, atomic_write_text, load_state, load_weights, remove_temp_files, save_state, \
    trim_stats


def autoencoder_loss(model: AEGAN, x: torch.Tensor, y: torch.Tensor, condition: torch.Tensor, cfg: TrainConfig,
                     noise: torch.Tensor):
    """x [B,1,28,28], class y [B], G's condition for x -> (loss, parts). `noise` [B, L] is the
    reparameterisation epsilon. The AE: reconstruction of E's mean alone; the VAE: plus KL; the AE-GAN: plus
    E's class loss."""
    family = model.config.family
    mean, logvar, logits = model.encoder(x)
    mean, logvar = mean.float(), logvar.float()  # under bfloat16 autocast: the KL's sum in float32
    z = mean if family == "ae" else mean + torch.exp(0.5 * logvar) * noise
    reconstruction = model.generator(z, condition)
    mse = F.mse_loss(reconstruction, x)
    loss, parts = mse, {"mse": mse.item()}
    if family != "ae":
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1).mean()  # nats per image
        loss = loss + cfg.kl_weight * kl / x[0].numel()
        parts["kl"] = kl.item()
    if family == "aegan":
        ce = F.cross_entropy(logits, y)
        loss = loss + cfg.class_weight * ce
        parts["class_ce"] = ce.item()
    return loss, parts


def _step_noise(cfg: TrainConfig, step: int, batch: int, device: torch.device, rank: int = 0):
    """All randomness of one step from a generator seeded by (seed, step, rank): a resumed run draws the
    same, and each rank of a multi-process run draws its own (rank 0 draws what a single process does)."""
    g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step + rank * 2**40)
    latent, classes = cfg.model.latent_dim, cfg.model.num_classes
    noise = {
        "eps": torch.randn(batch, latent, generator=g),
        "z": torch.randn(batch, latent, generator=g),
        "y": torch.randint(0, classes, (batch,), generator=g),
        "wrong": torch.randint(1, classes, (batch,), generator=g),  # class shift for mismatched pairs
    }
    return noise, g


def _batch_indices(n: int, batch: int, step: int, seed: int) -> torch.Tensor:
    """Indices of the step's batch (this rank's share of it): a fresh permutation per epoch, seeded by
    (seed, epoch), the same on every rank; an epoch is n // (batch * world_size) steps."""
    per_epoch = n // (batch * distributed.world_size())
    epoch, position = divmod(step, per_epoch)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 7919 + epoch))
    return distributed.shard_indices(order, position, batch)


def _update_ema(ema: AEGAN, model: AEGAN, decay: float) -> None:
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters()):
            e.lerp_(p, 1 - decay)
        for e, b in zip(ema.buffers(), model.buffers()):
            e.copy_(b)


def _generate(ema: AEGAN, z: torch.Tensor, condition: torch.Tensor):
    """uint8 [N, 28, 28]: the EMA generator's images of z [N, L] under condition."""
    from aegan.images import to_uint8

    with torch.no_grad():  # the EMA model stays in eval mode: its BatchNorm uses the running statistics
        return to_uint8(ema.generator(z, condition))


def _save_grid(ema: AEGAN, fixed_z: torch.Tensor, fixed_y: torch.Tensor, path: Path) -> None:
    grid = to_pil(make_grid(_generate(ema, fixed_z, fixed_y), columns=10), scale=2)
    atomic_write_bytes(path, lambda tmp: grid.save(tmp, format="PNG"))


class Objective(torch.nn.Module):
    """One loss of the recipe as a module, so that DistributedDataParallel can wrap it: DDP averages the
    gradients of whatever its forward used, in the backward that follows. `loss(model, *args)`.
    `bfloat16_on`: a device type ("cpu", "cuda") whose autocast the forward runs under (matrix products and
    convolutions in bfloat16), or None for float32."""

    def __init__(self, model: AEGAN, loss, bfloat16_on: str | None = None):
        super().__init__()
        self.model, self.loss, self.bfloat16_on = model, loss, bfloat16_on

    def forward(self, *args):
        with torch.autocast(self.bfloat16_on or "cpu", dtype=torch.bfloat16, enabled=self.bfloat16_on is not None):
            return self.loss(self.model, *args)


def _check_diverged(parts: dict[str, float], model: AEGAN | None, cfg: TrainConfig, step: int, state: Path,
                    saved_step: int | None) -> None:
    """Stop a diverged run (a NaN/inf loss, or a NaN/inf weight of `model` when given, or a loss above
    cfg.max_loss) before it writes a bad state; the state on disk is the last one whose losses and weights
    passed this check. The loop checks the weights only before it writes a state: a pass over every tensor
    costs 2 % of a step, and a bad weight shows in the next step's losses anyway."""
    bad = {k: v for k, v in parts.items() if not math.isfinite(v) or abs(v) > cfg.max_loss}
    if not bad and (model is None or all(torch.isfinite(p).all() for p in model.parameters())):
        return
    what = ", ".join(f"{k} = {v:.3g}" for k, v in bad.items()) or "weights became NaN/inf"
    kept = f"the last good state (step {saved_step}) is kept in {state}" if saved_step is not None \
        else "no state had been saved yet"
    raise FloatingPointError(f"training diverged at step {step} ({what}; losses must stay finite and below "
                             f"{cfg.max_loss:g}); stopped, {kept}")


def train(cfg: TrainConfig, run_dir: Path, *, progress: bool = True, rank_weights: Path | None = None,
          data: Dataset | None = None) -> Path:
    """Train (or resume) the run in `run_dir` to cfg.total_steps; returns run_dir.

    Under torchrun every rank calls this; only rank 0 writes into run_dir (see training/distributed.py).
    `rank_weights`: a folder where each rank writes its final weights (rank-<r>.safetensors), to check
    that the ranks agree. `data`: the training images, when already loaded (default: training/own.py `training_data`).
    """
    run_dir = Path(run_dir)
    main, rank = distributed.is_main(), distributed.rank()
    if main:
        (run_dir / "samples").mkdir(parents=True, exist_ok=True)
        remove_temp_files(run_dir)  # left by a process killed while writing
    device = distributed.local_device(pick_device(cfg.device))
    bfloat16_on = device.type if cfg.precision == "bfloat16" else None  # the objectives' autocast
    if bfloat16_on and not torch.amp.is_autocast_available(bfloat16_on):
        raise InputError(f"bfloat16 training needs autocast, which {device.type} does not have here; "
                         "use --precision float32")
    torch.manual_seed(cfg.seed)
    data = data if data is not None else training_data(cfg)
    images = to_tensor(data.images)  # [N,1,28,28] in [-1,1], kept on CPU and moved per batch
    labels = torch.as_tensor(data.labels)
    batch = min(cfg.batch_size, len(labels) // distributed.world_size())

    conditions = ClassConditions(data, cfg.model.num_classes) if cfg.model.condition == "class" \
        else TextConditions(data, cfg.model.num_classes, seed=cfg.seed)
    model = AEGAN(cfg.model)
    if cfg.init_from and main:  # other ranks receive these weights from rank 0 (sync_module below)
        warm_start(model, cfg.init_from, data)
    model = model.to(device).train()
    ema = copy.deepcopy(model).eval()
    # A family has only its parts (aegan/families.py): the GAN no encoder, the AE and the VAE no discriminator.
    encoder_generator = [*(model.encoder.parameters() if model.encoder is not None else ()),
                         *model.generator.parameters()]
    # fused: Adam's update of all parameters in one kernel (CPU, CUDA and MPS have it), 5.5 -> 0.8 ms a GAN step here
    adam = functools.partial(torch.optim.Adam, fused=True)
    ae_optimizer = adam(encoder_generator, lr=cfg.ae_lr)
    eg_optimizer = adam(encoder_generator, lr=cfg.gan_lr, betas=cfg.adam_betas)
    d_lr = cfg.gan_lr if cfg.d_lr is None else cfg.d_lr
    d_optimizer = adam(model.discriminator.parameters(), lr=d_lr, betas=cfg.adam_betas) \
        if model.discriminator is not None else None
    optimizers = {"ae": ae_optimizer, "eg": eg_optimizer}
    if d_optimizer is not None:
        optimizers["d"] = d_optimizer

    step, elapsed, images_seen, film_record = 0, 0.0, 0, None
    state = distributed.broadcast_object(load_state(run_dir) if main else None)
    if state is not None:
        load_weights(model, state["model"])
        load_weights(ema, state["ema"])
        for name, optimizer in optimizers.items():
            # The moments come from the state; learning rates and betas from this run's options (a resume
            # may change them, e.g. --gan-lr after a divergence; load_state_dict alone would restore the old).
            options = [{k: v for k, v in group.items() if k != "params"} for group in optimizer.param_groups]
            optimizer.load_state_dict(state["optimizers"][name])
            for group, own in zip(optimizer.param_groups, options):
                group.update(own)
        step, elapsed = state["step"], state["elapsed_seconds"]
        images_seen = state.get("images_seen", step * batch)  # states written before it was counted
        film_record = state.get("film")  # states written before films have none: the film starts here
        del state
    saved_step = step if (run_dir / "state.pt").exists() else None
    distributed.sync_module(model)
    distributed.sync_module(ema)
    objectives = {}  # each wrapped in DDP when several processes train; a family only has the stages of its parts
    if model.encoder is not None:
        objectives["ae"] = Objective(model, functools.partial(_autoencoder_objective, cfg=cfg), bfloat16_on)
    if model.discriminator is not None:
        objectives["d"] = Objective(model, functools.partial(discriminator_loss, cfg=cfg), bfloat16_on)
        objectives["eg"] = Objective(model, functools.partial(generator_loss, cfg=cfg), bfloat16_on)
    objectives = {k: distributed.wrap(v, device, uses_all_parameters=k == "eg") for k, v in objectives.items()}
    if model.discriminator is not None:  # not wrapped: its backward runs in the G and E step's, whose DDP averages it
        objectives["draw"] = Objective(model, _draw, bfloat16_on)

    def checkpoint() -> None:
        film.save()  # the curves so far, readable beside the frames (the state's copy is the one a resume reads)
        save_state(run_dir, {
            "step": step, "elapsed_seconds": elapsed, "images_seen": images_seen, "config": json.dumps(cfg.to_dict()),
            "model": model.state_dict(), "ema": ema.state_dict(),
            "optimizers": {name: o.state_dict() for name, o in optimizers.items()},
            "film": film.record,
        })

    fixed = torch.Generator().manual_seed(1234)
    fixed_z = torch.randn(10 * cfg.model.num_classes, cfg.model.latent_dim, generator=fixed).to(device)
    fixed_y = torch.arange(cfg.model.num_classes).repeat_interleave(10)  # one row per class
    fixed_y = conditions.for_classes(fixed_y, torch.Generator().manual_seed(1234)).to(device)
    # The film (training/film.py) shows the first few of each class's fixed samples, so that it stays small.
    film = FilmRecorder(run_dir, cfg.total_steps, cfg.ae_steps, cfg.model.num_classes, film_record,
                        frames=cfg.film_frames) if main else None
    if main:
        per_class = film.samples // cfg.model.num_classes
        film_z, film_y = (t.view(cfg.model.num_classes, 10, *t.shape[1:])[:, :per_class].flatten(0, 1)
                          for t in (fixed_z, fixed_y))
        if film.wants_frame(step):  # the first frame: the untrained model (or where a run from before films resumes)
            film.add_frame(step, _generate(ema, film_z, film_y))
    global_batch = batch * distributed.world_size()  # images a step, all processes together
    steps_per_epoch = max(1, len(labels) // global_batch)

    if main:
        trim_stats(run_dir / "stats.jsonl", step)  # drop lines of steps after the state (a killed run's)
    stats_file = open(run_dir / "stats.jsonl", "a") if main else None
    bar = tqdm(total=cfg.total_steps, initial=step, disable=not (progress and main), dynamic_ncols=True)
    totals: dict[str, float] = {}
    last_checkpoint = last_log = time.monotonic()
    log_start_step = step
    try:
        while step < cfg.total_steps:
            started = time.monotonic()
            idx = _batch_indices(len(labels), batch, step, cfg.seed)
            x, y = images[idx].to(device), labels[idx].to(device)
            noise, g = _step_noise(cfg, step, batch, device, rank)
            noise["real"] = conditions.real(idx, g)
            stage = "ae" if step < cfg.ae_steps else "gan"
            if stage == "ae":
                noise = {k: v.to(device) for k, v in noise.items()}
                loss, parts = objectives["ae"](x, y, noise)
                ae_optimizer.zero_grad(set_to_none=True)
                loss.backward()
                ae_optimizer.step()
            else:
                noise["fake"] = conditions.for_classes(noise["y"], g)
                noise["mismatched"] = conditions.wrong(idx, noise["wrong"], g)
                noise = {k: v.to(device) for k, v in noise.items()}
                parts = gan_step(objectives, eg_optimizer, d_optimizer, x, y, noise)
            distributed.sync_buffers(model)
            _update_ema(ema, model, cfg.ema_decay if stage == "gan" else min(cfg.ema_decay, 0.99))
            step += 1
            images_seen += global_batch
            elapsed += time.monotonic() - started
            parts = distributed.average(parts, device)

            for k, v in parts.items():
                totals[k] = totals.get(k, 0.0) + v
            saving = time.monotonic() - last_checkpoint > cfg.checkpoint_seconds or step == cfg.total_steps
            _check_diverged(parts, model if saving else None, cfg, step, run_dir / "state.pt", saved_step)
            if not main:
                continue
            bar.update(1)
            bar.set_postfix({"stage": stage, **{k: f"{v:.3f}" for k, v in parts.items()}}, refresh=False)
            if step % cfg.log_every == 0 or step == cfg.total_steps:
                n = step - log_start_step
                now = time.monotonic()
                record = {"step": step, "stage": stage, "epoch": round(step / steps_per_epoch, 3),
                          **{k: round(v / n, 5) for k, v in totals.items()},
                          "images_per_second": round(n * global_batch / max(now - last_log, 1e-9), 1),
                          "elapsed_seconds": round(elapsed, 1)}
                stats_file.write(json.dumps(record) + "\n")
                stats_file.flush()
                totals, last_log, log_start_step = {}, now, step
            film.add_losses(step, parts)
            if film.wants_frame(step):
                film.add_frame(step, _generate(ema, film_z, film_y))
            if step % steps_per_epoch == 0 or step in (cfg.ae_steps, cfg.total_steps):
                _save_grid(ema, fixed_z, fixed_y, run_dir / "samples" / f"step-{step:06d}.png")
            if saving:
                checkpoint()
                saved_step, last_checkpoint = step, time.monotonic()
    finally:
        bar.close()
        if stats_file is not None:
            stats_file.close()
    if rank_weights is not None:
        _write_rank_weights(Path(rank_weights), rank, model, ema)
    if main:
        world = distributed.world_size()
        device_name = describe_device(device) if world == 1 else f"{world} processes, each on {describe_device(device)}"
        atomic_write_text(run_dir / "done.json", json.dumps({"steps": step, "elapsed_seconds": round(elapsed, 1),
                                                             "device": device_name}))
    return run_dir


def _write_rank_weights(folder: Path, rank: int, model: AEGAN, ema: AEGAN) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {**{f"model.{k}": v for k, v in model.state_dict().items()},
               **{f"ema.{k}": v for k, v in ema.state_dict().items()}}
    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(folder / f"rank-{rank}.safetensors"))


def _autoencoder_objective(model: AEGAN, x, y, noise, cfg: TrainConfig):
    return autoencoder_loss(model, x, y, noise["real"], cfg, noise["eps"])


def _draw(model: AEGAN, noise):
    """The step's generated images [B, 1, 28, 28] of z under the conditions asked for, with their graph."""
    return model.generator(noise["z"], noise["fake"])


def discriminator_loss(model: AEGAN, x, fake, noise, cfg: TrainConfig):
    """D's loss: real pairs -> 1; generated pairs (fake, detached from G) and real images with a wrong
    condition -> 0. Returns (d_loss, d_real logits [B], d_fake logits [B])."""
    D = model.discriminator
    real_features = D.features(x)  # [B, width]: judged under x's own condition and, below, a wrong one
    d_real = D.score(real_features, D.condition(noise["real"])).float()  # losses in float32 under autocast
    d_fake = D(fake, noise["fake"]).float()
    d_loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
    if cfg.mismatch_weight > 0 and model.config.condition != "none":  # an unconditional D has no pairs to mismatch
        d_mismatched = D.score(real_features, D.condition(noise["mismatched"])).float()
        d_loss = d_loss + cfg.mismatch_weight * F.softplus(d_mismatched).mean()
    return d_loss, d_real, d_fake


def generator_loss(model: AEGAN, x, y, fake, noise, cfg: TrainConfig):
    """G and E's loss: fool D (non-saturating) with fake (G's images, with their graph), make E recognise
    the class G was asked for, keep reconstructing. Returns (loss, parts). The GAN, which has no E, has the
    adversarial loss alone."""
    E, D = model.encoder, model.discriminator
    adversarial = F.softplus(-D(fake, noise["fake"]).float()).mean()
    if E is None:
        return cfg.adversarial_weight * adversarial, {"g_adv": adversarial.item()}
    if cfg.aux_class_weight:
        aux = F.cross_entropy(E(fake)[2], noise["y"])
    else:  # nothing to learn from, but the film records L_aux (how clearly G draws each class): read it without a
        with torch.no_grad():  # graph, which spares E's backward pass through the fakes (about 7 % of a GAN step)
            aux = F.cross_entropy(E(fake.detach())[2], noise["y"])
    ae_loss, parts = autoencoder_loss(model, x, y, noise["real"], cfg, noise["eps"])
    eg_loss = cfg.adversarial_weight * adversarial + cfg.aux_class_weight * aux + cfg.reconstruction_weight * ae_loss
    return eg_loss, {"g_adv": adversarial.item(), "g_aux": aux.item(), **parts}


def gan_step(objectives: dict, eg_optimizer, d_optimizer, x, y, noise) -> dict[str, float]:
    """One GAN step. objectives: "draw", "d" and "eg" (Objective modules; "d" and "eg" DDP-wrapped when
    distributed). noise: z, y (classes asked of G), fake (their conditions), real (x's conditions), mismatched
    (conditions that do not fit x), eps (reparameterisation)."""
    # G draws once: D learns from the images, then G learns through them. D's update leaves G as it was, so
    # they are the images G would draw again (drawing twice cost 8 % of a step).
    fake = objectives["draw"](noise)

    # (1) Update D.
    d_loss, d_real, d_fake = objectives["d"](x, fake.detach(), noise)
    d_optimizer.zero_grad(set_to_none=True)
    d_loss.backward()
    d_optimizer.step()

    # (2) Update G and E.
    eg_loss, parts = objectives["eg"](x, y, fake, noise)
    eg_optimizer.zero_grad(set_to_none=True)
    eg_loss.backward()
    eg_optimizer.step()
    adversarial = {k: parts.pop(k) for k in ("g_adv", "g_aux") if k in parts}  # the GAN has no g_aux
    return {"d_loss": d_loss.item(), "d_loss_real": F.softplus(-d_real).mean().item(),
            "d_loss_fake": F.softplus(d_fake).mean().item(), **adversarial,
            "d_real": torch.sigmoid(d_real).mean().item(), "d_fake": torch.sigmoid(d_fake).mean().item(), **parts}


def warm_start(model: AEGAN, checkpoint: str | Path, data: Dataset | None = None) -> None:
    """Start from another checkpoint's weights (e.g. a text model from the CGAN of the same data): every
    tensor whose name and shape match is copied; the condition embeddings, which differ, start fresh.

    With `data`, a class model fine-tuned on other classes (your own images) starts each of its classes where the
    checkpoint's encoder reads that class's images: see `start_classes_from`."""
    from safetensors.torch import load_file

    source = load_file(str(Path(checkpoint) / "model.safetensors"))
    own = model.state_dict()
    shared = {k: v for k, v in source.items() if k in own and ".condition." not in k}
    # Besides the condition embeddings, only E's class head may differ in shape (other classes): any other
    # difference (D or G of another width) would leave that layer untrained without a word.
    other = [k for k, v in shared.items() if own[k].shape != v.shape and not k.startswith("encoder.to_class.")]
    if other:
        raise InputError(f"cannot start from {checkpoint}: it is not this model's architecture ({other[0]} is "
                         f"{list(source[other[0]].shape)} there, {list(own[other[0]].shape)} here)")
    copied = {k: v for k, v in shared.items() if own[k].shape == v.shape}
    model.load_state_dict(copied, strict=False)
    if data is not None and model.config.condition == "class":
        start_classes_from(model, checkpoint, data)


@torch.no_grad()
def start_classes_from(model: AEGAN, checkpoint: str | Path, data: Dataset) -> None:
    """Each new class k starts as the mixture of the checkpoint's classes that its encoder reads in the images
    of k: M [K_new, K_old] (row k: E's mean class probabilities over class k's images) maps G's and D's class
    embeddings and E's class head (new = M @ old). A class of shoes fine-tuned from Fashion-MNIST starts close to
    sneakers, not from random vectors, which is what lets a short fine-tune draw it."""
    from aegan.images import to_tensor
    from aegan.models import load_model

    base = load_model(checkpoint, "cpu")
    if base.config.condition != "class" or any(m.encoder is None or m.encoder.to_class is None for m in (base, model)):
        return  # only between AE-GANs: the other families have no class head (aegan/families.py)
    labels = torch.as_tensor(data.labels)
    probabilities = torch.cat([base.encode(chunk)[2].softmax(1) for chunk in to_tensor(data.images).split(500)])
    mixture = torch.stack([probabilities[labels == k].mean(0) if (labels == k).any()
                           else torch.full((base.config.num_classes,), 1 / base.config.num_classes)
                           for k in range(model.config.num_classes)])  # [K_new, K_old]
    for new, old in ((model.generator.condition.embed.weight, base.generator.condition.embed.weight),
                     (model.discriminator.condition.embed.weight, base.discriminator.condition.embed.weight),
                     (model.encoder.to_class.weight, base.encoder.to_class.weight),
                     (model.encoder.to_class.bias, base.encoder.to_class.bias)):
        new.copy_(mixture @ old)
