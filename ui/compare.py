"""Tab 7, Compare models: the seed's four families (AE, VAE, GAN, AE-GAN) side by side on the same image, the same
seed and the same two test images, their measured figures and losses, and a latent map of the AE and the VAE
that answers a click with what the decoder draws there.

The families exist for Fashion-MNIST only (checkpoints/fashion-mnist-{ae,vae,gan} beside fashion-mnist-cgan, the
AE-GAN); with MNIST chosen, or a family's checkpoint missing, the tab says so instead of failing. Model math lives
in aegan.compare and aegan.latent_map; this module reads requests, keeps caches and lays out.

Events (api_name = the verb):
    compare_table        (dataset) -> a note on what is installed, the measured table
    compare_reconstruct  (dataset, source, example, drawing, upload) -> the input, AE, VAE, the GAN's nearest
                         sample, AE-GAN, a sentence, both latent maps with the input marked, a note on the maps
    compare_samples      (dataset, seed, class of the AE-GAN) -> four strips, a sentence
    compare_walk         (dataset, example A, example B) -> A, B, the walk in the AE, VAE and AE-GAN, a sentence
    latent_map_click     (dataset, family 'ae' or 'vae', x, y as fractions of the map) -> the decoder's image
                         there, the nearest test image, a sentence (scripts; a click on a map calls
                         latent_map_select_ae / _vae, which need the click's event data)
"""

from __future__ import annotations

import functools
import threading

import gradio as gr
import numpy as np

from aegan.data import CLASS_NAMES
from aegan.errors import InputError
from aegan.families import LOSSES

from .controls import (DATASET, HEAVY, LIGHT, LIVE, RAW, SEED, explain, image_output, seed_number, sketchpad,
                       source_follows_tabs, upload, when_shown)
from .loading import checkpoint_dir, get_model, gpu, has_checkpoint
from .media import ASK_FOR, EXAMPLES_DIR, examples, read_chosen, show, show_strip
from .requests import Choice, Range, friendly

FASHION = "fashion-mnist"
NAMES_OF = CLASS_NAMES[FASHION]  # the families' classes (their checkpoints are Fashion-MNIST's)
COLUMNS = ("ae", "vae", "gan", "aegan")  # the story: reconstruction only, + KL, adversarial only, both
KIND = {"ae": "ae", "vae": "vae", "gan": "gan", "aegan": "cgan"}  # family -> checkpoint folder suffix
TITLES = {"ae": "AE (autoencoder)", "vae": "VAE", "gan": "GAN", "aegan": "AE-GAN"}
MAPPED = ("ae", "vae")  # the families with a latent map
MAP_SIZE = 320  # pixels of each map (square)
SAMPLES = 10  # images per strip: the AE-GAN's, one of each class

SOURCE = Choice("Input", (("a test image", "example"), ("my drawing", "drawing"), ("my upload", "upload")),
                default="example")
EXAMPLE = Choice("Test image", tuple((f"{i}: {NAMES_OF[k]}", i) for i, k in enumerate(examples(FASHION)[1].tolist())))
EXAMPLE_A, EXAMPLE_B = (Choice(f"Image {side}", EXAMPLE.choices) for side in ("A", "B"))
ONE_EACH = "one of each class"
CLASS = Choice("AE-GAN's class", ((ONE_EACH, -1), *((name, k) for k, name in enumerate(NAMES_OF))),
               default=-1)
FAMILY = Choice("Map", (("AE", "ae"), ("VAE", "vae")))
FRACTION_X = Range("x (fraction of the map's width, from the left)", 0.0, 1.0)
FRACTION_Y = Range("y (fraction of the map's height, from the top)", 0.0, 1.0)

FASHION_ONLY = ("**The four families were trained on Fashion-MNIST only.** Switch the dataset above to "
                "Fashion-MNIST to compare them.")

