"""Tab 6, Training: a model's training film played back (the grid from fixed noise at every recorded step and
both stages' losses up to it), and a small model trained live in the page (ui/live.py).

The step slider answers inside the page, as the explorer's t slider does: the film reaches the browser once,
every frame a PNG data: URL, and moving the slider (or Play) swaps the frame shown with no request
(FILM_VIEW_JS). The loss plots are Gradio's line plots, redrawn by the server when the slider is let go.

Events (api_name = the pipeline verb):
    load_film     (dataset, which model's film) -> the film for the page, the step slider, plots, a note
    plot_losses   (step) -> the four plots up to that step
    train, stop   the live run (ui/live.py)
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from aegan.film import stages_phrase

from . import live
from .controls import DATASET, LIGHT, LIVE, RAW, explain, when_shown
from .films import EMPTY_VIEW, FRAME_CSS, new_plots, plot_updates, player_view
from .loading import checkpoint_dir, label_of
from .media import BLANK
from .requests import Choice, Range, friendly

SOURCE = Choice("Film of", (("the shipped class model", "cgan"), ("the shipped text model", "text2img"),
                            ("your live run (below)", "live")))
STEP = Range("Step", 0, 10**7, whole=True)
KEEP_S = 3600

EXPLAIN = """**The recipe, as a film.** *Stage 1* trains the encoder **E** and the generator **G** as an
autoencoder: E reads a real image into a code *z*, G draws it back, and two losses pull: **L_rec**, how far
the redrawing is from the image, and **KL**, how far E's codes stray from the bell curve N(0, I) that G will
later be sampled from. *Stage 2* makes G the generator of a GAN: the discriminator **D** learns to tell real
images from G's (**L_D**), and G learns to fool it (**L_G**) while still redrawing real images, so that E stays
G's inverse. The grid is G's drawing of the same fixed random codes (one row per class) after each step shown:
drag the step slider or press Play."""

LOOK_FOR = """**What to look for.**
- **Stage 1, blurry shapes.** The grid turns from grey noise into the classes' shapes within a few hundred
  steps, but blurry: L_rec, a mean squared error, is happiest with the average of what could be there. L_rec
  falls fast, then flattens; KL rises as E packs more of each image into its code, as far as its weight lets it.
- **At the switch, sharp.** Within a few hundred steps of the grey line (the GAN stage starts), the grid
  sharpens and gains detail: blur is exactly what D learns to spot. L_rec may rise a little: a sharp guess
  costs more squared error than a blurry one.
- **D and G balancing.** In a healthy GAN, L_D and L_G level off without either falling to 0, and D's score on
  real images stays a little above its score on G's, neither going to 1 or 0.
- **D winning.** L_D falls, the real score climbs towards 1 and the fake score towards 0, L_G climbs: D tells
  them apart easily and G learns too slowly to catch up, so the grid stays much as stage 1 left it. Try the
  *D too strong* preset (D learns 100 times as fast as G).
- **Mode collapse.** The images of a row become copies of each other: G found one image that fools D. The
  losses may look fine; only the grid shows it.
- **Divergence.** A loss shoots up or becomes NaN; training stops itself and says at which step.
- **No KL.** Without the KL term E may put its codes anywhere: L_rec gets just as small and KL climbs far
  higher, but stage 1's grid, drawn from N(0, I) where E's codes no longer are, stays murky: a good
  autoencoder is not yet a generator. Stage 2 then has to repair it. Try the *no KL* preset.
