"""Resumable training state and run folders.

The state is `{version, step, elapsed_seconds, images_seen, config, model, ema, optimizers, film}` (states
from before images_seen or the film record of training/film.py load too), written with torch.save to a
temp file, flushed to disk and renamed into place, so a kill at any moment leaves the previous state
intact (a temp file left by a kill is removed when the run resumes); it is read back with
`weights_only=True` (tensors and plain values only, no code).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import torch

from aegan.errors import CheckpointError

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


TEMP_MARK = ".tmp"


def atomic_write_bytes(path: Path, write) -> None:
    """Call write(temp_path), flush it to disk, then rename it over `path`: readers (and a run resumed
    after a kill or a power cut) see the old or the new file, never half of one."""
    tmp = path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_temp_files(run_dir: Path) -> list[Path]:
    """Delete the temp files that a process killed in the middle of a write left in a run folder."""
    run_dir = Path(run_dir)
    found = [p for folder in (run_dir, run_dir / "samples", run_dir / "film") if folder.is_dir()
             for p in folder.glob(f".*{TEMP_MARK}*") if p.is_file()]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def trim_stats(path: Path, step: int) -> None:
    """Keep the whole lines of stats.jsonl up to `step`: a run killed after its last state logged steps
    that the resumed run does again (and maybe half a line)."""
    if not path.exists():
        return
    kept = []
    for line in path.read_text().splitlines(keepends=True):
        try:
            if line.endswith("\n") and json.loads(line)["step"] <= step:
                kept.append(line)
        except (ValueError, KeyError, TypeError):
            pass
    atomic_write_text(path, "".join(kept))


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, lambda tmp: tmp.write_text(text))


def save_state(run_dir: Path, state: dict) -> None:
    state = {"version": STATE_VERSION, **state}
    atomic_write_bytes(run_dir / STATE_FILE, lambda tmp: torch.save(state, tmp))


def load_state(run_dir: Path) -> dict | None:
    path = Path(run_dir) / STATE_FILE
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated or garbled (only possible if written by other means than save_state)
        raise CheckpointError(f"{path}: not a readable training state ({type(error).__name__})") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        version = state.get("version") if isinstance(state, dict) else None
        raise CheckpointError(f"{path}: state version {version} is not {STATE_VERSION}")
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
