"""Honest captions: what a training image's caption may say, from its class and from attributes measured
on the image itself. The vocabulary (documented in docs/TEXT.md) lives here, in one place.

An attribute is measured on every image and cut at the training set's tertiles into -1 (low), 0 (middle)
and +1 (high). A caption names the class with one of many phrases and may name any attribute that is
low or high, with one of several words; middle values are never named. A caption is drawn afresh, from a
bank of sentences, each time an image is seen.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from dataclasses import dataclass

import numpy as np

CLASS_PHRASES = {
    # Many names and descriptions per class, so that the generator learns a region of the sentence
    # embedding space per class rather than a handful of points.
    "fashion-mnist": [
        ["t-shirt", "tee", "tee shirt", "short-sleeved top", "crew-neck tee", "casual top", "top", "tshirt",
         "graphic tee", "v-neck tee", "plain t-shirt", "cotton t-shirt", "sleeveless top", "vest top", "crop top",
         "summer top", "baby tee", "t-shirt with short sleeves",
         "tank top", "singlet", "camisole", "jersey top", "undershirt", "muscle tee", "halter top", "tube top",
         "gym top", "workout top", "sports top", "basic tee", "short-sleeve top", "racerback top", "cami top"],
        ["trousers", "pants", "pair of trousers", "pair of pants", "jeans", "slacks", "pair of jeans",
         "slim-fit trousers", "wide-leg pants", "track pants", "dress pants", "capris", "corduroys",
         "flared trousers", "straight-leg jeans", "long trousers", "skinny jeans",
         "chinos", "khakis", "leggings", "joggers", "sweatpants", "cargo pants", "denims", "bell-bottoms",
         "culottes", "palazzo pants", "yoga pants", "suit trousers", "bottoms", "pair of chinos", "pair of leggings"],
        ["pullover", "sweater", "jumper", "knit sweater", "long-sleeved pullover", "knitted jumper",
         "long-sleeved sweater", "wool sweater", "knitted pullover", "warm jumper",
         "winter sweater", "v-neck sweater", "chunky knit", "fisherman sweater", "jumper with long sleeves",
         "hoodie", "sweatshirt", "turtleneck", "fleece", "crewneck sweatshirt", "cable-knit sweater", "polo neck",
         "roll-neck jumper", "knitwear", "woolly jumper", "hooded sweatshirt", "cashmere sweater", "christmas jumper"],
        ["dress", "gown", "frock", "summer dress", "sleeveless dress", "long dress", "party dress", "mini dress",
         "midi dress", "wrap dress", "shift dress", "wedding dress", "prom dress", "a-line dress", "pinafore",
         "short dress", "dress with a skirt",
         "maxi dress", "sundress", "evening gown", "cocktail dress", "ball gown", "slip dress", "shirt dress",
         "bodycon dress", "little black dress", "skater dress", "kaftan", "sheath dress", "strapless dress", "maxi"],
        ["coat", "jacket", "overcoat", "winter coat", "zip-up jacket", "long coat", "long jacket",
         "winter jacket", "rain jacket", "duffle coat", "bomber jacket", "topcoat", "leather jacket",
         "quilted jacket", "coat with a zip", "fur coat", "coat with buttons",
         "parka", "trench coat", "raincoat", "anorak", "blazer", "puffer jacket", "windbreaker", "peacoat",
         "denim jacket", "down jacket", "mac", "cagoule", "outerwear", "trench", "suit jacket", "puffer coat"],
        ["sandal", "pair of sandals", "flip-flop", "strappy sandal", "open-toed shoe", "summer sandal",
         "sandals", "heeled sandal", "high heels", "stiletto", "open shoe", "flip flops", "wedge sandal",
         "strappy heels", "summer shoes", "platform sandal", "high-heeled shoe",
         "espadrilles", "slides", "mules", "gladiator sandals", "peep-toe shoe", "slingback", "jelly sandals",
         "beach shoes", "open-toe heels", "kitten heels", "strappy shoes", "t-bar sandal", "flats with straps"],
        ["shirt", "button-up shirt", "blouse", "collared shirt", "dress shirt", "long-sleeved shirt",
         "oxford shirt", "checked shirt", "striped shirt", "work shirt", "formal shirt", "shirt with buttons",
         "collared blouse", "smart shirt", "casual shirt",
         "button-down", "linen shirt", "flannel shirt", "denim shirt", "polo shirt", "tunic", "hawaiian shirt",
         "plaid shirt", "business shirt", "shirt with a collar", "lumberjack shirt", "button-down shirt", "polo"],
        ["sneaker", "trainer", "running shoe", "sports shoe", "canvas shoe", "low-top sneaker", "trainers",
         "running shoes", "sports shoes", "sneakers", "athletic shoes", "training shoes", "casual shoes",
         "low-top shoes", "lace-up shoes", "walking shoes", "plimsolls", "sport shoe with laces",
         "kicks", "tennis shoes", "gym shoes", "basketball shoes", "skate shoes", "runners", "jogging shoes",
         "athletic footwear", "slip-on shoes", "tennis sneakers", "footwear for running", "pair of trainers"],
        ["bag", "handbag", "purse", "tote bag", "shoulder bag", "satchel", "tote", "shopping bag", "leather bag",
         "crossbody bag", "bag with handles", "carrier bag", "hobo bag", "weekend bag", "school bag",
         "bag with a strap",
         "backpack", "clutch", "rucksack", "briefcase", "messenger bag", "duffel bag", "pouch", "beach bag",
         "clutch bag", "laptop bag", "bucket bag", "gym bag", "travel bag", "grocery bag", "pocketbook"],
        ["ankle boot", "boot", "short boot", "bootie", "chelsea boot", "heeled boot", "boots", "ankle boots",
         "short boots", "heeled boots", "winter boots", "leather boots", "lace-up boots", "booties",
         "work boots", "walking boots", "boot with a heel",
         "wellies", "wellington boots", "rain boots", "hiking boots", "combat boots", "desert boots",
         "cowboy boots", "snow boots", "platform boots", "biker boots", "chukka boots", "suede boots", "chelsea boots"],
    ],
    "mnist": [
        [f"digit {d}", f"number {d}", f"digit {w}", f"handwritten {w}", f"number {w}", w, d, f"numeral {d}",
         f"handwritten digit {d}", f"handwritten number {w}", f"numeral {w}", f"digit {d} in handwriting",
         f"{w} in handwriting", f"handwritten {d}", f"ink digit {d}", f"the digit {w}",
         f"figure {d}", f"figure {w}", f"the number {w}", f"{w} written by hand", f"scribbled {w}",
         f"written {d}", f"number {w} drawn by hand", *other]
        for d, w, other in zip("0123456789",
                               ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
                               [["nought", "nil", "cero", "zéro", "null"], ["uno", "un", "eins"],
                                ["dos", "deux", "zwei"], ["tres", "trois", "drei"], ["cuatro", "quatre", "vier"],
                                ["cinco", "cinq", "fünf"], ["seis", "sechs"], ["siete", "sept", "sieben"],
                                ["ocho", "huit", "acht"], ["nueve", "neuf", "neun"]])
    ],
    "synthetic": [[f"stroke {k}", f"line {k}"] for k in range(10)],
}

# attribute name -> (words for low, words for high)
ATTRIBUTE_WORDS = {
    "fashion-mnist": {
        "brightness": (["dark", "black", "deep-coloured", "dark-toned"], ["light", "pale", "white", "bright"]),
        "size": (["small", "narrow", "slim", "compact"], ["large", "wide", "bulky", "big"]),
        "pattern": (["plain", "solid", "simple", "unpatterned"], ["patterned", "printed", "textured", "detailed"]),
    },
    "mnist": {
        "thickness": (["thin", "fine", "light-stroked", "delicate"], ["bold", "thick", "heavy", "fat"]),
        "slant": (["upright", "straight", "vertical", "unslanted"], ["slanted", "italic", "leaning", "tilted"]),
        "size": (["small", "tiny", "little", "short"], ["large", "big", "tall", "wide"]),
    },
    "synthetic": {"thickness": (["thin"], ["thick"])},
}

TEMPLATES = [  # {an} is "a" or "an" as the phrase after it needs
    "{a}", "{an} {a}", "a photo of {an} {a}", "an image of {an} {a}", "a picture of {an} {a}",
    "a drawing of {an} {a}", "this is {an} {a}", "a grayscale {a}", "a low-resolution {a}",
    "{an} {a} on a black background", "show me {an} {a}", "one {a}", "a single {a}", "an example of {an} {a}",
    "draw {an} {a}", "generate {an} {a}", "make me {an} {a}", "can you draw {an} {a}", "I want {an} {a}",
    "a sketch of {an} {a}", "{an} {a}, please", "a small image of {an} {a}", "here is {an} {a}",
]


def measure_attributes(dataset: str, images: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] -> float [N, A], one column per attribute in ATTRIBUTE_WORDS[dataset] order."""
    x = np.asarray(images, dtype=np.float64) / 255.0
    ink = x > 0.12
    area = ink.mean(axis=(1, 2))
    if dataset == "fashion-mnist":
        brightness = (x * ink).sum(axis=(1, 2)) / np.maximum(ink.sum(axis=(1, 2)), 1)
        # Texture: mean absolute difference between neighbouring pixels inside the garment.
        dx = np.abs(np.diff(x, axis=2))[:, :-1, :] * ink[:, :-1, :-1]
        dy = np.abs(np.diff(x, axis=1))[:, :, :-1] * ink[:, :-1, :-1]
        pattern = (dx + dy).sum(axis=(1, 2)) / np.maximum(ink.sum(axis=(1, 2)), 1)
        return np.stack([brightness, area, pattern], axis=1)
    if dataset == "mnist":
        thickness = x.sum(axis=(1, 2)) / np.maximum(_skeleton_length(ink), 1)
        ys, xs = np.mgrid[0:28, 0:28]
        mass = x.sum(axis=(1, 2)) + 1e-9
        cy = (x * ys).sum(axis=(1, 2)) / mass
        cx = (x * xs).sum(axis=(1, 2)) / mass
        cov_xy = (x * (xs - cx[:, None, None]) * (ys - cy[:, None, None])).sum(axis=(1, 2)) / mass
        var_y = (x * (ys - cy[:, None, None]) ** 2).sum(axis=(1, 2)) / mass
        slant = np.abs(cov_xy / var_y)  # horizontal drift per row, either way
        rows = ink.any(axis=2)
        height = np.where(rows.any(axis=1), 28 - rows[:, ::-1].argmax(axis=1) - rows.argmax(axis=1), 0)
        return np.stack([thickness, slant, height * np.sqrt(area)], axis=1)
    return np.stack([x.sum(axis=(1, 2))], axis=1)


