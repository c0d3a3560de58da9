"""Faults and safety, each through the real command line: runs killed with SIGKILL, diverging losses,
damaged checkpoints, and a Hub that cannot be reached.

Training runs here are the tiny preset on synthetic strokes, in subprocesses with one thread each.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from aegan.errors import CheckpointError
from aegan.models import load_model
from training.state import STATE_FILE, TEMP_MARK, load_state

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}


def python(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, *map(str, args)], cwd=REPO, env=env or ENV, capture_output=True,
                          text=True, timeout=300, **kwargs)


def train_command(runs: Path, *args) -> list[str]:
    return [sys.executable, "-m", "training", "train", "--preset", "tiny", "--runs-dir", str(runs), "--no-export",
            "--no-progress", *map(str, args)]


def tensors(state: dict, prefix: str = "") -> dict[str, torch.Tensor]:
    """Every tensor of a training state (model, EMA, optimizer moments), by a flat name."""
    found = {}
    for key, value in state.items():
        if isinstance(value, dict):
            found.update(tensors(value, f"{prefix}{key}."))
        elif torch.is_tensor(value):
            found[f"{prefix}{key}"] = value
    return found


def temp_files(run_dir: Path) -> list[Path]:
    return [p for p in run_dir.rglob("*") if ".tmp" in p.name]


# --- (a) SIGKILL at random moments, then --resume: the same result as a run never interrupted ---------------

STEPS = ("--ae-steps", 15, "--gan-steps", 45, "--seed", 7, "--checkpoint-seconds", 0)  # state after every step
TOLERANCE = dict(rtol=1e-5, atol=1e-6)  # float32 round-off; in practice the tensors come out bit-identical


def _wait_for_new_state(run_dir: Path, previous_inode: int | None, process, timeout: float = 300) -> None:
    """Until this process has written a state (each write renames a new file into place: a new inode)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if os.stat(run_dir / "state.pt").st_ino != previous_inode:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"no state written (exit status {process.poll()})")


