import json
import subprocess
import sys

import pytest
import torch

from training.__main__ import main as training_main
from training.config import preset
from training.export import export_run
from training.loop import train
from training.state import load_state, new_run_dir

from aegan.errors import InputError
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


def test_bfloat16_runs_under_autocast_and_keeps_float32_weights(tmp_path):
    runs = {p: train(preset("tiny", precision=p), tmp_path / p, progress=False) for p in ("float32", "bfloat16")}
    stats = {p: [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines()] for p, run in runs.items()}
    first = {p: s[0] for p, s in stats.items()}  # the same seeds and batches: only the arithmetic differs
    assert first["bfloat16"]["mse"] != first["float32"]["mse"]  # autocast did run
    assert first["bfloat16"]["mse"] == pytest.approx(first["float32"]["mse"], rel=0.05)
    assert all(torch.isfinite(torch.tensor(v)) for s in stats["bfloat16"] for k, v in s.items() if k != "stage")
    state = load_state(runs["bfloat16"])
    assert {v.dtype for v in state["model"].values() if v.is_floating_point()} == {torch.float32}
    with pytest.raises(InputError, match="precision must be one of float32, bfloat16"):
        preset("tiny", precision="float16")


def test_without_the_auxiliary_class_term_l_aux_is_still_recorded_and_nothing_learned_changes(tmp_path):
    # At weight 0 the loop reads L_aux without a graph (training/loop.py, to spare E's backward pass). A weight
    # far below float32's resolution of the other gradients takes the graph path, and must teach the same weights
    # and BatchNorm statistics: E still reads the fakes in training mode.
    runs = {w: train(preset("tiny", gan_steps=3, aux_class_weight=w), tmp_path / str(w), progress=False)
            for w in (0.0, 1e-30)}
    without, vanishing = (load_state(run)["model"] for run in runs.values())
    assert all(torch.equal(value, vanishing[key]) for key, value in without.items())
    stats = [json.loads(line) for line in (runs[0.0] / "stats.jsonl").read_text().splitlines()]
    assert [s["g_aux"] > 0 for s in stats if s["stage"] == "gan"] == [True] * 3  # one line a GAN step


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


def test_resume_takes_this_runs_learning_rates(tmp_path):
    """The optimizer moments come from the state, the learning rates from the resumed run's options (so a
    diverged run can go on from its last good state with a smaller --gan-lr)."""
    run_dir = train(preset("tiny", ae_steps=2, gan_steps=1), tmp_path / "run", progress=False)
    train(preset("tiny", ae_steps=2, gan_steps=2, gan_lr=1e-5), run_dir, progress=False)
    optimizers = load_state(run_dir)["optimizers"]
    assert optimizers["eg"]["param_groups"][0]["lr"] == optimizers["d"]["param_groups"][0]["lr"] == 1e-5
    assert optimizers["eg"]["state"]  # the Adam moments were kept


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path):
    from training.state import atomic_write_bytes, remove_temp_files, trim_stats

    (tmp_path / "samples").mkdir()
    leftovers = [tmp_path / ".state.pt.tmp123", tmp_path / "samples" / ".step-000020.png.tmp9"]
    for path in leftovers:
        path.write_bytes(b"half")
    (tmp_path / "state.pt").write_bytes(b"whole")
    assert sorted(remove_temp_files(tmp_path)) == sorted(leftovers)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["state.pt"]

    stats = tmp_path / "stats.jsonl"  # killed after its state of step 2, in the middle of a line
    stats.write_text('{"step": 1}\n{"step": 2}\n{"step": 3}\n{"st')
    trim_stats(stats, 2)
    assert stats.read_text() == '{"step": 1}\n{"step": 2}\n'

    def fail(tmp):  # a write that breaks off leaves neither a temp file nor a changed target
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "state.pt", fail)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file() and p.name != "stats.jsonl"] == ["state.pt"]
    assert (tmp_path / "state.pt").read_bytes() == b"whole"


def test_unreadable_state_is_one_line(tmp_path):
    from aegan.errors import CheckpointError

    (tmp_path / "state.pt").write_bytes(b"PK\x03\x04 not a whole zip")
    with pytest.raises(CheckpointError, match=r"state.pt: not a readable training state"):
        load_state(tmp_path)


def test_calibrate_writes_the_z_scale_that_matches_real_spread(tiny_checkpoint):
    import json
    import subprocess
    import sys

    from aegan.data import load_dataset
    from aegan.models import load_model
    from training.calibrate import SCALES, calibrate_z_scale
    from training.conditions import ClassConditions

    model = load_model(tiny_checkpoint)
    data = load_dataset("synthetic", "train")
    scale, curve = calibrate_z_scale(model, data, ClassConditions(data, 10), count=400)
    assert [s for s, _ in curve] == SCALES and SCALES[0] <= scale <= SCALES[-1]
    crossing = next(((a, b) for a, b in zip(curve, curve[1:]) if a[1] <= 1.0 <= b[1]), None)
    if crossing:  # the scale lies where generated and real spread first agree
        assert crossing[0][0] <= scale <= crossing[1][0]
    # A preset's z_wider (the fashion-mnist ones: 1.05) scales that point; out of range it is refused in one line.
    wider, _ = calibrate_z_scale(model, data, ClassConditions(data, 10), count=400, wider=1.5)
    assert abs(wider - 1.5 * scale) <= 0.02
    from aegan.errors import InputError
    from training.config import preset
    with pytest.raises(InputError, match="z_wider must be between 0.5 and 2"):
        preset("tiny", z_wider=float("nan"))
    done = subprocess.run([sys.executable, "-m", "training.calibrate", "--model", str(tiny_checkpoint)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    written = json.loads((tiny_checkpoint / "config.json").read_text())["z_scale"]
    assert SCALES[0] <= written <= SCALES[-1] and load_model(tiny_checkpoint).config.z_scale == written
    bad = subprocess.run([sys.executable, "-m", "training.calibrate", "--model", str(tiny_checkpoint / "nope")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