EXPLAIN = """**Four ways to make images, on the same input.** The seed builds the AE-GAN from three older ideas.
An **autoencoder (AE)** has an encoder **E** that reads an image into a code *z* and a decoder **G** that draws it
back; it learns only to copy. A **VAE** also pushes its codes towards the bell curve N(0, I) (the KL term), so
random codes draw plausible images, but blurry ones. A **GAN** has no encoder: a generator **G** learns from a
discriminator **D** to draw sharp images, but it cannot read one. The **AE-GAN** combines them: E, G and D
together draw sharp images of a class you choose *and* read images back into codes, which is what repair,
your-own-drawing walks and style transfer need."""

NO_ENCODER = ("**The GAN has no encoder.** It can draw, but it cannot read: nothing turns your image into a code, "
              "so it cannot redraw, repair or walk from it. The best it can do is search its own samples: its column "
              "shows the one nearest to your image, which is rarely your image. That is what the AE-GAN's encoder "
              "buys.")
NO_WALK = ("**GAN: no walk between two images.** Walking needs each image's code, and only an encoder makes "
           "one. A GAN can walk between two *random* codes, never from your pictures.")
TERMS = """**Each family's loss, in the seed's terms.** x is a real image, z a code, E the encoder, G the
decoder (or generator) and D the discriminator's probability that an image is real. **L_rec** = ‖x − G(E(x))‖² is
the reconstruction error; **KL** = KL(q(z | x) ‖ N(0, I)) pulls the encoder's codes towards the bell curve that
random codes are drawn from; **L_D** = −log D(x) − log(1 − D(G(z))) trains D to tell real from drawn, and
**L_G** = −log D(G(z)) trains G to fool it."""
SEED_TERMS = {"ae": "L_rec", "vae": "L_rec + β·KL", "gan": "L_D and L_G",
              "aegan": "L_rec + β·KL, then L_G + λ·(L_rec + β·KL) against L_D, with the class"}
MAP_EXPLAIN = """**Latent maps: where the AE and the VAE put the test images.** Each dot is one of 1,000 Fashion-MNIST
test images (100 per class), encoded by the model and projected onto the two directions along which the codes
vary most (PCA of the codes; the ring is your input from above). It is a projection of the same 32-number codes
the models use, not a separate 2-D model: a 2-D-code model would be a different model. **Click anywhere on a map**
to see what its decoder draws there: the click sets the two mapped components and keeps the other 30 at the
codes' mean, so the image changes smoothly as you move. What the seed predicts, for you to check: the AE's
clusters may sit apart with gaps between them (codes it never learned to draw), while the KL term packs the VAE's
codes around the centre, so more of its map draws something garment-like."""
LEGEND_ITEM = ('<span style="display:inline-block;margin-right:0.9em;white-space:nowrap">'
               '<span style="display:inline-block;width:0.8em;height:0.8em;border-radius:50%;background:{colour};'
               'margin-right:0.3em;vertical-align:middle"></span>{name}</span>')


# --- what is installed -----------------------------------------------------------------------------------------

def _installed(family: str) -> bool:
    return has_checkpoint(FASHION, KIND[family])


def _missing_note(family: str) -> str:
    folder = checkpoint_dir(FASHION, KIND[family]).name
    return f"_{TITLES[family]}: not installed (no `{folder}` in the checkpoints folder)._"


def _is_fashion(dataset: str) -> bool:
    """True when the dataset is Fashion-MNIST (the families' data); False (the tab then says so) otherwise."""
    return dataset == FASHION


def _model(family: str):
    return get_model(FASHION, KIND[family])


# --- caches (main process: a ZeroGPU worker's copies would be lost) ---------------------------------------------

_lock = threading.Lock()
_maps: dict = {}  # checkpoint folder -> (LatentMap, its picture uint8 [S, S, 3])
_banks: dict = {}  # checkpoint folder -> the GAN's sample bank [N, 1, 28, 28]


@functools.cache
def map_images() -> tuple[np.ndarray, np.ndarray]:
    """The 1,000 test images of the maps (uint8 [1000, 28, 28], labels [1000]) shipped in ui/examples/."""
    with np.load(EXAMPLES_DIR / "fashion-mnist-map.npz") as data:
        return data["images"], data["labels"]


@gpu(seconds=10)
def _encode_map(family: str):
    from aegan.latent_map import map_of, render

    latent_map = map_of(_model(family), *map_images())
    return latent_map, render(latent_map, MAP_SIZE)


