"""Pick the compute device once: CUDA, then Apple MPS, then CPU."""

from __future__ import annotations

import torch

from .errors import InputError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(choice: str = "auto") -> torch.device:
    if choice not in DEVICE_CHOICES:
        raise InputError(f"unknown device {choice!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if choice == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (choice == "cuda" and not cuda) or (choice == "mps" and not mps):
        raise InputError(f"device {choice!r} was asked for but is not available on this machine")
    return torch.device(choice)


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU ({torch.get_num_threads()} threads)"