- **No stage 1.** The GAN starts from noise (still learning to redraw real images: that term stays in stage 2),
  so there is no blurry phase: shapes come straight out of the noise. On these small models it gets there too;
  what stage 1 buys is cheap progress (a GAN step trains D and G, an autoencoder step only E and G) and an
  encoder that already reads images."""

NO_FILM = ("**{model} has no training film.** It was trained before runs recorded their films; a retrained "
           "model carries one. Meanwhile, train a small model live below and play its film here "
           "(*Film of: your live run*).")
NO_MODEL = "**No {model} is installed** (there is no `{folder}` in the checkpoints folder)."
NO_LIVE = "**You have not trained a live run in this session yet**: press *Train* below, then play its film here."

# The shown frame and the Play button. Value: {'frames': [PNG data: URLs], 'steps': [step of each frame],
# 'gan': the step the GAN stage starts, 'total': the run's steps, 'step' and 'k': the step and frame shown}.
# Moving #film-step (drag, keys, typing) fires 'input' events that bubble to the document: the last frame at or
# before that step is shown. Play moves the slider itself, one frame every 150 ms, and lets it go (pointerup:
# the plots' redraw) every 12 frames and at the end.
FILM_VIEW_HTML = (
    f'<img alt="the samples at this step" data-k="${{value.k}}" '
    f'src="${{value.frames.length ? value.frames[value.k] : \'{BLANK}\'}}">'
    '<div class="film-bar"><button type="button" class="film-play" ${value.frames.length ? "" : "disabled"}>'
    '&#9654; Play</button> <span class="film-caption">${value.frames.length ? "step " + value.step + " of " + '
    'value.total : ""}</span></div>')
FILM_VIEW_JS = """
let timer = null;
const slider = () => document.querySelector('#film-step input[type="range"]');
const frameAt = (steps, step) => { let k = 0; while (k + 1 < steps.length && steps[k + 1] <= step) k++; return k; };
const show = (step) => {
  const v = props.value, img = element.querySelector('img'), caption = element.querySelector('.film-caption');
  if (!img || !v || !v.frames || !v.frames.length) return;
  step = Math.min(v.total, Math.max(0, Math.round(Number(step)))); if (Number.isNaN(step)) return;
  const k = frameAt(v.steps, step);
  if (img.dataset.k !== String(k)) { img.src = v.frames[k]; img.dataset.k = String(k); }
  caption.textContent = `step ${step} of ${v.total} · ` + (step < v.gan ? 'stage 1 (autoencoder)' : 'stage 2 (GAN)');
};
const move = (step, release) => {
  const range = slider(); if (!range) return;
  range.value = String(step);
  range.dispatchEvent(new Event('input', {bubbles: true}));
  if (release) range.dispatchEvent(new PointerEvent('pointerup', {bubbles: true}));
};
const button = () => element.querySelector('.film-play');
const pause = () => { clearInterval(timer); timer = null; if (button()) button().innerHTML = '&#9654; Play'; };
const play = () => {
  const v = props.value, range = slider(); if (!v || !v.frames.length || !range) return;
  let k = frameAt(v.steps, Number(range.value)), shown = 0;
  if (k >= v.steps.length - 1) k = -1;  // at the end: play from the start
  button().innerHTML = '&#10074;&#10074; Pause';
  timer = setInterval(() => {
    k += 1; shown += 1;
    const last = k >= v.steps.length - 1;
    move(last ? v.total : v.steps[k], last || shown % 12 === 0);
    if (last) pause();
  }, 150);
};
element.addEventListener('click', (event) => {
  if (event.target.closest && event.target.closest('.film-play')) timer ? pause() : play();
});
const onInput = (event) => {
  if (!element.isConnected) return document.removeEventListener('input', onInput, true);
  if (event.target.closest && event.target.closest('#film-step')) show(event.target.value);
};
document.addEventListener('input', onInput, true);
watch('value', () => { pause(); show(props.value.step); });
"""


def _source_film(dataset: str, source: str, live_film):
    """(the film or None, a note for when there is none)."""
    if source == "live":
        return live_film, "" if live_film is not None else NO_LIVE
    folder = checkpoint_dir(dataset, source)
    model = f"The {label_of(dataset)} {'class' if source == 'cgan' else 'text'} model"
    if not (folder / "config.json").is_file():
        return None, NO_MODEL.format(model=model.lower().replace("the ", "", 1), folder=folder.name)
    film = _shipped_film(folder)
    return film, "" if film is not None else NO_FILM.format(model=model)


_shipped: dict[Path, tuple[int, object]] = {}  # folder -> (history.json's mtime, its Film): one copy for all users


def _shipped_film(folder: Path):
    from aegan.film import HISTORY_FILE, load_film

    try:
        mtime = (folder / HISTORY_FILE).stat().st_mtime_ns
    except OSError:
        mtime = None
    if folder not in _shipped or _shipped[folder][0] != mtime:
        _shipped[folder] = (mtime, load_film(folder))
    return _shipped[folder][1]


@friendly
def load_film(dataset, source, live_film):
    """The film of the chosen model: the session's film, the page's player, the step slider, plots, a note."""
    film, note = _source_film(DATASET.read(dataset), SOURCE.read(source), live_film)
    if film is None:
        return (None, dict(EMPTY_VIEW), gr.Slider(maximum=1, value=0, interactive=False), *plot_updates(None),
                note)
    last = film.steps[-1]  # the total, unless the run was stopped
    steps = f"{film.total_steps:,} steps, {stages_phrase(film.gan_start, film.total_steps)}; {len(film.steps)} frames"
    if last < film.total_steps:
        steps += f" (stopped at step {last:,})"
    return (film, player_view(film, last), gr.Slider(maximum=film.total_steps, value=last, interactive=True),
            *plot_updates(film, last), f"{steps}.")


@friendly
def plot_losses(step, film):
    """The four loss plots of the shown film up to `step` (empty before a film is loaded: load_film)."""
    step = STEP.read(step)
    return tuple(plot_updates(film, None if film is None else min(step, film.total_steps)))


def build_training_tab(dataset: gr.Radio, demo: gr.Blocks, tab: gr.Tab, shown_tab: gr.Textbox) -> dict:
    """Layout and wiring of the Training tab; `tab`: the gr.Tab it is in (the film loads when it is opened, or the
    dataset changes while it is shown), `shown_tab`: which tab the page shows (controls.shown_tab)."""
    explain(EXPLAIN)
    # Per user: the aegan.film.Film shown, and the film of their last live run (kept an hour after its last use).
    film, live_film = gr.State(None, time_to_live=KEEP_S), gr.State(None, time_to_live=KEEP_S)
    source = gr.Radio(SOURCE.choices, value="cgan", label=SOURCE.label)
    note = gr.Markdown()
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=240):
            view = gr.HTML(dict(EMPTY_VIEW), html_template=FILM_VIEW_HTML, js_on_load=FILM_VIEW_JS,
                           css_template=FRAME_CSS, elem_id="film-frame", label="The grid at this step", container=True)
            step = gr.Slider(minimum=0, maximum=1, step=1, value=0, label=STEP.label, interactive=False,
                             elem_id="film-step")
        with gr.Column(scale=2, min_width=360):
            plots = new_plots("film-plot")
    with gr.Accordion("What each curve means, and what to look for", open=False):
        gr.Markdown(LOOK_FOR)
    outputs = [film, view, step, *plots, note]
    gr.on([*when_shown(tab, dataset, shown_tab), source.input], load_film, [dataset, source, live_film], outputs,
          api_name="load_film", trigger_mode="always_last", **LIGHT, **RAW)
    step.release(plot_losses, [step, film], plots, api_name="plot_losses", trigger_mode="always_last",
                 show_progress="hidden", **LIVE, **RAW)
    section = live.build_live_section(dataset, demo, live_film)
    played = [source, *outputs]  # a finished or stopped run: the player plays its film
    section["event"].then(load_live_film, [dataset, live_film], played, api_name="load_live_film", **LIGHT, **RAW)
    section["stop_button"].click(stop, [dataset, live_film], [section["status"], *played], api_name="stop",
                                 cancels=[section["event"]], **LIGHT, **RAW)
    return dict(source=source, film=film, live_film=live_film, view=view, step=step, plots=plots, note=note,
                **section)


@friendly
def load_live_film(dataset, live_film):
    """The player on the session's live run: the Film of choice set to it, then load_film's outputs."""
    return "live", *load_film(dataset, "live", live_film)


@friendly
def stop(dataset, live_film, request: gr.Request):
    """Stop the session's live run (the button also cancels the `train` event); the player plays its film."""
    stopped = live.stop_session(request.session_hash if request is not None else None)
    note = "**Stopped.** Its film so far plays back above." if stopped else "No run of yours is training."
    return note, *load_live_film(dataset, live_film)
