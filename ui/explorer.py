"""Tab 1, Latent explorer: walk between two endpoints (a seed, a class, a drawing or an upload pushed
through the encoder) by lerp or slerp; move both along the main directions of the latent space; see the
whole walk as a strip and export it as a GIF.

The t slider answers inside the page: each walk reaches the browser drawn at all 101 positions of the slider
(PNG data: URLs, about 50 kB), and moving t only swaps the frame shown (WALK_VIEW_JS), with no request.
The server is asked for a new walk only when the walk changes: new endpoints, a direction, the path.

Events (api_name = the pipeline verb):
    encode          endpoints (+ path, directions, t) -> the walk (session state), previews, notes, view, strip
    move_along      the path or a direction slider changed -> the moved walk, view, strip
    interpolate     (t) -> the frame at t of the session's walk: for scripts (the page needs no request)
    interpolate_gif the whole walk -> an animated GIF
"""

from __future__ import annotations

import gradio as gr
import numpy as np

from aegan.errors import InputError

from .controls import (DATASET, HEAVY, LIGHT, LIVE, RAW, SEED, class_choice, class_choices, explain, image_output,
                       seed_number, sketchpad, source_follows_tabs, upload)
from .loading import get_directions, get_model, gpu, model_key, session_of
from .media import ASK_FOR, BLANK, png_data_url, read_chosen, show, show_strip, write_gif
from .requests import Choice, Range, friendly