def latent_map(family: str):
    """(LatentMap, picture) of a family's encoder over the map's test images: made once per checkpoint."""
    key = checkpoint_dir(FASHION, KIND[family]).resolve()
    if key not in _maps:
        made = _encode_map(family)
        with _lock:
            _maps.setdefault(key, made)
    return _maps[key]


@gpu(seconds=10)
def _draw_bank():
    from aegan.compare import sample_bank

    return sample_bank(_model("gan"))


def gan_bank():
    key = checkpoint_dir(FASHION, KIND["gan"]).resolve()
    if key not in _banks:
        made = _draw_bank()
        with _lock:
            _banks.setdefault(key, made)
    return _banks[key]


# --- the measured table --------------------------------------------------------------------------------------

def _figure(value, key: str) -> str:
    if value is None:
        return "not measured"
    if key == "sample_64_ms":
        return f"{value:.1f}"
    if key == "frechet_distance":
        return f"{value:.2f}"
    if key == "reconstruction_psnr_db":
        return f"{value:.1f}"
    return f"{value:.3f}"


def _minutes(seconds) -> str:
    return "not recorded" if seconds is None else f"{seconds / 60:.0f} min"


def measured_table() -> str:
    """The markdown table of every family's measured figures (metrics.json, training.json)."""
    from aegan.compare import MEASURES, measured

    header = ["model", *(f"{name} ({better} is better)" if key != "sample_64_ms" else name
                         for key, name, better in MEASURES), "training time"]
    rows = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for family in COLUMNS:
        if not _installed(family):
            rows.append(f"| {TITLES[family]} |" + " not installed |" * (len(header) - 1))
            continue
        figures = measured(checkpoint_dir(FASHION, KIND[family]))
        cells = [_figure(figures[key], key) for key, _, _ in MEASURES]
        if family == "gan":
            cells[[key for key, _, _ in MEASURES].index("reconstruction_psnr_db")] = "no encoder"
        rows.append(f"| {TITLES[family]} | " + " | ".join(cells) + f" | {_minutes(figures['training_seconds'])} |")
    note = ("Measured by `python -m aegan evaluate` on the Fashion-MNIST test split, the same way for each model "
            "(Frechet distance, precision and recall in a classifier's feature space; diversity relative to real "
            "images; reconstruction PSNR of test images through E and G). \"not measured\": the checkpoint has no "
            "such figure yet.")
    return "\n".join(rows) + "\n\n" + note


@friendly
def compare_table(dataset):
    """(a note on what is installed or on the dataset, the measured table)."""
    dataset = DATASET.read(dataset)
    if not _is_fashion(dataset):
        return FASHION_ONLY, ""
    missing = [_missing_note(family) for family in COLUMNS if not _installed(family)]
    return " ".join(missing), measured_table()


# --- reconstruction of the same image ----------------------------------------------------------------------------

def _input_image(source: str, example: int, read) -> tuple[np.ndarray, str]:
    """The image all models read (uint8 [28, 28]) and a note on where it came from: `read` (media.read_chosen's)
    when there is one, else the test image."""
    images, labels = examples(FASHION)
    if read is not None:
        image, notes = read
        where = "your drawing" if source == "drawing" else "your upload"
        return image, where + (f" ({', '.join(notes)})" if notes else "")
    test = f"test image {example} (a {NAMES_OF[labels[example]]})"
    return images[example], f"{test}: {ASK_FOR[source]} to use your own" if source in ASK_FOR else test


@gpu(seconds=5)
def _reconstruct(image: np.ndarray, families: tuple[str, ...]) -> dict:
    """family -> (reconstruction uint8 [28, 28], the encoder's code [1, L]) for the families with an encoder."""
    from aegan.images import to_tensor, to_uint8
    from aegan.pipeline import encode, reconstruct

    x = to_tensor(image)
    made = {}
    for family in families:
        encoded = encode(_model(family), x)
        made[family] = to_uint8(reconstruct(_model(family), x, encoded=encoded))[0], encoded[0]
    return made


