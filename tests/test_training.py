import json
import subprocess
import sys

import torch

from training.__main__ import main as training_main
from training.config import preset
from training.export import export_run
from training.loop import train
from training.state import load_state, new_run_dir

from aegan.models import load_model
from aegan.pipeline import sample


def test_two_stage_smoke_run_and_export(tmp_path):
    cfg = preset("tiny")
    run_dir = train(cfg, new_run_dir(tmp_path / "runs", "tiny"), progress=False)
    assert run_dir.name == "00000-tiny"
    stats = [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]
    assert [s["stage"] for s in stats] == ["ae", "ae", "gan", "gan"]
    assert all(k in stats[-1] for k in ("d_loss", "g_adv", "mse", "kl"))
    assert list((run_dir / "samples").glob("step-*.png"))
    out = export_run(run_dir, tmp_path / "checkpoints" / "tiny-cgan")
    card = (out / "README.md").read_text()
    assert "synthetic strokes, train split" in card and "4 steps" in card
    x, y = sample(load_model(out), 10, seed=0)
    assert x.shape == (10, 1, 28, 28)


def test_new_runs_never_overwrite(tmp_path):
    assert [new_run_dir(tmp_path, "a").name for _ in range(3)] == ["00000-a", "00001-a", "00002-a"]


def test_resume_equals_uninterrupted_run(tmp_path):
    straight = train(preset("tiny", ae_steps=2, gan_steps=3), tmp_path / "straight", progress=False)
    # Interrupted after 3 steps (checkpoint written at the end of that run), then resumed to 5.
    resumed = tmp_path / "resumed"
    train(preset("tiny", ae_steps=2, gan_steps=1), resumed, progress=False)
    train(preset("tiny", ae_steps=2, gan_steps=3), resumed, progress=False)
    a, b = load_state(straight), load_state(resumed)
    assert a["step"] == b["step"] == 5
    for key, value in a["model"].items():
        assert torch.allclose(value.float(), b["model"][key].float(), atol=1e-6), key


def test_cli_dry_run_prints_options(capsys):
    assert training_main(["train", "--preset", "mnist", "--gan-steps", "7", "--dry-run"]) == 0
    options = json.loads(capsys.readouterr().out)
    assert options["gan_steps"] == 7 and options["dataset"] == "mnist"


def test_cli_trains_resumes_and_exports(tmp_path):
    runs, checkpoints = tmp_path / "runs", tmp_path / "checkpoints"
    common = ["--runs-dir", str(runs), "--checkpoints-dir", str(checkpoints), "--no-progress"]
    assert training_main(["train", "--preset", "tiny", "--export", "tiny-cgan", *common]) == 0
    run_dir = runs / "00000-tiny"
    assert (checkpoints / "tiny-cgan" / "model.safetensors").exists()
    assert training_main(["train", "--resume", str(run_dir), "--gan-steps", "3", *common]) == 0
    assert load_state(run_dir)["step"] == 5


def test_cli_errors_are_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "training", "train", "--resume", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "options.json" in result.stderr
    result = subprocess.run([sys.executable, "-m", "training", "train", "--batch-size", "1", "--dry-run"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_killed_run_resumes_from_an_intact_state(tmp_path):
    """SIGKILL while state.pt is rewritten after every step: the file on disk is always whole."""
    import signal
    import time

    runs = tmp_path / "runs"
    command = [sys.executable, "-m", "training", "train", "--preset", "tiny", "--gan-steps", "100000",
               "--checkpoint-seconds", "0", "--runs-dir", str(runs), "--no-export", "--no-progress"]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    run_dir = runs / "00000-tiny"
    deadline = time.monotonic() + 60
    while not (run_dir / "state.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()
    step = load_state(run_dir)["step"]
    assert step >= 1
    assert training_main(["train", "--resume", str(run_dir), "--gan-steps", str(step), "--no-export",
                          "--no-progress", "--runs-dir", str(runs)]) == 0
    assert load_state(run_dir)["step"] == step + 2  # ae_steps (2) + gan_steps
