"""The Training tab's live run: a small AE-GAN trained in the page (training/live.py runs it), its grid and loss
plots streamed while it learns, with the knobs that teach and presets that break the recipe on purpose.

One run trains at a time on a server: the `train` event's concurrency limit is 1, so a second visitor's run
waits in Gradio's queue, which shows their place in it. A run ends when it finishes, at its limits, when Stop
is pressed (the event cancels `train`, Gradio's `cancels=`, and stops the session's run), and when its page is
closed (demo.unload). Its temporary folder goes with it; its film stays in the session, for the player above.
The run trains in a process of its own (on the CPU, or this machine's GPU): no ZeroGPU allowance is asked for.

Events (api_name = the pipeline verb):
    train           (dataset, stage-1 steps, stage-2 steps, KL weight, adversarial weight, three learning rates)
                    -> streams the latest grid, the four loss plots and a status line, every second
(ui/training.py wires Stop and the player's load_live_film after a run.)
"""

from __future__ import annotations

import json
import threading

import gradio as gr

from training import live as runs

from .controls import DATASET, RAW, explain
from .films import FRAME_CSS, frame_data_url, new_plots, plot_updates, stage_of
from .media import BLANK
from .requests import Choice, Range, friendly

PRESET = Choice("Preset", (("the recipe", "recipe"), ("break it: no KL", "no-kl"),
                           ("break it: D too strong", "strong-d"), ("break it: no stage 1", "no-stage-1")))
KNOBS = {  # training/live.py's bounds, with the page's words
    "ae_steps": ("Stage 1 steps (autoencoder)", 50), "gan_steps": ("Stage 2 steps (GAN)", 50),
    "kl_weight": ("KL weight", 0.005), "adversarial_weight": ("Adversarial weight (L_G in G's loss)", 0.1),
    "ae_lr": ("Stage 1 learning rate (E and G)", None), "g_lr": ("Stage 2 learning rate of E and G", None),
    "d_lr": ("Stage 2 learning rate of D", None)}
READERS = {name: Range(label, *runs.BOUNDS[name], whole=name in runs.WHOLE, step=step)
           for name, (label, step) in KNOBS.items()}
GRID_HTML = '<img alt="the live run\'s samples" src="${value}">'

EXPLAIN = f"""### Train one yourself
A small AE-GAN learns here, in front of you, on {runs.IMAGES:,} training images of the chosen dataset. The
grid and the curves update every second or two: watch the shapes appear in stage 1 and sharpen in stage 2.
Each knob is a part of the recipe; the presets break it on purpose (see *what to look for* above). A run
may take up to {runs.MAX_STEPS:,} steps and {runs.MAX_SECONDS // 60} minutes. **One run trains at a time on
this server**: if someone else's is training, yours waits in the queue and shows its place there."""

_sessions: dict[str, runs.LiveRun] = {}  # the run of each session that has one, so that Stop and unload find it
_lock = threading.Lock()


def _status(progress: runs.Progress) -> str:
    film, step, total = progress.film, progress.step, progress.total_steps
    if progress.state == "starting":
        return "Starting: loading the images and the model…"
    if progress.state == "finished":
        return f"**Finished**: {total:,} steps in {progress.seconds:.0f} s. Its film plays back above."
    if progress.state == "stopped":
        return f"**Stopped at step {step:,} of {total:,}**: {progress.reason}. Its film so far plays back above."
    if progress.state == "failed":
        return f"**The run ended at step {step:,} of {total:,}**: {progress.reason.rstrip('.')}."
    rate = f" · {progress.steps_per_second:.1f} steps/s" if progress.steps_per_second else ""
    return f"Step **{step:,}** of {total:,} · {stage_of(film, step)}{rate} · {progress.seconds:.0f} s"


@friendly
def train(dataset, ae_steps, gan_steps, kl_weight, adversarial_weight, ae_lr, g_lr, d_lr, request: gr.Request):
    """Train a small AE-GAN live: yields (the latest grid, four plots, a status line, the film so far)."""
    values = dict(zip(KNOBS, (ae_steps, gan_steps, kl_weight, adversarial_weight, ae_lr, g_lr, d_lr)))
    options = runs.LiveOptions(dataset=DATASET.read(dataset),
                               **{name: READERS[name].read(value) for name, value in values.items()})
    session = request.session_hash if request is not None else None
    with runs.LiveRun(options) as run:
        with _lock:
            _sessions[session] = run
        try:
            shown = None
            for progress in run.follow(every=1.0):
                film = progress.film
                fresh = film is not None and (film.steps != shown or progress.over)  # a script reads the last whole
                plots = plot_updates(film) if fresh else [gr.skip()] * 4
                grid = frame_data_url(film, -1) if fresh else gr.skip()
                shown = film.steps if film is not None else None
                yield grid, *plots, _status(progress), film
        finally:
            with _lock:
                if _sessions.get(session) is run:
                    del _sessions[session]


def stop_session(session) -> bool:
    """Stop the run of a session (its session hash); False when it has none training."""
    with _lock:
        run = _sessions.get(session)
    if run is not None:
        run.stop("you pressed Stop")
    return run is not None


def end_session(request: gr.Request) -> None:
    """demo.unload: the page was closed or reloaded, so its run (if any) ends and its folder is deleted."""
    stop_session(request.session_hash)


def build_live_section(dataset: gr.Radio, demo: gr.Blocks, live_film: gr.State) -> dict:
    """The live run's controls and outputs, the presets and the `train` event (returned as `event`, for the
    player to follow it); `live_film`: the session's State for the run's film."""
    explain(EXPLAIN)
    preset = gr.Radio(PRESET.choices, value="recipe", label=PRESET.label)
    with gr.Row():
        sliders = [gr.Slider(**READERS[name].slider(value=runs.RECIPE[name])) for name in list(KNOBS)[:4]]
    with gr.Row():
        rates = [gr.Number(value=runs.RECIPE[name], label=READERS[name].label, minimum=READERS[name].minimum,
                           maximum=READERS[name].maximum, step=1e-5) for name in list(KNOBS)[4:]]
    knobs = sliders + rates
    with gr.Row():
        go = gr.Button("Train", variant="primary", elem_id="live-train")
        halt = gr.Button("Stop", variant="stop", elem_id="live-stop")
    status = gr.Markdown("", elem_id="live-status")
    with gr.Row(equal_height=False):
        grid = gr.HTML(BLANK, html_template=GRID_HTML, css_template=FRAME_CSS, js_on_load=None,
                       elem_id="live-grid", label="The live run's samples (one row per class)", container=True,
                       min_width=240)
        with gr.Column(scale=2, min_width=360):
            plots = new_plots("live-plot")

    # A preset fills the knobs in the page (no request).
    table = {name: [runs.PRESETS[name][knob] for knob in KNOBS] for name in runs.PRESETS}
    preset.input(None, preset, knobs, js=f"(name) => ({json.dumps(table)})[name]")
    event = go.click(train, [dataset, *knobs], [grid, *plots, status, live_film], api_name="train",
                     concurrency_id="train", concurrency_limit=1, trigger_mode="once", **RAW)
    demo.unload(end_session)
    return dict(preset=preset, knobs=knobs, train_button=go, stop_button=halt, status=status, grid=grid,
                live_plots=plots, event=event)