def _skeleton_length(ink: np.ndarray) -> np.ndarray:
    """A cheap stroke-length proxy: ink pixels whose right or lower neighbour is background (the outline) / 2."""
    edge = ink[:, :-1, :-1] & (~ink[:, 1:, :-1] | ~ink[:, :-1, 1:])
    return edge.sum(axis=(1, 2)) / 2


def tertiles(values: np.ndarray) -> np.ndarray:
    """[N, A] -> thresholds [A, 2] (33rd and 67th percentiles)."""
    return np.percentile(values, [100 / 3, 200 / 3], axis=0).T


def buckets(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """[N, A] values -> int8 [N, A] in {-1, 0, +1}."""
    return (values > thresholds[:, 1]).astype(np.int8) - (values < thresholds[:, 0]).astype(np.int8)


@dataclass
class CaptionBank:
    """All sentences a training caption can be: texts [M], their class [M] and named attributes [M, A]."""
    texts: list[str]
    classes: np.ndarray  # int64 [M]
    attributes: np.ndarray  # int8 [M, A], 0 = not named


def caption(dataset: str, label: int, named: dict[str, int], rng: random.Random) -> str:
    words = ATTRIBUTE_WORDS[dataset]
    adjectives = [rng.choice(words[name][0 if value < 0 else 1]) for name, value in named.items()]
    rng.shuffle(adjectives)
    phrase = " ".join(adjectives + [rng.choice(CLASS_PHRASES[dataset][label])])
    article = "an" if phrase[0] in "aeio8" else "a"
    return rng.choice(TEMPLATES).format(a=phrase, an=article)


def build_bank(dataset: str, per_key: int = 32, seed: int = 0) -> CaptionBank:
    """Every class x every way of naming the attributes (low / high / not named), per_key sentences each."""
    rng = random.Random(seed)
    names = list(ATTRIBUTE_WORDS[dataset])
    texts, classes, attributes = [], [], []
    for label in range(len(CLASS_PHRASES[dataset])):
        for combo in itertools.product((-1, 0, 1), repeat=len(names)):
            named = {n: v for n, v in zip(names, combo) if v != 0}
            seen = set()
            for _ in range(per_key * 3):
                text = caption(dataset, label, named, rng)
                if text not in seen:
                    seen.add(text)
                    texts.append(text)
                    classes.append(label)
                    attributes.append(combo)
                if len(seen) == per_key:
                    break
    return CaptionBank(texts, np.asarray(classes, np.int64), np.asarray(attributes, np.int8))


def class_phrases(dataset: str) -> tuple[list[str], list[int]]:
    """Every bare class phrase and its class, in CLASS_PHRASES order."""
    pairs = [(phrase, k) for k, phrases in enumerate(CLASS_PHRASES[dataset]) for phrase in phrases]
    return [p for p, _ in pairs], [k for _, k in pairs]


@functools.lru_cache(maxsize=4)
def _shipped_bank(dataset: str, seed: int = 0) -> CaptionBank:
    return build_bank(dataset, seed=seed)


def caption_texts(dataset: str, seed: int = 0) -> list[str]:
    """The bank's sentences (a text model ships only their embeddings; the bank is deterministic)."""
    return _shipped_bank(dataset, seed).texts


def caption_attributes(dataset: str, seed: int = 0) -> np.ndarray:
    """int8 [M, A]: which attributes each bank sentence names (-1 low, +1 high, 0 not named), in bank order."""
    return _shipped_bank(dataset, seed).attributes


@functools.lru_cache(maxsize=4)
def caption_vocabulary(dataset: str) -> frozenset[str]:
    """Every lower-case word the training captions of a dataset use."""
    texts = [p for phrases in CLASS_PHRASES[dataset] for p in phrases] + TEMPLATES
    texts += [w for pair in ATTRIBUTE_WORDS[dataset].values() for words in pair for w in words]
    return frozenset(w for text in texts for w in re.findall(r"[a-zà-ÿ]+", text.lower()) if len(w) > 2)


def vocabulary_markdown() -> str:
    """docs/TEXT.md: the whole caption vocabulary, written from this module (a test keeps them equal)."""
    lines = ["# Text-to-image vocabulary", "",
             "Generated from `aegan/captions.py` by `python -c \"from aegan.captions import vocabulary_markdown as v; "
             "print(v(), end='')\" > docs/TEXT.md`.", "",
             "A training caption = a template + optional attribute words + a class phrase. Attributes are measured "
             "on each image and cut at the training set's tertiles; only clearly low or high values are named, each "
             "with probability 1/2 per visit. A caption is drawn afresh each time an image is seen.", "",
             "## Templates", "", *[f"- `{t}`" for t in TEMPLATES], ""]
    for dataset in ("fashion-mnist", "mnist"):
        from .data import CLASS_NAMES

        lines += [f"## {dataset}", "", "| class | phrases |", "| --- | --- |"]
        lines += [f"| {CLASS_NAMES[dataset][k]} | {', '.join(p)} |" for k, p in enumerate(CLASS_PHRASES[dataset])]
        lines += ["", "| attribute | low words | high words |", "| --- | --- | --- |"]
        lines += [f"| {name} | {', '.join(low)} | {', '.join(high)} |"
                  for name, (low, high) in ATTRIBUTE_WORDS[dataset].items()]
        lines.append("")
    lines += ["## Held-out prompts", "",
              "`aegan/prompts/heldout-*.tsv` hold 15 prompts per class, written blind (by someone who had not seen "
              "this vocabulary) the way a visitor would type them; none is a training caption (a test checks this). "
              "They may use class words (\"a pair of blue jeans\") but mostly in sentence frames the templates never "
              "use. `aegan/prompts/reasoning-mnist.tsv` names digits only through arithmetic or world knowledge "
              "(\"2 plus 2\", \"how many legs a spider has\"); the number reader below was written with them in "
              "view. `aegan/prompts/blind-*.tsv` (issue 17; at least 150 per dataset, in many voices: terse, chatty, "
              "slang, typos, a learner of English) describe garments and numbers rather than name them; they were "
              "written before the readers below and never used to tune them. `aegan/prompts/fresh-*.tsv` (at least "
              "40 per dataset) are more of the same kind, written once the readers existed and never used to tune "
              "them. `aegan/prompts/dev-*.tsv` are what the readers' word lists and the centre weight were tuned "
              "on. `python -m aegan evaluate` reports all but the dev sets.", ""]
    lines += _reading_markdown()
    return "\n".join(lines)


def _reading_markdown() -> list[str]:
    """docs/TEXT.md: how a prompt becomes G's condition, and what the two prompt readers cover."""
    from . import numbers
    from .clothing import CLOTHING_WORDS, DESCRIPTIONS
    from .data import CLASS_NAMES

    names = CLASS_NAMES["fashion-mnist"]
    covered = numbers.__doc__.split("\n\n", 2)[2].strip()  # the docstring after its first two paragraphs
    return [
        "## How a prompt is read (`aegan/text.py::read_prompts`)", "",
        "1. The prompt rule (`aegan/prompt.py`) tidies it or refuses it in one sentence.",
        "2. A misspelt caption word is corrected (\"sneeker\" -> \"sneaker\"); words the encoder or a reader "
        "knows are left alone, and in a tie a class word wins over a sentence-frame word (\"thre\" -> \"three\").",
        "3. MNIST: the number reader (`aegan/numbers.py`, below) reads the number the words name. A digit 0-9 fixes "
        "the class, and the sentence encoder sees the digit's word in place of the phrase (\"a bold three plus four\" "
        "-> \"a bold seven\"); \"understood as\" says what was read (\"7 (three plus four)\"). A number outside 0-9 "
        "(\"a dozen\", \"5 plus 7\", \"7 divided by 2\") is said, never wrapped: \"not understood: '5 plus 7' is 12, "
        "not a digit 0-9\".",
        "4. Fashion-MNIST: a garment word the captions lack (slang, brands, garment names, below) fixes the class; "
        "\"understood as\" names it (\"sneaker (nikes)\").",
        "5. Otherwise the class is voted by the prompt's nearest training captions, the checkpoint's bare class "
        "phrases, and (Fashion-MNIST) the garment names and the descriptions below, all embedded with the same "
        "all-MiniLM-L6-v2.",
        "6. G's condition: the mean of the prompt's nearest training captions of that class, moved "
        "`CENTRE_WEIGHT` of the way to the centre of all that class's captions that name the attributes the "
        "prompt's words name (\"dark\", \"thin\"; `named_attributes`). G was trained on all-MiniLM-L6-v2 "
        "embeddings, so only that encoder can give its condition; a stronger encoder could only vote on the class "
        "(all-mpnet-base-v2, the one packaged on PyPI, was measured for that and not kept: see docs/RESULTS.md).", "",
        "## The number reader (`aegan/numbers.py`, MNIST)", "", covered, "",
        "## Garment words (`aegan/clothing.py`, Fashion-MNIST)", "",
        "Matched as whole words, singular or plural; a longer name beats a shorter one inside it; adjacent names "
        "form one compound whose last word decides (\"fleece jacket\"); of separate names the first decides "
        "(\"a jacket to wear over a t-shirt\"); a name right after I, you, we, they, he or she, or after one "
        "of them and a modal (\"you'd\", \"we can\"), is a verb, not a garment (\"the coat you button up\").", "",
        "| class | garment words | descriptions that vote |", "| --- | --- | --- |",
        *[f"| {names[k]} | {', '.join(words.split())} | {'; '.join(DESCRIPTIONS[k])} |"
          for k, words in enumerate(CLOTHING_WORDS)], ""]
