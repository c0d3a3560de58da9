"""Resumable training state and run folders.

The state is `{version, step, elapsed_seconds, config, model, ema, optimizers}` written with torch.save
to a temp file and renamed into place, so a kill at any moment leaves the previous state intact; it is
read back with `weights_only=True` (tensors and plain values only, no code).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import torch

STATE_VERSION = 1
STATE_FILE = "state.pt"


def new_run_dir(runs_dir: str | Path, name: str) -> Path:
    """runs/00000-name, runs/00001-name, ...: a new run never overwrites an old one."""
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in runs_dir.iterdir() if (m := re.match(r"(\d{5})-", p.name))]
    number = max(numbers, default=-1) + 1
    while True:
        run_dir = runs_dir / f"{number:05d}-{name}"
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:  # another run started at the same moment
            number += 1


def atomic_write_bytes(path: Path, write) -> None:
    """Call write(temp_path), then rename it over `path`: readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, lambda tmp: tmp.write_text(text))


def save_state(run_dir: Path, state: dict) -> None:
    state = {"version": STATE_VERSION, **state}
    atomic_write_bytes(run_dir / STATE_FILE, lambda tmp: torch.save(state, tmp))


def load_state(run_dir: Path) -> dict | None:
    path = Path(run_dir) / STATE_FILE
    if not path.exists():
        return None
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("version") != STATE_VERSION:
        raise RuntimeError(f"{path}: state version {state.get('version')} is not {STATE_VERSION}")
    return state


def read_options(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "options.json").read_text())


def load_weights(module: torch.nn.Module, weights: dict) -> None:
    """load_state_dict that tolerates only what newer code adds after training: the inference-only
    `encoded_*` statistics (filled at export) and a text model's caption buffers."""
    missing, unexpected = module.load_state_dict(weights, strict=False)
    allowed = ("encoded_mean", "encoded_var", "caption_", "attribute_thresholds")
    wrong = [k for k in missing if not k.rsplit(".", 1)[-1].startswith(allowed)] + list(unexpected)
    if wrong:
        raise RuntimeError(f"weights do not match the model: {', '.join(wrong[:5])}")