@friendly
def compare_reconstruct(dataset, source, example, drawing, picture):
    """The same image through every family: (input, AE, VAE, GAN's nearest sample, AE-GAN, a sentence,
    the AE's map and the VAE's map with the input marked, a sentence on the maps)."""
    from aegan.compare import BANK_SEED, BANK_SIZE, closest
    from aegan.images import to_tensor, to_uint8
    from aegan.latent_map import with_mark
    from aegan.noise import psnr

    dataset, source, example = DATASET.read(dataset), SOURCE.read(source), EXAMPLE.read(example)
    read = read_chosen(source, drawing, picture, "Draw", "Upload")
    if not _is_fashion(dataset):
        return None, None, None, None, None, FASHION_ONLY, None, None, FASHION_ONLY
    image, where = _input_image(source, example, read)
    readers = tuple(f for f in ("ae", "vae", "aegan") if _installed(f))
    made = _reconstruct(image, readers)
    shown = {family: made[family][0] for family in readers}
    if _installed("gan"):
        bank = gan_bank()
        shown["gan"] = to_uint8(bank[closest(bank, to_tensor(image))])[0]
    scores = [f"{TITLES[f]} {psnr(image, shown[f]):.1f} dB" + (f" (the nearest of its {BANK_SIZE} samples, seed "
                                                                f"{BANK_SEED})" if f == "gan" else "")
              for f in COLUMNS if f in shown]
    text = f"Input: {where}."
    if scores:
        text += (" Closeness to the input (PSNR, higher is closer): " + ", ".join(scores) + ". The AE only learned "
                 "to copy; the VAE's KL term and the AE-GAN's discriminator both trade exact pixels for codes that "
                 "can also be sampled; the GAN never saw your image.")
    missing = [_missing_note(f) for f in COLUMNS if not _installed(f)]
    if missing:
        text += " " + " ".join(missing)
    maps, about = [], []
    for family in MAPPED:
        if family not in made:
            maps.append(None)
            continue
        mapped, picture_of_map = latent_map(family)
        marked, on_map = with_mark(picture_of_map, mapped, mapped.to_plane(made[family][1])[0])
        maps.append(marked)
        about.append(f"the {TITLES[family]}'s map holds {sum(mapped.explained):.0%} of its codes' spread "
                     f"({mapped.explained[0]:.0%} + {mapped.explained[1]:.0%})")
        if not on_map:
            about[-1] += ", and your input lies off its edge (the ring is pinned to the edge)"
    map_note = ("Two of 32 directions: " + "; ".join(about) + ". The rest of each code is not shown.") if about else \
        " ".join(_missing_note(f) for f in MAPPED)
    return (show(image, 5), *(show(shown[f], 5) if f in shown else None for f in COLUMNS), text,
            *maps, map_note)


# --- samples from each prior, the same seed ----------------------------------------------------------------------

@gpu(seconds=5)
def _samples(seed: int, label: int, families: tuple[str, ...]) -> dict:
    """family -> uint8 [SAMPLES, 28, 28] drawn from its prior with `seed`."""
    from aegan.images import to_uint8
    from aegan.pipeline import sample

    drawn = {}
    for family in families:
        labels = (None if label == -1 else label) if family == "aegan" else None
        drawn[family] = to_uint8(sample(_model(family), SAMPLES, labels=labels, seed=seed)[0])
    return drawn


@friendly
def compare_samples(dataset, seed, label):
    """(AE, VAE, GAN and AE-GAN strips drawn with the same seed, a sentence)."""
    dataset, seed, label = DATASET.read(dataset), SEED.read(seed), CLASS.read(label)
    if not _is_fashion(dataset):
        return None, None, None, None, FASHION_ONLY
    drawn = _samples(seed, label, tuple(f for f in COLUMNS if _installed(f)))
    what = "one of each class" if label == -1 else f"all **{NAMES_OF[label]}**"
    text = (f"Seed {seed}: each model draws {SAMPLES} codes z from N(0, I) (the same seed for all) and decodes "
            f"them. Only the AE-GAN can be asked for a class (here {what}); the others draw whatever their codes "
            "give. What to expect (the Frechet distance in the table below measures it): the AE's "
            "codes were never shaped to N(0, I), so many random codes land where it never learned to draw; the "
            "VAE's land where it did, but blurred; the GAN's are sharper, of no class you chose.")
    missing = [_missing_note(f) for f in COLUMNS if not _installed(f)]
    if missing:
        text += " " + " ".join(missing)
    return (*(show_strip(drawn[f]) if f in drawn else None for f in COLUMNS), text)