def _stop_while_writing(run_dir: Path, process, timeout: float = 60) -> Path:
    """Freeze the process (SIGSTOP) in the middle of a state write: stopped the moment its temp file appears, and
    kept stopped only if the file is still there once it has stopped (else let go, for the next write). So the
    kill that follows lands mid-write whatever this machine's speed. Returns the temp file."""
    temp = run_dir / f".{STATE_FILE}{TEMP_MARK}{process.pid}"  # where training/state.py atomic_write_bytes writes
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if temp.exists():
            process.send_signal(signal.SIGSTOP)
            os.waitpid(process.pid, os.WUNTRACED)  # until it has stopped
            if temp.exists():
                return temp
            process.send_signal(signal.SIGCONT)
    raise AssertionError(f"no state write caught (exit status {process.poll()})")


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def test_sigkill_at_random_moments_resumes_to_the_uninterrupted_result(tmp_path):
    straight = tmp_path / "straight"
    assert subprocess.run(train_command(straight, *STEPS), cwd=REPO, env=ENV, capture_output=True,
                          timeout=300).returncode == 0
    expected = load_state(straight / "00000-tiny")
    total = expected["step"]
    step_seconds = expected["elapsed_seconds"] / total  # kill delays in steps, whatever this machine's speed

    runs = tmp_path / "runs"
    run_dir = runs / "00000-tiny"
    rng = random.Random(20261126)
    steps_seen = [0]
    # Three kills at random moments, then one in the middle of a state write (its temp file not renamed yet).
    while len(steps_seen) <= 4:
        first = len(steps_seen) == 1
        command = train_command(runs, *STEPS) if first else train_command(runs, "--resume", run_dir)
        process = subprocess.Popen(command, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not first:
            _wait_for_new_state(run_dir, _inode(run_dir / "state.pt"), process)
        else:
            _wait_for_new_state(run_dir, None, process)
        if len(steps_seen) <= 3:
            time.sleep(rng.uniform(0.0, 8.0) * step_seconds)
        else:
            temp = _stop_while_writing(run_dir, process)
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL, "the run finished before it was killed"
        if len(steps_seen) > 3:  # killed in the middle of the write: only the temp file is partial
            assert temp.exists()
        state = load_state(run_dir)  # whatever the moment, the state on disk is whole
        assert steps_seen[-1] <= state["step"] < total
        steps_seen.append(state["step"])

    result = subprocess.run(train_command(runs, "--resume", run_dir), cwd=REPO, env=ENV, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert temp_files(run_dir) == []  # the partial temp files of the killed writes were removed
    resumed = load_state(run_dir)
    assert resumed["step"] == total
    want, got = tensors(expected), tensors(resumed)
    assert want.keys() == got.keys() and len(want) > 100  # model, EMA and every optimizer moment
    for name, value in want.items():
        assert torch.allclose(got[name].double(), value.double(), **TOLERANCE), name
    # What the killed processes left is all readable, and the log has each step once.
    json.loads((run_dir / "options.json").read_text())
    steps = [json.loads(line)["step"] for line in (run_dir / "stats.jsonl").read_text().splitlines()]
    assert steps == list(range(1, total + 1))
    for png in (run_dir / "samples").glob("*.png"):
        Image.open(png).load()
    print(f"killed at steps {steps_seen[1:]}, the last during a state write")


# --- (b) A diverging run stops with one line, a non-zero exit and its last good state -----------------------

@pytest.mark.parametrize("gan_lr, shown", [(1e6, "g_adv = 1."), (1e30, "nan")])
def test_diverging_loss_stops_and_keeps_the_last_good_state(tmp_path, gan_lr, shown):
    """A learning rate this large blows up the first GAN step: finite but huge (1e6) or NaN (1e30)."""
    runs = tmp_path / "runs"
    result = subprocess.run(train_command(runs, "--ae-steps", 3, "--gan-steps", 20, "--gan-lr", gan_lr,
                                          "--checkpoint-seconds", 0),
                            cwd=REPO, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "diverged at step 4" in errors[0] and shown in errors[0] and "last good state (step 3)" in errors[0]
    run_dir = runs / "00000-tiny"
    state = load_state(run_dir)
    assert state["step"] == 3 and all(torch.isfinite(t).all() for t in tensors(state).values())
    assert [json.loads(line)["step"] for line in (run_dir / "stats.jsonl").read_text().splitlines()] == [1, 2, 3]
    assert not (run_dir / "done.json").exists() and temp_files(run_dir) == []
    if gan_lr > 1e20:  # the kept state is a good start: it resumes with a sane rate
        result = subprocess.run(train_command(runs, "--resume", run_dir, "--gan-lr", 2e-4, "--gan-steps", 2),
                                cwd=REPO, env=ENV, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        assert load_state(run_dir)["step"] == 5


# --- (c) Damaged checkpoints: one line naming the file, exit status 2, no traceback -------------------------

def _header(path: Path) -> tuple[dict, int]:
    raw = path.read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8 : 8 + size]), size


def _rewrite_header(path: Path, header: dict) -> None:
    """A valid safetensors header of the same length (space-padded, as the format allows)."""
    raw = path.read_bytes()
    _, size = _header(path)
    text = json.dumps(header, separators=(",", ":")).encode()
    assert len(text) <= size
    path.write_bytes(raw[:8] + text.ljust(size) + raw[8 + size :])


def truncate(folder: Path) -> Path:
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    return weights


def flip_header_byte(folder: Path) -> Path:
    weights = folder / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[40] ^= 0xFF  # inside the JSON header
    weights.write_bytes(bytes(raw))
    return weights


def tamper_header_shape(folder: Path) -> Path:
    """Still valid JSON, but a tensor claims another shape than its bytes hold."""
    weights = folder / "model.safetensors"
    header, _ = _header(weights)
    header["encoder.to_class.bias"]["shape"] = [11]
    _rewrite_header(weights, header)
    return weights


def tamper_data(folder: Path) -> Path:
    """A valid header, but NaN bytes in a weight (what a flipped exponent bit can do)."""
    weights = folder / "model.safetensors"
    header, size = _header(weights)
    start = 8 + size + header["generator.to_image.weight"]["data_offsets"][0]
    raw = bytearray(weights.read_bytes())
    raw[start : start + 4] = struct.pack("<f", float("nan"))
    weights.write_bytes(bytes(raw))
    return weights


def change_latent_dim(folder: Path) -> Path:
    config = json.loads((folder / "config.json").read_text())
    config["latent_dim"] += 8
    (folder / "config.json").write_text(json.dumps(config))
    return folder / "model.safetensors"


def garble_config(folder: Path) -> Path:
    (folder / "config.json").write_text('{"latent_dim": 8,')
    return folder / "config.json"


def config_not_an_object(folder: Path) -> Path:
    (folder / "config.json").write_text("[8, 8]")
    return folder / "config.json"


def remove_folder(folder: Path) -> Path:
    shutil.rmtree(folder)
    return folder


class _Trap:
    """Unpickling this creates a file: proof that a pickle was (or was not) loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def only_a_pickle(folder: Path) -> Path:
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Trap(folder.parent / "UNPICKLED")))
    return folder / "model.safetensors"


DAMAGE = {  # damage -> words the one line must hold, besides the file's path
    truncate: "not a readable safetensors file",
    flip_header_byte: "not a readable safetensors file",
    tamper_header_shape: "not a readable safetensors file",
    tamper_data: "NaN or infinite",
    change_latent_dim: "do not match config.json",
    garble_config: "not valid JSON",
    config_not_an_object: "not a JSON object",
    remove_folder: "checkpoint folder not found",
    only_a_pickle: "pytorch_model.bin is a pickle, which is never loaded",
}


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_damaged_checkpoint_is_one_line_naming_the_file(tiny_checkpoint, tmp_path, damage):
    culprit = damage(tiny_checkpoint)
    out = tmp_path / "out.npz"
    result = python("-m", "aegan", "sample", "--model", tiny_checkpoint, "--n", 2, "--device", "cpu", "--out", out)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert str(culprit) in result.stderr and DAMAGE[damage] in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
    with pytest.raises(CheckpointError) as caught:  # the library says the same
        load_model(tiny_checkpoint)
    assert str(culprit) in str(caught.value) and "\n" not in str(caught.value)
    assert not (tiny_checkpoint.parent / "UNPICKLED").exists()


# --- (d) A Hub repo id with the Hub out of reach: the local checkpoints folder, and a log line --------------

def test_hub_id_offline_falls_back_to_the_local_folder(tiny_model, tmp_path, monkeypatch, caplog):
    from huggingface_hub import constants

    assert constants.HF_HUB_OFFLINE  # set by conftest before huggingface_hub was imported
    root = tmp_path / "checkpoints"
    tiny_model.save_pretrained(root / "tiny-cgan")
    monkeypatch.setenv("AEGAN_CHECKPOINTS", str(root))
    with caplog.at_level("WARNING", logger="aegan.models"):
        model = load_model("aegan-tests/tiny-cgan")
    assert [r.getMessage() for r in caplog.records] == [
        f"aegan-tests/tiny-cgan: offline (HF_HUB_OFFLINE is set); using the local folder {root / 'tiny-cgan'}"]
    for key, value in tiny_model.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    with pytest.raises(CheckpointError, match=r"aegan-tests/absent: offline .* no local folder .*absent"):
        load_model("aegan-tests/absent")


def test_hub_unreachable_cli_uses_the_local_folder(tiny_model, tmp_path):
    """Online mode, but the Hub endpoint is a closed port on this machine: one quick failed request, then the
    local folder; the images are those of the local folder."""
    root = tmp_path / "checkpoints"
    tiny_model.save_pretrained(root / "tiny-cgan")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = {**ENV, "HF_HUB_OFFLINE": "0", "HF_ENDPOINT": f"http://127.0.0.1:{closed}", "HF_HOME": str(tmp_path / "hf"),
           "AEGAN_CHECKPOINTS": str(root)}
    started = time.monotonic()
    via_hub = python("-m", "aegan", "sample", "--model", "aegan-tests/tiny-cgan", "--n", 4, "--device", "cpu",
                     "--out", tmp_path / "hub.npz", env=env)
    assert via_hub.returncode == 0, via_hub.stderr
    assert time.monotonic() - started < 60  # no long retry loop
    lines = via_hub.stderr.splitlines()
    assert any(line.startswith("aegan-tests/tiny-cgan: the Hub is unreachable (")
               and line.endswith(f"; using the local folder {root / 'tiny-cgan'}") for line in lines), lines
    local = python("-m", "aegan", "sample", "--model", root / "tiny-cgan", "--n", 4, "--device", "cpu",
                   "--out", tmp_path / "local.npz")
    assert local.returncode == 0
    assert np.array_equal(np.load(tmp_path / "hub.npz")["images"], np.load(tmp_path / "local.npz")["images"])