N_DIRECTIONS = 5  # sliders for the first principal directions (the shipped file has 8)
T_STEPS = 100  # the t slider moves in steps of 1/100: the walk is drawn at its 101 positions
STRIP_STEPS = np.arange(0, T_STEPS + 1, T_STEPS // 10)  # the strip: t = 0, 0.1, ..., 1
GIF_FRAMES = 24
AUTO = "auto (seed picks / E guesses)"
T = Range("t: from A (0) to B (1)", 0.0, 1.0, step=1 / T_STEPS)
PATH = Choice("Path", (("slerp (around the sphere)", "slerp"), ("lerp (straight line)", "lerp")))
SOURCE = Choice("Source", (("seed", "seed"), ("drawing", "drawing"), ("upload", "upload")))
CLASS = class_choice("Class", AUTO)
DIRECTIONS = [Range(f"Direction {i + 1}", -3.0, 3.0, step=0.1, default=0.0) for i in range(N_DIRECTIONS)]

EXPLAIN = """**What E, G and D do here.** The generator **G** turns a code *z* (32 numbers) and a class into an
image, so every point on the way from code A to code B is an image too: the slider walks that path (the
whole walk is already in your browser, so dragging asks the server for nothing). For a drawing or an
upload, the encoder **E** finds the code and class that G would need to draw it (the preview is G's
re-drawing). The discriminator **D** is not called here; in training it taught G which codes look real,
which is why the in-between images look like clothes or digits, not blurs."""

# The shown frame: an <img> whose source is one of the walk's frames. Its value is {'frames': [101 PNG data:
# URLs], 'k': the position shown}; moving #walk-t (drag, click, keys, touch, or typing in its number box) fires
# 'input' events that bubble to the document, and the frame at that position replaces the image's source.
WALK_VIEW_HTML = ('<img alt="the walk at t" data-k="${value.k}" '
                  f'src="${{value.frames.length ? value.frames[value.k] : \'{BLANK}\'}}">')
WALK_VIEW_JS = """
const show = (t) => {
  const frames = props.value && props.value.frames, img = element.querySelector('img');
  const k = Math.round(Math.min(1, Math.max(0, Number(t))) * (frames ? frames.length - 1 : 0));
  if (!img || !frames || !frames.length || Number.isNaN(k) || img.dataset.k === String(k)) return;
  img.src = frames[k];
  img.dataset.k = String(k);
};
const slider = () => document.querySelector('#walk-t input[type="range"]');
const onInput = (event) => {
  if (!element.isConnected) return document.removeEventListener('input', onInput, true);
  if (event.target.closest && event.target.closest('#walk-t')) show(event.target.value);
};
document.addEventListener('input', onInput, true);
watch('value', () => { if (slider()) show(slider().value); });
"""


# --- callbacks (module level so tests can call them) ----------------------------------------------------

def _endpoint(model, source: str, seed: int, label: int, read):
    """One endpoint of the walk and a note for the student. `read`: the drawing or upload (media.read_chosen's),
    or None for the seed."""
    from aegan.images import to_tensor
    from aegan.pipeline import check_label, draw_latents, encode
    from aegan.walk import Endpoint

    names, k = model.class_names, model.config.num_classes
    if label != -1:
        check_label(model, label)
    note = ""
    if read is not None:
        image, notes = read
        z, probs = encode(model, to_tensor(image))  # z [1, L], probs [1, K]
        guess = int(probs[0].argmax())
        chosen = guess if label == -1 else label
        note = f"E reads it as **{names[guess]}** ({float(probs[0, guess]):.0%})"
        if chosen != guess:
            note += f"; drawn as **{names[chosen]}**"
        if notes:
            note += " · " + ", ".join(notes)
        return Endpoint.of(z[0], chosen, encoded=True), note
    if source in ASK_FOR:  # not a warning: picking the Draw or Upload tab before drawing is the normal way in
        note = f"_({ASK_FOR[source]} to use it; until then:)_ "
    chosen = seed % k if label == -1 else label
    endpoint = Endpoint.of(draw_latents(model, 1, seed=seed)[0], chosen)  # as sample() draws it
    return endpoint, note + f"seed {seed}, class **{names[chosen]}**"


def _moves(*values) -> list[float]:
    return [reader.read(value) for reader, value in zip(DIRECTIONS, values, strict=True)]


def _check(walk, dataset: str, session: str | None = None):
    """The session's walk, if it was set with the model the session now draws `dataset` with."""
    if walk is None or walk.dataset != model_key(dataset, session):
        raise InputError("the endpoints are not set for this dataset yet; set them first (the encode event)")
    return walk


@gpu(seconds=5)
def _draw(dataset: str, walk, fractions, session: str | None = None) -> np.ndarray:
    """uint8 [T, 28, 28]: the walk at `fractions` (drawn by the session's model of `dataset`: _check)."""
    from aegan.images import to_uint8
    from aegan.walk import draw

    model, directions = get_model(dataset, session=session), get_directions(dataset, session)
    return to_uint8(draw(model, walk, fractions, directions))


def _shown(dataset: str, walk, t: float, session: str | None = None) -> tuple[dict, object]:
    """The page's view of the walk (every slider position, the one at t shown) and the strip."""
    frames = _draw(dataset, walk, np.arange(T_STEPS + 1) / T_STEPS, session)  # [101, 28, 28]
    view = {"frames": [png_data_url(frame) for frame in frames], "k": int(round(t * T_STEPS))}
    return view, show_strip(frames[STRIP_STEPS])


@friendly
def encode(dataset, a_source, a_seed, a_class, a_drawing, a_upload, b_source, b_seed, b_class, b_drawing, b_upload,
           method, t, direction_1, direction_2, direction_3, direction_4, direction_5, request: gr.Request = None):
    """Set both endpoints (E encodes drawings and uploads): the walk, both previews and notes, view and strip.
    The directions are named parameters so that /gradio_api/info and scripts call them direction_1..5."""
    from aegan.images import to_uint8
    from aegan.walk import Walk, preview

    dataset, method, t = DATASET.read(dataset), PATH.read(method), T.read(t)
    moves = _moves(direction_1, direction_2, direction_3, direction_4, direction_5)
    sides = []
    for side, (source, seed, label, drawing, picture) in (("A", (a_source, a_seed, a_class, a_drawing, a_upload)),
                                                          ("B", (b_source, b_seed, b_class, b_drawing, b_upload))):
        source = SOURCE.read(source)
        sides.append((source, SEED.read(seed), CLASS.read(label),
                      read_chosen(source, drawing, picture, f"Draw {side}", f"Upload {side}")))
    session = session_of(request)
    model = get_model(dataset, session=session)
    (a, note_a), (b, note_b) = (_endpoint(model, *side) for side in sides)
    walk = Walk(a, b, method, tuple(moves), dataset=model_key(dataset, session))
    preview_a, preview_b = (show(to_uint8(preview(model, end))[0], 4) for end in (a, b))
    return walk, preview_a, note_a, preview_b, note_b, *_shown(dataset, walk, t, session)


@friendly
def move_along(dataset, method, t, direction_1, direction_2, direction_3, direction_4, direction_5, walk,
               request: gr.Request = None):
    """The walk with a new path or moved along the main directions: the walk, view and strip."""
    dataset, session = DATASET.read(dataset), session_of(request)
    walk = _check(walk, dataset, session).with_(
        method=PATH.read(method), moves=_moves(direction_1, direction_2, direction_3, direction_4, direction_5))
    return walk, *_shown(dataset, walk, T.read(t), session)


@friendly
def interpolate(dataset, t, walk, request: gr.Request = None):
    """The frame at fraction t of the session's walk (for scripts: the page looks frames up itself)."""
    dataset, session = DATASET.read(dataset), session_of(request)
    walk = _check(walk, dataset, session)
    return show(_draw(dataset, walk, [T.read(t)], session)[0])


@friendly
def interpolate_gif(dataset, walk, request: gr.Request = None):
    """The walk A -> B -> A as an endlessly looping GIF file."""
    dataset, session = DATASET.read(dataset), session_of(request)
    walk = _check(walk, dataset, session)
    there = np.linspace(0.0, 1.0, GIF_FRAMES)
    return write_gif(_draw(dataset, walk, np.concatenate([there, there[::-1][1:-1]]), session))  # ping-pong


# --- layout and wiring -------------------------------------------------------------------------------------

def _endpoint_column(side: str, dataset: str, seed: int):
    """Controls of one endpoint; the source follows the inner tab the user picks."""
    gr.Markdown(f"### Endpoint {side}")
    source = gr.Radio(SOURCE.choices, value="seed", label=f"{side} comes from", visible=False)
    with gr.Tabs():
        with gr.Tab("Seed", id=f"{side}-seed") as seed_tab:
            seed_box = seed_number(f"Seed {side}", seed)
        with gr.Tab("Draw", id=f"{side}-draw") as draw_tab:
            drawing = sketchpad(f"Draw {side}", elem_id=f"sketch-{side.lower()}")
        with gr.Tab("Upload", id=f"{side}-upload") as upload_tab:
            picture = upload(f"Upload {side}")
    klass = gr.Dropdown(class_choices(dataset, AUTO), value=-1, label=f"Class of {side}",
                        info="auto: the seed picks a class; for a drawing, E's guess")
    preview = image_output(f"{side} as G draws it", height=130)
    note = gr.Markdown()
    source_follows_tabs(source, ((seed_tab, "seed"), (draw_tab, "drawing"), (upload_tab, "upload")), drawing, picture)
    return dict(source=source, seed=seed_box, klass=klass, drawing=drawing, picture=picture, preview=preview,
                note=note)


def build_explorer_tab(dataset: gr.Radio, demo: gr.Blocks) -> dict:
    """Layout and wiring of the latent explorer; returns its components by name."""
    explain(EXPLAIN)
    walk = gr.State(None)  # per user: the aegan.walk.Walk drawn last; always the last input, so that extra
    # values a script sends are dropped after the values it means rather than shifted onto them
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280):
            a = _endpoint_column("A", dataset.value, seed=1)
        with gr.Column(scale=2, min_width=360):
            view = gr.HTML({"frames": [], "k": 0}, html_template=WALK_VIEW_HTML, js_on_load=WALK_VIEW_JS,
                           elem_id="walk-frame", label="The walk at t", container=True)
            t = gr.Slider(**T.slider(value=0.5, elem_id="walk-t"))
            method = gr.Radio(PATH.choices, value="slerp", label=PATH.label)
            strip = image_output("The whole walk, A to B", height=110)
            with gr.Accordion("Main directions of the latent space (PCA of encoded training images)", open=True):
                moves = [gr.Slider(**d.slider(value=0.0, info="in standard deviations of real images' codes"
                                              if i == 0 else None)) for i, d in enumerate(DIRECTIONS)]
                reset = gr.Button("Reset directions", size="sm")
            with gr.Row():
                make_gif = gr.Button("Export the walk as GIF")
                gif = image_output("walk.gif (right-click or the download button to save)", type="filepath",
                                   height=130, elem_id="walk-gif")
            frame = gr.Image(visible=False, format="png", type="pil")  # the interpolate endpoint's answer
            for_scripts = gr.Button(visible=False)
        with gr.Column(scale=1, min_width=280):
            b = _endpoint_column("B", dataset.value, seed=2)

    endpoint_inputs = [a["source"], a["seed"], a["klass"], a["drawing"], a["picture"],
                       b["source"], b["seed"], b["klass"], b["drawing"], b["picture"]]
    triggers = [demo.load, dataset.change]
    for side in (a, b):
        triggers += [side[name].change for name in ("source", "seed", "klass", "drawing", "picture")]
    gr.on(triggers, encode, [dataset, *endpoint_inputs, method, t, *moves],
          [walk, a["preview"], a["note"], b["preview"], b["note"], view, strip],
          api_name="encode", trigger_mode="always_last", **HEAVY, **RAW)
    gr.on([method.change, *[s.change for s in moves]], move_along, [dataset, method, t, *moves, walk],
          [walk, view, strip], api_name="move_along", trigger_mode="always_last", show_progress="hidden", **LIVE,
          **RAW)
    for_scripts.click(interpolate, [dataset, t, walk], frame, api_name="interpolate", **LIGHT, **RAW)
    reset.click(None, None, moves, js=f"() => {[0] * N_DIRECTIONS}")
    make_gif.click(interpolate_gif, [dataset, walk], gif, api_name="interpolate_gif", **HEAVY, **RAW)
    return dict(walk=walk, a=a, b=b, view=view, t=t, method=method, strip=strip, moves=moves, gif=gif,
                class_dropdowns=[(a["klass"], AUTO), (b["klass"], AUTO)])
