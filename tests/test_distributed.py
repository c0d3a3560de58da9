"""Training across processes: torchrun with two CPU processes (gloo) on the tiny preset."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from training import distributed
from training.loop import _batch_indices
from training.state import load_state

REPO = Path(__file__).resolve().parents[1]


def torchrun(*args, processes: int = 2) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               "-m", "training", "train", "--preset", "tiny", "--device", "cpu", "--no-export", "--no-progress",
               *map(str, args)]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_two_processes_train_one_model_and_resume(tmp_path):
    runs, weights = tmp_path / "runs", tmp_path / "weights"
    first = torchrun("--ae-steps", 2, "--gan-steps", 1, "--runs-dir", runs, "--rank-weights", weights / "first")
    assert first.returncode == 0, first.stderr[-3000:]
    assert [p.name for p in runs.iterdir()] == ["00000-tiny"]  # only rank 0 made a run folder
    run_dir = runs / "00000-tiny"
    assert first.stderr.count("run folder:") == 1

    # Resume with two processes again (rank 0 reads the state and sends it to rank 1), through both stages.
    again = torchrun("--resume", run_dir, "--gan-steps", 3, "--runs-dir", runs, "--rank-weights", weights / "again")
    assert again.returncode == 0, again.stderr[-3000:]
    assert [p.name for p in runs.iterdir()] == ["00000-tiny"]
    for stage in ("first", "again"):
        rank0, rank1 = (load_file(str(weights / stage / f"rank-{r}.safetensors")) for r in (0, 1))
        assert rank0.keys() == rank1.keys() and len(rank0) > 100  # model and EMA: parameters and buffers
        for key, value in rank0.items():
            assert torch.equal(value, rank1[key]), f"{stage}: {key} differs between the ranks"

    state = load_state(run_dir)
    assert state["step"] == 5 and state["images_seen"] == 5 * 2 * 16  # two ranks of 16 images a step
    for key, value in state["model"].items():  # rank 0's model is what the checkpoint holds
        assert torch.equal(value, rank0[f"model.{key}"]), key
    stats = [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]
    assert [s["step"] for s in stats] == [1, 2, 3, 4, 5]  # one writer
    assert stats[0]["epoch"] == 0.1  # 32 of the 320 synthetic images a step
    assert "2 processes" in json.loads((run_dir / "done.json").read_text())["device"]
    film = state["film"]  # rank 0 records the film, and it goes on across the resume
    assert film["frame_steps"] == [0, 1, 2, 3, 4, 5] and film["losses"]["L_D"]["steps"] == [3, 4, 5]
    assert sorted(p.name for p in (run_dir / "film").glob("step-*.png")) == [f"step-{s:06d}.png" for s in range(6)]


def test_ranks_take_disjoint_shards_of_one_permutation(monkeypatch):
    """Rank r takes slice r of each global batch: together the ranks cover it once, in every epoch."""
    n, batch, world = 320, 16, 4
    for step in (0, 3, 4, 5, 9):  # 5 global batches an epoch: steps 0-4 are epoch 0, 5-9 epoch 1
        shards = []
        for rank in range(world):
            monkeypatch.setattr(distributed, "rank", lambda r=rank: r)
            monkeypatch.setattr(distributed, "world_size", lambda: world)
            shards.append(_batch_indices(n, batch, step, seed=0))
        together = torch.cat(shards)
        assert len(together) == world * batch and len(set(together.tolist())) == world * batch
    monkeypatch.undo()
    assert torch.equal(_batch_indices(n, batch, 2, seed=0),  # a single process: the plain batch, as before
                       torch.randperm(n, generator=torch.Generator().manual_seed(0))[32:48])
