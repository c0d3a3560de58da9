"""Data-parallel training across processes and machines, launched by torchrun.

    torchrun --nproc_per_node=4 -m training train --preset fashion-mnist      # 4 GPUs (or 4 CPU processes)

torchrun starts one process per rank and sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT.
Without them (a plain `python -m training`) every function here is a no-op and training runs in one
process exactly as before.

What is shared, and how the ranks stay identical:
- Gradients: each loss of the recipe is a module (see loop.Objective) wrapped in DistributedDataParallel,
  which averages the gradients of whatever that forward used, during the backward that follows it.
  NCCL on GPUs, gloo on CPUs.
- Data: every rank draws the same per-epoch permutation and takes its own slice of it (shard_indices),
  and its own noise (seeded by seed, step and rank), so a step sees world_size * batch_size images.
- Buffers: BatchNorm normalises with each rank's own batch (SyncBatchNorm would add a collective per
  layer, and the exported model re-measures its statistics anyway, see export.calibrate_statistics).
  The running averages (which then differ) and the spectral-norm vectors of D (which do not: the power
  iteration is deterministic on identical weights) are broadcast from rank 0 once per step (sync_buffers),
  rather than by DDP at every forward: the model, and the EMA copied from it, are then identical on every
  rank at the end of every step, when rank 0 may write them, not only at the next forward.
- EMA: lerped from parameters that are identical on every rank, its buffers copied from synced ones.
- Files: only rank 0 writes the run folder, checkpoints, stats, grids and the progress bar; on resume it
  reads the state and broadcasts it, so other machines need no copy of the run folder.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from aegan.errors import InputError


def launched() -> bool:
    """True inside a torchrun worker (even with a single process)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def init() -> None:
    """Join the other processes when launched by torchrun (a no-op otherwise). CPU tensors travel by gloo,
    CUDA tensors by NCCL, so the group does not depend on the run's --device, read later from its options."""
    if not launched() or dist.is_initialized():
        return
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if local_rank < torch.cuda.device_count():  # one GPU per process (more processes than GPUs: CPU only)
        torch.cuda.set_device(local_rank)
        dist.init_process_group("cpu:gloo,cuda:nccl")
    else:
        dist.init_process_group("gloo")


def finish() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def is_main() -> bool:
    return rank() == 0


def local_device(device: torch.device) -> torch.device:
    """The device of this rank: cuda:LOCAL_RANK for CUDA; CPU as is (the other devices cannot join)."""
    if not dist.is_initialized():
        return device
    if device.type == "cuda":
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    if device.type != "cpu":
        raise InputError(f"training across processes runs on CUDA or CPU, not {device.type}; use --device cpu")
    return device


def wrap(module: torch.nn.Module, device: torch.device, *, uses_all_parameters: bool) -> torch.nn.Module:
    """DistributedDataParallel around `module` when processes train together; the module itself otherwise.
    `uses_all_parameters`: False when the forward leaves some out (the D step does not train E and G),
    so DDP looks for them. Buffers are synced by sync_buffers, not at every forward."""
    if not dist.is_initialized():
        return module
    import inspect

    from torch.nn.parallel import DistributedDataParallel

    # torch 2.13 renamed broadcast_buffers to forward_sync_buffers (the old name still works, with a warning)
    renamed = "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters
    no_buffer_sync = {"forward_sync_buffers" if renamed else "broadcast_buffers": False}
    return DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None,
                                   find_unused_parameters=not uses_all_parameters, **no_buffer_sync)


def shard_indices(order: torch.Tensor, position: int, batch: int) -> torch.Tensor:
    """This rank's `batch` indices of the `position`-th global batch of a permutation shared by all ranks:
    rank r takes slice r of the world_size slices (a single process takes the plain position-th batch)."""
    start = (position * world_size() + rank()) * batch
    return order[start : start + batch]


def average(values: dict[str, float], device: torch.device) -> dict[str, float]:
    """Mean over ranks of a few logged numbers (so every rank sees the same losses and stops together)."""
    if not dist.is_initialized():
        return values
    keys = list(values)  # the same order on every rank: the same code filled it
    tensor = torch.tensor([values[k] for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return dict(zip(keys, (tensor / world_size()).tolist()))


def sync_buffers(module: torch.nn.Module) -> None:
    """Broadcast every buffer of `module` from rank 0."""
    if dist.is_initialized():
        for buffer in module.buffers():
            dist.broadcast(buffer, src=0)


def sync_module(module: torch.nn.Module) -> None:
    """Broadcast parameters and buffers from rank 0 (at the start: model, EMA)."""
    if dist.is_initialized():
        with torch.no_grad():
            for tensor in [*module.parameters(), *module.buffers()]:
                dist.broadcast(tensor, src=0)


def broadcast_object(obj):
    """Rank 0's `obj` on every rank (a run folder name, a resumed state)."""
    if not dist.is_initialized():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]
