"""The training film: recorded through both stages, kept consistent across a kill, exported small, read back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aegan.errors import CheckpointError
from aegan.film import D_SCORES, LOSSES, MAX_FILM_BYTES, Film, load_film, save_film, stages_phrase
from training import film as film_module
from training.config import preset
from training.export import export_run
from training.loop import train
from training.state import load_state, save_state


@pytest.fixture
def few_frames(monkeypatch):
    """A frame every 3 steps and a loss point every 3 steps on a 7-step run, so that resuming crosses
    frames not yet due and loss windows half filled."""
    monkeypatch.setattr(film_module, "FRAMES", 2)
    monkeypatch.setattr(film_module, "LOSS_POINTS", 2)


def tiny():
    return preset("tiny", ae_steps=2, gan_steps=5, checkpoint_seconds=0)  # a state every step


def test_film_records_both_stages(tmp_path, few_frames):
    run_dir = train(tiny(), tmp_path / "run", progress=False)
    record = load_state(run_dir)["film"]
    # The first frame is the untrained model; the stage switch and the last step always get one.
    assert record["frame_steps"] == [0, 2, 3, 6, 7]
    assert sorted(p.name for p in (run_dir / "film").glob("step-*.png")) == \
        [f"step-{s:06d}.png" for s in record["frame_steps"]]
    assert record["gan_start"] == 2 and record["total_steps"] == 7
    losses, scores = record["losses"], record["d_scores"]
    assert set(losses) == set(LOSSES) and set(scores) == set(D_SCORES)
    for name in ("L_rec", "KL", "L_class"):  # both stages; a window never spans the switch
        assert losses[name]["steps"] == [2, 3, 6, 7]
    for name in ("L_D", "L_D_real", "L_D_fake", "L_G", "L_aux"):  # GAN stage only
        assert losses[name]["steps"] == [3, 6, 7]
    assert all(0 < v < 1 for s in scores.values() for v in s["values"])
    assert json.loads((run_dir / "film" / "record.json").read_text()) == json.loads(json.dumps(record))


def test_film_survives_a_kill(tmp_path, few_frames, monkeypatch):
    straight = train(tiny(), tmp_path / "straight", progress=False)

    # Killed at step 6 after drawing that step's frame, before writing its state: the state is step 5's.
    import training.loop

    save_state = training.loop.save_state

    def killed_at_step_6(run_dir, state):
        if state["step"] == 6:
            raise KeyboardInterrupt
        save_state(run_dir, state)

    killed = tmp_path / "killed"
    monkeypatch.setattr(training.loop, "save_state", killed_at_step_6)
    with pytest.raises(KeyboardInterrupt):
        train(tiny(), killed, progress=False)
    monkeypatch.setattr(training.loop, "save_state", save_state)
    assert load_state(killed)["step"] == 5 and (killed / "film" / "step-000006.png").exists()
    (killed / "film" / ".step-000007.png.tmp99").write_bytes(b"half")  # a write the kill cut short

    train(tiny(), killed, progress=False)
    a, b = load_state(straight)["film"], load_state(killed)["film"]
    assert b["frame_steps"] == a["frame_steps"] == [0, 2, 3, 6, 7]  # none lost, none twice
    for kind in ("losses", "d_scores"):
        assert a[kind].keys() == b[kind].keys()
        for name in a[kind]:
            assert a[kind][name]["steps"] == b[kind][name]["steps"], name
            assert np.allclose(a[kind][name]["values"], b[kind][name]["values"], rtol=1e-3), name
    assert sorted(p.name for p in (killed / "film").iterdir()) == sorted(p.name for p in (straight / "film").iterdir())
    for step in a["frame_steps"]:
        frames = [np.asarray(load_png(run / "film" / f"step-{step:06d}.png"), dtype=int) for run in (straight, killed)]
        assert np.abs(frames[0] - frames[1]).max() <= 1, step


def test_export_writes_a_small_film_that_loads_back(tmp_path):
    # A realistic frame count: every step of a 62-step run is a frame (FRAMES = 60).
    run_dir = train(preset("tiny", ae_steps=20, gan_steps=42), tmp_path / "run", progress=False)
    out = export_run(run_dir, tmp_path / "checkpoints" / "tiny-cgan")
    record = load_state(run_dir)["film"]
    assert len(record["frame_steps"]) == 63
    size = (out / "film.png").stat().st_size + (out / "history.json").stat().st_size
    assert size <= MAX_FILM_BYTES

    film = load_film(out)
    assert film.steps == record["frame_steps"] and film.gan_start == 20 and film.total_steps == 62
    assert film.frames.dtype == np.uint8 and film.frames.shape == (63, 302, 182)  # 10 rows of 6, 28 px, 2 between
    for k, step in enumerate(film.steps):
        assert np.array_equal(film.frames[k], np.asarray(load_png(run_dir / "film" / f"step-{step:06d}.png")))
    assert list(film.losses) == list(LOSSES) and list(film.d_scores) == list(D_SCORES)
    steps, values = film.losses["L_rec"]
    assert steps[0] == 1 and steps[-1] == 62 and len(steps) == len(values) == 62
    assert film.losses["L_G"][0][0] == 21  # the GAN stage's curves start with its first step
    assert film.frame_at(20) == 20 and film.frame_at(10_000) == 62
    assert "63 frames" in (out / "README.md").read_text()


def test_a_film_too_big_keeps_fewer_frames(tmp_path):
    """Noise does not compress: save_film drops every other frame (not the first, the stage switch or the
    last) until the film fits its budget."""
    rng = np.random.default_rng(0)
    steps = list(range(0, 8001, 125))
    film = Film(steps=steps, frames=rng.integers(0, 256, (len(steps), 302, 182), dtype=np.uint8),
                gan_start=2000, total_steps=8000)
    save_film(tmp_path, film)
    assert (tmp_path / "film.png").stat().st_size + (tmp_path / "history.json").stat().st_size <= MAX_FILM_BYTES
    loaded = load_film(tmp_path)
    assert 2 < len(loaded.steps) < len(steps) and {0, 2000, 8000} <= set(loaded.steps)
    for k, step in enumerate(loaded.steps):
        assert np.array_equal(loaded.frames[k], film.frames[steps.index(step)])


def test_no_film_is_none(tmp_path):
    assert load_film(tmp_path) is None


@pytest.fixture
def saved_film(tmp_path):
    steps = [0, 5, 10]
    frames = np.arange(3 * 62 * 32, dtype=np.uint8).reshape(3, 62, 32)
    save_film(tmp_path, Film(steps=steps, frames=frames, gan_start=5, total_steps=10, rows=2, columns=1,
                             losses={"L_rec": (np.array([5, 10]), np.array([0.5, 0.25]))}))
    return tmp_path


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / "history.json").unlink(), r"history.json: file is missing"),
    (lambda f: (f / "film.png").unlink(), r"film.png: file is missing"),
    (lambda f: (f / "history.json").write_text('{"format": "aegan-film", "vers'), r"history.json: not readable JSON"),
    (lambda f: (f / "history.json").write_text("[]"), r"history.json: not a training film of version 1"),
    (lambda f: edit_history(f, lambda h: h.pop("gan_start")), r"not a valid training film \(gan_start is missing"),
    (lambda f: edit_history(f, lambda h: h["frames"].update(steps=[0, 10, 5])), r"3 increasing steps"),
    (lambda f: edit_history(f, lambda h: h["frames"].update(count=4, steps=[0, 1, 2, 3])), r"a PNG of 32x186"),
    (lambda f: edit_history(f, lambda h: h["frames"].update(rows=3)), r"cannot hold 3 rows of 1 images"),
    (lambda f: edit_history(f, lambda h: h["losses"]["L_rec"].update(values=[1.0])), r"L_rec needs as many values"),
    (lambda f: (f / "film.png").write_bytes((f / "film.png").read_bytes()[:-60]), r"film.png: not a readable PNG"),
    (lambda f: (f / "film.png").write_bytes(b"GIF89a not a png"), r"film.png: not a readable PNG"),
])
def test_damaged_film_is_one_line(saved_film, damage, message):
    assert load_film(saved_film).steps == [0, 5, 10]
    damage(saved_film)
    with pytest.raises(CheckpointError, match=message) as error:
        load_film(saved_film)
    assert "\n" not in str(error.value)


def edit_history(folder, change) -> None:
    history = json.loads((folder / "history.json").read_text())
    change(history)
    (folder / "history.json").write_text(json.dumps(history))


def load_png(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.copy()


def test_export_of_a_run_without_film_removes_a_stale_one(tmp_path):
    run_dir = train(preset("tiny", ae_steps=1, gan_steps=1), tmp_path / "run", progress=False)
    out = export_run(run_dir, tmp_path / "out")
    assert load_film(out) is not None
    state = load_state(run_dir)
    del state["film"]  # as a run from before films
    save_state(run_dir, state)
    export_run(run_dir, out)
    assert load_film(out) is None and "Training film" not in (out / "README.md").read_text()


def test_the_stages_of_a_run_are_said_for_two_stage_and_one_stage_runs():
    # The player's note and the model card say the same: the AE and VAE never reach the GAN stage, the GAN starts in it.
    assert stages_phrase(2000, 12000) == "the GAN stage from step 2,000"
    assert stages_phrase(8000, 8000) == "the autoencoder stage only"
    assert stages_phrase(0, 4000) == "the GAN stage only"
