"""The Training tab through the real server: a film played back, and a small model trained live (tiny model,
synthetic strokes: $AEGAN_LIVE=tiny), streamed, stopped, capped and cleaned up; and the live run's limits in
training/live.py itself."""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aegan.errors import InputError
from aegan.film import FRAMES_FILE, HISTORY_FILE, Film, save_film
from test_app import error_of

pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning")]

KNOBS = (0.02, 1.0, 1e-3, 2e-4, 2e-4)  # KL weight, adversarial weight, three learning rates (the recipe's)
LONG = (1500, 1500)  # steps no test waits for: runs that are stopped


def wait_for(condition, what: str, timeout: float = 120.0):
    """Poll until `condition()` is true; a generous deadline, so only a real failure fails."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:g} s for {what}"
        time.sleep(0.1)


def streamed_grids(job) -> set[str]:
    """The distinct grids a /train job has streamed so far (its other outputs leave the grid unchanged)."""
    return {output[0] for output in job.outputs() if isinstance(output[0], str)}


def decoded(url: str) -> np.ndarray:
    header, _, payload = url.partition(",")
    assert header == "data:image/png;base64", header
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(payload))))


def rows(plot: dict) -> list[list]:
    """A line plot's rows [step, value, curve]."""
    value = plot["value"]
    assert value["columns"] == ["step", "value", "curve"]
    return value["data"]


def points(plot: dict) -> list[list]:
    """The rows of its curves' points: not the two corners of the axes (curves named by spaces) nor the one
    point at step 0 of each curve that has none yet (loss points start after a step)."""
    return [row for row in rows(plot) if row[2].strip() and row[0] > 0]


def corners(plot: dict) -> list[list]:
    return [row[:2] for row in rows(plot) if not row[2].strip()]


def tiny_film() -> Film:
    """5 frames (frame k all grey level 50 k), 40 steps, the GAN stage from step 20."""
    frames = np.stack([np.full((302, 182), 50 * k, np.uint8) for k in range(5)])
    every, gan = np.arange(2, 41, 2), np.arange(22, 41, 2)
    losses = {"L_rec": (every, np.linspace(0.3, 0.05, 20)), "KL": (every, np.linspace(5, 20, 20)),
              "L_class": (every, np.linspace(2, 0.1, 20)), "L_D": (gan, np.full(10, 1.2)),
              "L_G": (gan, np.full(10, 0.8))}
    scores = {"real": (gan, np.full(10, 0.6)), "fake": (gan, np.full(10, 0.4))}
    return Film(steps=[0, 10, 20, 30, 40], frames=frames, gan_start=20, total_steps=40, losses=losses, d_scores=scores)


@pytest.fixture
def mnist_film(server):
    """A film in the server's MNIST class model folder (Fashion-MNIST's keeps none, as the shipped ones)."""
    from aegan.data import local_checkpoints

    folder = local_checkpoints() / "mnist-cgan"
    save_film(folder, tiny_film())
    yield folder
    for name in (HISTORY_FILE, FRAMES_FILE):
        (folder / name).unlink(missing_ok=True)


@pytest.fixture
def live_dir(tmp_path, monkeypatch) -> Path:
    """Live runs of a tiny model on synthetic strokes, in a folder of this test's."""
    monkeypatch.setenv("AEGAN_LIVE", "tiny")
    monkeypatch.setenv("AEGAN_LIVE_DIR", str(tmp_path))
    return tmp_path