# --- a walk between the same two images ------------------------------------------------------------------------

@gpu(seconds=5)
def _walks(a: np.ndarray, b: np.ndarray, families: tuple[str, ...]) -> dict:
    from aegan.compare import walk
    from aegan.images import to_tensor, to_uint8

    return {family: to_uint8(walk(_model(family), to_tensor(a), to_tensor(b))) for family in families}


@friendly
def compare_walk(dataset, a, b):
    """(image A, image B, the AE's, VAE's and AE-GAN's walks from A to B, a sentence)."""
    dataset, a, b = DATASET.read(dataset), EXAMPLE_A.read(a), EXAMPLE_B.read(b)
    if not _is_fashion(dataset):
        return None, None, None, None, None, FASHION_ONLY
    images, labels = examples(FASHION)
    families = tuple(f for f in ("ae", "vae", "aegan") if _installed(f))
    walks = _walks(images[a], images[b], families)
    text = (f"From test image {a} (a {NAMES_OF[labels[a]]}) to test image {b} (a {NAMES_OF[labels[b]]}): each model "
            "encodes both, then decodes points on the straight line between the two codes. Between the ends the "
            "line passes codes no training image was encoded to: look at what each decoder draws in the middle "
            "frames (a blend of the two, a blur, or no garment at all). The seed's claim is that training against "
            "D makes the AE-GAN's in-between images look more like real garments; check it on a few pairs.")
    missing = [_missing_note(f) for f in ("ae", "vae", "aegan") if not _installed(f)]
    if missing:
        text += " " + " ".join(missing)
    return (show(images[a], 4), show(images[b], 4),
            *(show_strip(walks[f]) if f in walks else None for f in ("ae", "vae", "aegan")), text)


# --- the latent maps' clicks ---------------------------------------------------------------------------------

@gpu(seconds=5)
def _draw_at(family: str, mapped, u: float, v: float) -> np.ndarray:
    from aegan.images import to_uint8
    from aegan.latent_map import draw_at

    return to_uint8(draw_at(_model(family), mapped, u, v))[0]


@friendly
def latent_map_click(dataset, family, x, y):
    """What the decoder of `family` draws at the map point (x, y) (fractions of the map's width from the left
    and height from the top): (its image, the nearest test image on the map, a sentence)."""
    dataset, family = DATASET.read(dataset), FAMILY.read(family)
    x, y = FRACTION_X.read(x), FRACTION_Y.read(y)
    if not _is_fashion(dataset):
        raise InputError("the latent maps exist for Fashion-MNIST only; switch the dataset to Fashion-MNIST")
    if not _installed(family):
        raise InputError(f"the {TITLES[family]} is not installed, so it has no map "
                         f"(no {checkpoint_dir(FASHION, KIND[family]).name} in the checkpoints folder)")
    mapped, _ = latent_map(family)
    u, v = mapped.from_fraction(x, y)
    drawn = _draw_at(family, mapped, u, v)
    nearest = mapped.nearest(u, v)
    images, labels = map_images()
    name = NAMES_OF[int(labels[nearest])]
    text = (f"The {TITLES[family]}'s decoder at ({u:+.2f}, {v:+.2f}) on the map; the nearest test image there is "
            f"a **{name}**.")
    return show(drawn, 5), show(images[nearest], 3), text


def _clicked(family: str, dataset, evt: gr.SelectData):
    """A click on a map (browser only: it needs the click's event data, pixels of the map's picture)."""
    from aegan.latent_map import fraction_of_pixel

    index = evt.index if isinstance(evt.index, (list, tuple)) and len(evt.index) == 2 else None
    if index is None or not all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in index):
        raise InputError("click on the map itself")
    x, y = (fraction_of_pixel(i, MAP_SIZE) for i in index)
    return latent_map_click(dataset, family, x, y)


