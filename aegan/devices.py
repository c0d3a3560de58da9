"""Pick the compute device once: CUDA, then Apple MPS, then CPU."""

from __future__ import annotations

import torch

from .errors import InputError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(choice: str = "auto") -> torch.device:
    """The device for `choice` (auto: CUDA, then MPS, then the CPU), computing in exact float32 on all of them."""
    exact_float32()
    if choice not in DEVICE_CHOICES:
        raise InputError(f"unknown device {choice!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if choice == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (choice == "cuda" and not cuda) or (choice == "mps" and not mps):
        raise InputError(f"device {choice!r} was asked for but is not available on this machine")
    return torch.device(choice)


def exact_float32() -> None:
    """Turn off TF32 in cuDNN's convolutions (PyTorch's default on CUDA GPUs since Ampere), so that a seed gives
    the same images on every device. Measured on an H200: with TF32, repair and analogy (40 steps of latent
    optimisation) drifted up to 48/255 from the CPU's pixels and samples 1/255; in float32, samples, walks and
    reconstructions matched the CPU exactly. The price there: training 5-7% slower (5,896 and 1,890 images/s per
    stage, against 6,218 and 2,029 with TF32; docs/PERFORMANCE-cuda.md)."""
    torch.backends.cudnn.allow_tf32 = False  # matmuls are float32 already (torch.backends.cuda.matmul)


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "Apple MPS"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' * (threads != 1)})"