def training_processes(folder: Path) -> list[int]:
    """Pids of live-run processes training in `folder` (Linux's /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(folder) in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:
            pass
    return found


def statuses(job) -> list[str]:
    return [output[-1] for output in job.outputs()]


# --- the player -----------------------------------------------------------------------------------------------

def test_the_player_gets_every_frame_and_the_curves_up_to_the_step(client, mnist_film):
    view, slider, *plots, note = client.predict("mnist", "cgan", api_name="/load_film")
    assert view["steps"] == [0, 10, 20, 30, 40] and (view["gan"], view["total"], view["k"], view["step"]) == \
        (20, 40, 4, 40)
    assert [int(decoded(url).mean()) for url in view["frames"]] == [0, 50, 100, 150, 200]
    assert decoded(view["frames"][0]).shape == (302, 182)
    assert (slider["maximum"], slider["value"], slider["interactive"]) == (40, 40, True)
    assert note == "40 steps, the GAN stage from step 20; 5 frames."
    assert {row[2] for row in points(plots[0])} == {"stage 1 (AE)", "stage 2 (GAN)", "GAN starts"}
    stage_1 = [row[0] for row in points(plots[0]) if row[2] == "stage 1 (AE)"]
    assert stage_1 == list(range(2, 21, 2))  # the point at the switch averages stage-1 steps
    assert [row[:2] for row in points(plots[0]) if row[2] == "GAN starts"] == [[20, 0.0], [20, 0.3]]  # a line
    assert corners(plots[0]) == [[0, 0.3], [40, 0.0]]  # the axes span the whole film, whatever the step
    assert {row[2] for row in points(plots[2])} == {"L_D", "L_G", "GAN starts"}

    plots = client.predict(25, api_name="/plot_losses")  # the slider let go at step 25
    curves = [row for row in points(plots[2]) if row[2] != "GAN starts"]
    assert sorted({row[0] for row in curves}) == [22, 24]
    assert max(row[0] for row in points(plots[0]) if row[2] != "GAN starts") == 24
    assert corners(plots[0]) == [[0, 0.3], [40, 0.0]] and corners(plots[3]) == [[0, 1.0], [40, 0.0]]
    everything = client.predict(40, api_name="/plot_losses")
    assert client.predict(10**6, api_name="/plot_losses") == everything  # past the end: the whole film
    assert len(points(everything[0])) > len(points(plots[0]))


def test_a_model_without_a_film_says_so(client):
    view, slider, *plots, note = client.predict("fashion-mnist", "cgan", api_name="/load_film")
    assert view["frames"] == [] and slider["interactive"] is False
    assert not any(points(plot) for plot in plots)
    assert note.startswith("**The Fashion-MNIST class model has no training film.**")
    *_, note = client.predict("mnist", "live", api_name="/load_film")
    assert note.startswith("**You have not trained a live run in this session yet**")


def test_the_player_refuses_bad_requests_in_one_sentence(client):
    assert error_of(client, "mnist", "vae", api_name="/load_film") == \
        "“Film of” must be one of its choices (cgan, text2img, live), not 'vae'."
    plots = client.predict(5, api_name="/plot_losses")  # no film loaded: no curve
    assert not any(points(plot) for plot in plots)
    assert error_of(client, -1, api_name="/plot_losses") == "“Step” must be from 0 to 10,000,000, not -1."


# --- the live run -------------------------------------------------------------------------------------------

def test_a_live_run_streams_its_grid_and_curves_then_leaves_nothing_behind(client, live_dir):
    job = client.submit("mnist", 12, 12, *KNOBS, api_name="/train")
    job.result(timeout=180)
    outputs = job.outputs()
    # The grid as the stream last showed it (whether it also showed one, or a "Step" line, in between depends on how
    # the 24 tiny steps fall between the runner's one-second polls: they may all fit in one; the long runs below
    # check that the grid changes and the step shows while it trains).
    grids = [output[0] for output in outputs if isinstance(output[0], str)]  # the rest: unchanged (skipped)
    assert grids
    assert decoded(grids[-1]).shape == (302, 182)
    assert statuses(job)[-1].startswith("**Finished**: 24 steps in ")
    final_plots = outputs[-1][1:5]
    assert max(row[0] for row in points(final_plots[0])) == 24
    assert {row[2] for row in points(final_plots[2]) if row[0] > 12} == {"L_D", "L_G"}  # both stages recorded
    assert not list(live_dir.iterdir())  # the temporary folder is gone

    source, view, slider, *_, note = client.predict("mnist", api_name="/load_live_film")
    assert source == "live" and view["steps"][-1] == view["total"] == 24 and view["gan"] == 12  # the cap held
    assert (decoded(view["frames"][-1]) == decoded(grids[-1])).all()
    assert note == "24 steps, the GAN stage from step 12; 25 frames."


def test_stop_ends_the_run_and_the_player_plays_what_it_learnt(client, live_dir):
    job = client.submit("mnist", *LONG, *KNOBS, api_name="/train")
    wait_for(lambda: len(streamed_grids(job)) >= 2, "the grid to change while it trains")
    assert any(s.startswith("Step **") and "of 3,000" in s for s in statuses(job))
    note, source, view, *_ = client.predict("mnist", api_name="/stop")
    assert note == "**Stopped.** Its film so far plays back above." and source == "live" and view["frames"]
    job.result(timeout=60)
    assert "of 3,000**: you pressed Stop." in statuses(job)[-1]
    assert not list(live_dir.iterdir()) and not training_processes(live_dir)
    assert client.predict("mnist", api_name="/stop")[0] == "No run of yours is training."


def test_cancelling_the_train_event_ends_the_run(client, live_dir):
    """What the page's Stop button does too: Gradio's cancels= closes the streaming event."""
    job = client.submit("mnist", *LONG, *KNOBS, api_name="/train")
    wait_for(lambda: any(s.startswith("Step **") for s in statuses(job)), "the first frames")
    job.cancel()
    wait_for(lambda: not list(live_dir.iterdir()) and not training_processes(live_dir), "the run to be cleaned up")


def test_closing_the_page_ends_the_run(server, live_dir):
    from gradio_client import Client

    client = Client(server.local_url, download_files=False, verbose=False)
    job = client.submit("mnist", *LONG, *KNOBS, api_name="/train")
    wait_for(lambda: any(s.startswith("Step **") for s in statuses(job)), "the first frames")
    client.close()  # the session's heartbeat ends, as when a tab is closed: demo.unload
    wait_for(lambda: not list(live_dir.iterdir()) and not training_processes(live_dir), "the run to be cleaned up")


def test_one_live_run_at_a_time_the_next_waits_in_the_queue(server, live_dir):
    from gradio_client import Client
    from gradio_client.utils import Status

    first, second = (Client(server.local_url, download_files=False, verbose=False) for _ in range(2))
    running = first.submit("mnist", *LONG, *KNOBS, api_name="/train")
    wait_for(lambda: any(s.startswith("Step **") for s in statuses(running)), "the first run's frames")
    waiting = second.submit("mnist", 4, 4, *KNOBS, api_name="/train")
    wait_for(lambda: waiting.status().code == Status.IN_QUEUE, "the second run to queue")
    assert waiting.status().rank == 0 and len(list(live_dir.iterdir())) == 1  # first in line; one run trains
    first.predict("mnist", api_name="/stop")
    waiting.result(timeout=180)
    assert statuses(waiting)[-1].startswith("**Finished**: 8 steps")
    wait_for(lambda: not list(live_dir.iterdir()), "both runs to be cleaned up")


def test_knobs_out_of_range_and_the_step_cap_are_refused_in_one_sentence(client, live_dir):
    def refused(*knobs):
        return error_of(client, "mnist", *knobs, api_name="/train")

    assert refused(2000, 1001, *KNOBS) == "Stage 1 and stage 2 steps together must be from 1 to 3,000, not 3,001."
    assert refused(0, 0, *KNOBS) == "Stage 1 and stage 2 steps together must be from 1 to 3,000, not 0."
    assert refused(3001, 0, *KNOBS) == "“Stage 1 steps (autoencoder)” must be from 0 to 3,000, not 3001."
    assert refused(10.5, 0, *KNOBS) == "“Stage 1 steps (autoencoder)” must be a whole number, not 10.5."
    assert refused(10, 10, -0.1, *KNOBS[1:]) == "“KL weight” must be from 0 to 1, not -0.1."
    assert refused(10, 10, 0.02, 11, *KNOBS[2:]) == \
        "“Adversarial weight (L_G in G's loss)” must be from 0 to 10, not 11."
    assert refused(10, 10, *KNOBS[:4], 0) == "“Stage 2 learning rate of D” must be from 1e-05 to 0.01, not 0."
    assert refused(10, 10, *KNOBS[:2], "fast", *KNOBS[3:]) == \
        "“Stage 1 learning rate (E and G)” must be a number, not 'fast'."
    assert error_of(client, "cifar", 10, 10, *KNOBS, api_name="/train").startswith("“Dataset” must be one of")
    assert not list(live_dir.iterdir())


# --- training/live.py's own limits ----------------------------------------------------------------------------

@pytest.fixture
def tiny_runs(monkeypatch):
    monkeypatch.setenv("AEGAN_LIVE", "tiny")


def last(run) -> object:
    progress = None
    for progress in run.follow(every=0.5):
        pass
    return progress


def test_a_run_over_its_memory_or_time_is_ended_and_its_folder_deleted(tmp_path, tiny_runs):
    from training.live import LiveOptions, LiveRun

    with LiveRun(LiveOptions(dataset="synthetic", ae_steps=1500, gan_steps=1500), root=tmp_path,
                 max_memory_mb=1) as run:
        progress = last(run)
    assert progress.state == "stopped" and progress.reason.startswith("it used ")
    assert progress.reason.endswith("MB of memory, over the limit of 1 MB")
    with LiveRun(LiveOptions(dataset="synthetic", ae_steps=1500, gan_steps=1500), root=tmp_path,
                 max_seconds=0) as run:
        progress = last(run)
    assert (progress.state, progress.reason) == ("stopped", "it reached the time limit of 0 s")
    assert not list(tmp_path.iterdir())


def test_one_run_at_a_time_and_abandoned_folders_are_removed(tmp_path, tiny_runs):
    from training.live import PREFIX, LiveOptions, LiveRun

    abandoned = tmp_path / f"{PREFIX}999999999-x"  # a server that was killed (no such process)
    (abandoned / "run").mkdir(parents=True)
    with LiveRun(LiveOptions(dataset="synthetic", ae_steps=2, gan_steps=2), root=tmp_path) as run:
        assert not abandoned.exists() and [p.name for p in tmp_path.iterdir()] == [run.folder.name]
        with pytest.raises(InputError, match="^a live run is already training on this server; try again when"):
            LiveRun(LiveOptions(dataset="synthetic"), root=tmp_path).start()
        assert last(run).state == "finished" and run.film.steps == [0, 1, 2, 3, 4]
    assert not list(tmp_path.iterdir())
    LiveRun(LiveOptions(dataset="synthetic"), root=tmp_path).start().close()  # the slot is free again
    assert not list(tmp_path.iterdir())


def test_live_options_are_checked_by_the_library_too():
    from training.live import LiveOptions

    with pytest.raises(InputError, match="^D's learning rate must be a number from 1e-05 to 0.01, not 1$"):
        LiveOptions(d_lr=1).check()
    with pytest.raises(InputError, match="^unknown dataset 'cifar'"):
        LiveOptions(dataset="cifar").check()
    with pytest.raises(InputError, match="^stage 1 and stage 2 steps together must be from 1 to 3,000, not 4,000$"):
        LiveOptions(ae_steps=2000, gan_steps=2000).check()