@friendly
def latent_map_select_ae(dataset, evt: gr.SelectData):
    return _clicked("ae", dataset, evt)


@friendly
def latent_map_select_vae(dataset, evt: gr.SelectData):
    return _clicked("vae", dataset, evt)


def losses_text() -> str:
    """The seed's loss terms, then each family's loss (aegan.families.LOSSES: what training/loop.py computes)."""
    return TERMS + "\n\n" + "\n".join(f"- **{TITLES[f]}** ({SEED_TERMS[f]}): {LOSSES[f]}" for f in COLUMNS)


def legend() -> str:
    """The class colours of the maps, as HTML (one swatch per class)."""
    from aegan.latent_map import CLASS_COLOURS

    return "".join(LEGEND_ITEM.format(colour=colour, name=name)
                   for colour, name in zip(CLASS_COLOURS, NAMES_OF))


# --- layout and wiring -----------------------------------------------------------------------------------------

def _strip(family: str, label: str, section: str) -> gr.Image:
    """One family's row of images (samples or a walk)."""
    return image_output(f"{TITLES[family]}: {label}", height=110, elem_id=f"compare-{section}-{family}")


def build_compare_tab(dataset: gr.Radio, demo: gr.Blocks, tab: gr.Tab, shown_tab: gr.Textbox) -> dict:
    """Layout and wiring of the Compare tab; `tab`: the gr.Tab it is in (its contents are drawn when opened),
    `shown_tab`: which tab the page shows (controls.shown_tab)."""
    explain(EXPLAIN)
    status = gr.Markdown(elem_id="compare-status")
    # Drawn when the tab is opened, and again when the dataset changes while it is shown (three heavy jobs: not
    # for visitors in other tabs); with MNIST chosen each answer is a note.
    shown = when_shown(tab, dataset, shown_tab)

    gr.Markdown("### 1. The same image through each model")
    source = gr.Radio(SOURCE.choices, value="example", label=SOURCE.label, visible=False)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=260):
            with gr.Tabs():
                with gr.Tab("Test image", id="compare-example") as example_tab:
                    example = gr.Dropdown(EXAMPLE.choices, value=3, label=EXAMPLE.label)
                with gr.Tab("Draw", id="compare-draw") as draw_tab:
                    drawing = sketchpad("Draw a garment", elem_id="compare-sketch")
                with gr.Tab("Upload", id="compare-upload") as upload_tab:
                    picture = upload("Upload an image")
            go = gr.Button("Reconstruct with every model", variant="primary", elem_id="compare-go")
        with gr.Column(scale=3, min_width=480):
            with gr.Row():
                seen = image_output("Input", height=150, elem_id="compare-input")
                columns = {}
                for family in COLUMNS:
                    label = "nearest of its samples" if family == "gan" else "E then G"
                    columns[family] = image_output(f"{TITLES[family]}: {label}", height=150,
                                                   elem_id=f"compare-rec-{family}")
            gr.Markdown(NO_ENCODER, elem_classes=["explain"])
            summary = gr.Markdown(elem_id="compare-summary")

    gr.Markdown("### 2. Samples from each model's prior, with the same seed")
    with gr.Row():
        seed = seed_number("Seed (the same codes for every model)", 0, elem_id="compare-seed")
        klass = gr.Dropdown(CLASS.choices, value=-1, label=CLASS.label,
                            info="only the AE-GAN can be asked for a class")
        draw_button = gr.Button("Sample", variant="primary", scale=0)
    strips = {family: _strip(family, what, "sample") for family, what in (
        ("ae", "its decoder on random codes"), ("vae", "random codes, blurred"),
        ("gan", "sharp, but no say in what"), ("aegan", "sharp, and of the class asked for"))}
    sample_note = gr.Markdown()

    gr.Markdown("### 3. A walk between the same two images, in each latent space")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=240):
            a = gr.Dropdown(EXAMPLE_A.choices, value=0, label=EXAMPLE_A.label)
            b = gr.Dropdown(EXAMPLE_B.choices, value=7, label=EXAMPLE_B.label)
            with gr.Row():
                a_seen = image_output("A", height=100)
                b_seen = image_output("B", height=100)
        with gr.Column(scale=3, min_width=480):
            walks = {family: _strip(family, "A to B", "walk") for family in ("ae", "vae", "aegan")}
            gr.Markdown(NO_WALK, elem_classes=["explain"])
            walk_note = gr.Markdown()

    gr.Markdown("### 4. Measured, and what each model minimises")
    table = gr.Markdown(elem_id="compare-table")
    gr.Markdown(losses_text(), elem_id="compare-losses")

    gr.Markdown("### 5. Latent maps: AE against VAE")
    gr.Markdown(MAP_EXPLAIN, elem_classes=["explain"])
    gr.HTML(legend(), elem_id="compare-legend")
    map_note = gr.Markdown(elem_id="compare-map-note")
    maps, drawn, nearest, notes = {}, {}, {}, {}
    with gr.Row(equal_height=False):
        for family in MAPPED:
            with gr.Column(min_width=340):
                maps[family] = gr.Image(label=f"{TITLES[family]}: its test images' codes (click a point)",
                                        type="pil", format="png", interactive=False, height=MAP_SIZE,
                                        elem_id=f"compare-map-{family}", buttons=["download"])
                with gr.Row():
                    drawn[family] = image_output("Its decoder there", height=120, elem_id=f"compare-drawn-{family}")
                    nearest[family] = image_output("Nearest test image", height=120)
                notes[family] = gr.Markdown(elem_id=f"compare-click-{family}")
    # For scripts: the click as fractions of the map (a browser click needs its event data: the select events).
    with gr.Row(visible=False):
        family_box = gr.Radio(FAMILY.choices, value="ae", label=FAMILY.label)
        x_box, y_box = gr.Number(0.5, label=FRACTION_X.label), gr.Number(0.5, label=FRACTION_Y.label)
        script_outputs = [gr.Image(format="png", type="pil"), gr.Image(format="png", type="pil"), gr.Markdown()]
        for_scripts = gr.Button()

    source_follows_tabs(source, ((example_tab, "example"), (draw_tab, "drawing"), (upload_tab, "upload")), drawing,
                        picture)

    gr.on(shown, compare_table, dataset, [status, table], api_name="compare_table", trigger_mode="always_last",
          **LIGHT, **RAW)
    gr.on([*shown, go.click, source.change, example.change, drawing.change, picture.change], compare_reconstruct,
          [dataset, source, example, drawing, picture],
          [seen, *(columns[f] for f in COLUMNS), summary, *(maps[f] for f in MAPPED), map_note],
          api_name="compare_reconstruct", trigger_mode="always_last", **HEAVY, **RAW)
    gr.on([*shown, draw_button.click, seed.change, klass.change], compare_samples, [dataset, seed, klass],
          [*(strips[f] for f in COLUMNS), sample_note], api_name="compare_samples", trigger_mode="always_last",
          **HEAVY, **RAW)
    gr.on([*shown, a.change, b.change], compare_walk, [dataset, a, b],
          [a_seen, b_seen, *(walks[f] for f in ("ae", "vae", "aegan")), walk_note], api_name="compare_walk",
          trigger_mode="always_last", **HEAVY, **RAW)
    for family, select in (("ae", latent_map_select_ae), ("vae", latent_map_select_vae)):
        maps[family].select(select, dataset, [drawn[family], nearest[family], notes[family]],
                            api_name=f"latent_map_select_{family}", api_visibility="private",
                            trigger_mode="always_last", show_progress="minimal", **LIVE, **RAW)
    for_scripts.click(latent_map_click, [dataset, family_box, x_box, y_box], script_outputs,
                      api_name="latent_map_click", **LIVE, **RAW)
    return dict(status=status, source=source, example=example, drawing=drawing, picture=picture, columns=columns,
                summary=summary, map_note=map_note, seed=seed, klass=klass, strips=strips, a=a, b=b, walks=walks, table=table, maps=maps,
                drawn=drawn, nearest=nearest, notes=notes)
