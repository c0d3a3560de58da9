"""The AE-GAN family: encoder E, generator/decoder G and discriminator D, with a pluggable condition.

    E: x [B, 1, 28, 28] -> mean, log-variance of z [B, latent_dim], class logits [B, num_classes]
    G: z [B, latent_dim], condition -> x [B, 1, 28, 28] in [-1, 1]
    D: x, condition -> realness logit [B]   (a projection discriminator, Miyato & Koyama 2018)

The condition is a class id (LongTensor [B]) for a CGAN or a sentence embedding (float [B, text_dim])
for text-to-image; `ConditionEmbedding` turns either into a vector [B, condition_dim]. A class model also
takes a mixture of classes, class weights [B, K] (`AEGAN.decode_mixture`, `AEGAN.judge_mixture`): walks
between classes and repair's soft class search use it.
All three networks live in one `AEGAN` module so a checkpoint is one config.json + model.safetensors.

The seed's other families (config.family, see aegan/families.py) are the same module with only the parts they
have: the autoencoder and the VAE have no D, the GAN has no E; all three are unconditional (condition "none":
G and D take no condition vector, and any condition passed to them, such as class ids, is ignored). The AE's
encoder is deterministic (no log-variance of its own) and only the AE-GAN's encoder has a class head.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .config import ModelConfig
from .data import CLASS_NAMES, local_checkpoints
from .errors import CheckpointError, InputError
from .families import refusal


class ConditionEmbedding(nn.Module):
    """Class id [B] (long) or sentence embedding [B, text_dim] (float) -> condition vector [B, condition_dim].
    Unconditional models ("none") have no parameters here: any condition of batch B gives an empty [B, 0]."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.kind = config.condition
        if self.kind == "class":
            self.embed = nn.Embedding(config.num_classes, config.condition_dim)
        elif self.kind == "text":
            self.embed = nn.Sequential(
                nn.Linear(config.text_dim, config.condition_dim), nn.LeakyReLU(0.2),
                nn.Linear(config.condition_dim, config.condition_dim),
            )

    def forward(self, condition: torch.Tensor) -> torch.Tensor:
        if self.kind == "none":
            return torch.zeros(len(condition), 0, device=condition.device)
        return self.embed(condition)

    def mix(self, class_weights: torch.Tensor) -> torch.Tensor:
        """Class weights [B, K] -> the same mixture of class vectors [B, condition_dim].

        The embedding is linear in a one-hot code, so a one-hot row gives exactly its class's vector and a
        soft row lies between classes: this is what lets a walk cross classes smoothly and lets repair
        search over the class by gradient descent.
        """
        if self.kind == "none":  # nothing to mix: the walk moves z only
            return class_weights.new_zeros(len(class_weights), 0)
        if self.kind != "class":
            raise InputError("a mixture of classes needs a class-conditional model (a *-cgan checkpoint), not a text one")
        return class_weights @ self.embed.weight


class ConditionalBatchNorm(nn.Module):
    """BatchNorm whose scale and shift are predicted from the condition (as in BigGAN), so the
    condition steers every layer of G rather than only its input.

    G meets two kinds of codes: z drawn from the prior N(0, I) (sampling) and z = E(x) (reconstruction,
    repair, style transfer), and its activations have different statistics for each. So at inference it
    keeps two sets, measured after training (training/export.py): `norm.running_*` for prior codes and
    `encoded_*` for encoded ones; `encoded` in [0, 1] (a float or [B]) blends them, so a walk from a
    drawing to a random seed stays continuous. Training uses batch statistics as usual.
    With no condition (condition_dim 0) the scale and shift are learned constants: a plain affine BatchNorm.
    """

    def __init__(self, channels: int, condition_dim: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.register_buffer("encoded_mean", torch.zeros(channels))
        self.register_buffer("encoded_var", torch.ones(channels))
        if condition_dim:
            self.scale_shift = nn.Linear(condition_dim, 2 * channels)
            nn.init.zeros_(self.scale_shift.weight)
            nn.init.zeros_(self.scale_shift.bias)
        else:
            self.scale_shift = None
            self.affine = nn.Parameter(torch.zeros(2 * channels))  # (scale - 1, shift), as scale_shift's bias

    def forward(self, h: torch.Tensor, c: torch.Tensor, encoded: float | torch.Tensor = 0.0) -> torch.Tensor:
        scale_shift = self.affine.expand(len(h), -1) if self.scale_shift is None else self.scale_shift(c)
        scale, shift = scale_shift.chunk(2, dim=1)  # [B, C] each
        if self.training:
            return self.norm(h) * (1 + scale[:, :, None, None]) + shift[:, :, None, None]
        # Inference: normalising and conditioning are one per-channel multiply-add, h * a + b, folded on the
        # [B, C] vectors first: one pass over the activations instead of four, same result.
        w = torch.as_tensor(encoded, dtype=h.dtype, device=h.device).reshape(-1, 1)  # [B or 1, 1]
        mean = torch.lerp(self.norm.running_mean, self.encoded_mean, w)  # [B or 1, C]
        inverse_std = torch.lerp(self.norm.running_var, self.encoded_var, w).add_(self.norm.eps).rsqrt_()
        a = inverse_std * (1 + scale)  # [B, C]
        b = shift - mean * a
        return torch.addcmul(b[:, :, None, None], h, a[:, :, None, None])


LOGVAR_MIN, LOGVAR_MAX = -12.0, 6.0  # E's log-variance is clamped here; the AE's deterministic code reports the floor


class Encoder(nn.Module):
    """x [B,1,28,28] -> (mean [B, L], log-variance [B, L], class logits [B, K]). The AE's encoder is
    deterministic: it predicts the mean only and reports log-variance LOGVAR_MIN. Only the AE-GAN's has a class
    head; the others report zero logits (uniform class probabilities: no opinion)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        ch = config.base_channels
        self.latent_dim, self.num_classes = config.latent_dim, config.num_classes
        self.variational = config.family != "ae"
        self.features = nn.Sequential(
            nn.Conv2d(1, ch, 4, 2, 1), nn.LeakyReLU(0.2),  # [B, ch, 14, 14]
            nn.Conv2d(ch, 2 * ch, 4, 2, 1), nn.BatchNorm2d(2 * ch), nn.LeakyReLU(0.2),  # [B, 2ch, 7, 7]
            nn.Conv2d(2 * ch, 4 * ch, 3, 2, 1), nn.BatchNorm2d(4 * ch), nn.LeakyReLU(0.2),  # [B, 4ch, 4, 4]
            nn.Flatten(),
        )
        hidden = 4 * ch * 4 * 4
        self.to_latent = nn.Linear(hidden, (2 if self.variational else 1) * config.latent_dim)
        self.to_class = nn.Linear(hidden, config.num_classes) if config.family == "aegan" else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.features(x)
        if self.variational:
            mean, logvar = self.to_latent(h).chunk(2, dim=1)
        else:
            mean = self.to_latent(h)
            logvar = torch.full_like(mean, LOGVAR_MIN)
        logits = self.to_class(h) if self.to_class is not None else h.new_zeros(len(h), self.num_classes)
        return mean, logvar.clamp(LOGVAR_MIN, LOGVAR_MAX), logits


class Generator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        ch = config.generator_channels or config.base_channels
        self.condition = ConditionEmbedding(config)
        self.start_channels = 4 * ch
        self.project = nn.Linear(config.latent_dim + config.condition_dim, 4 * ch * 7 * 7)
        self.norm0 = ConditionalBatchNorm(4 * ch, config.condition_dim)
        self.up1 = nn.ConvTranspose2d(4 * ch, 2 * ch, 4, 2, 1)  # 7 -> 14
        self.norm1 = ConditionalBatchNorm(2 * ch, config.condition_dim)
        self.up2 = nn.ConvTranspose2d(2 * ch, ch, 4, 2, 1)  # 14 -> 28
        self.norm2 = ConditionalBatchNorm(ch, config.condition_dim)
        self.to_image = nn.Conv2d(ch, 1, 3, 1, 1)

    def forward(self, z: torch.Tensor, condition: torch.Tensor, encoded: float | torch.Tensor = 0.0) -> torch.Tensor:
        return self.forward_embedded(z, self.condition(condition), encoded)

    def forward_embedded(self, z: torch.Tensor, c: torch.Tensor, encoded: float | torch.Tensor = 0.0) -> torch.Tensor:
        """z [B, L], condition vector c [B, condition_dim] (from `condition` or `condition.mix`) -> x [B, 1, 28, 28].
        `encoded`: 0 when z comes from the prior, 1 when from the encoder (see ConditionalBatchNorm)."""
        return self.draw(self.start(z, c), c, encoded)

    def start(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """z [B, L], condition vector c [B, condition_dim] -> the first feature map h [B, 4ch, 7, 7].
        Channels-last in memory: PyTorch's CPU transposed convolutions run faster on that layout (the 14 -> 28
        layer about 2.7x, docs/EXPERIMENTS.md), and the layers after keep it; the values are the same."""
        h = self.project(torch.cat([z, c], dim=1)).view(-1, self.start_channels, 7, 7)
        return h.contiguous(memory_format=torch.channels_last)

    def draw(self, h: torch.Tensor, c: torch.Tensor, encoded: float | torch.Tensor = 0.0,
             detail: torch.Tensor | None = None) -> torch.Tensor:
        """The first feature map h [B, 4ch, 7, 7] (from `start`) -> x [B, 1, 28, 28]. `detail` [B, 2ch, 14, 14], if
        given, is added to the normalised 14x14 features: denoising refines h and detail a little past what z can
        say (aegan.denoise)."""
        h = F.relu(self.norm0(h, c, encoded))
        h = self.norm1(self.up1(h), c, encoded)
        h = F.relu(h if detail is None else h + detail)
        h = F.relu(self.norm2(self.up2(h), c, encoded))
        return torch.tanh(self.to_image(h)).contiguous()  # the usual layout again for whoever reads the image


class MinibatchStd(nn.Module):
    """x [B, C, H, W] -> [B, C + 1, H, W]: appends, as one more feature map, how much the images of each group
    of the batch differ (the mean standard deviation of the features across the group). Real batches vary;
    a collapsed generator's do not, and D can now see it. Groups are `group` images (or the largest size
    that divides the batch: one image alone has no spread, so a single image is judged with spread 0)."""

    def __init__(self, group: int):
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        g = math.gcd(b, self.group)
        grouped = x.view(g, b // g, c, h, w).float()  # image i belongs to group i % (b // g); float32 under autocast
        # The variance written out: torch.var over the first dimension is ~25x slower on CPU (3.6 ms against 0.13
        # at D's size, batch 64), which was a tenth of a training step.
        variance = (grouped - grouped.mean(dim=0)).square().mean(dim=0)
        spread = (variance + 1e-8).sqrt().mean(dim=(1, 2, 3)).to(x.dtype)  # [B / g]
        return torch.cat([x, spread.repeat(g).view(b, 1, 1, 1).expand(b, 1, h, w)], dim=1)


class Discriminator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        ch, width = config.discriminator_channels or config.base_channels, config.discriminator_features
        self.condition = ConditionEmbedding(config)
        layers = [
            spectral_norm(nn.Conv2d(1, ch, 4, 2, 1)), nn.LeakyReLU(0.2),  # [B, ch, 14, 14]
            spectral_norm(nn.Conv2d(ch, 2 * ch, 4, 2, 1)), nn.LeakyReLU(0.2),  # [B, 2ch, 7, 7]
            spectral_norm(nn.Conv2d(2 * ch, 4 * ch, 3, 2, 1)), nn.LeakyReLU(0.2),  # [B, 4ch, 4, 4]
        ]
        channels = 4 * ch
        if config.minibatch_std:
            layers.append(MinibatchStd(config.minibatch_std))  # [B, 4ch + 1, 4, 4]
            channels += 1
        self.features = nn.Sequential(
            *layers, nn.Flatten(),
            spectral_norm(nn.Linear(channels * 4 * 4, width)), nn.LeakyReLU(0.2),
        )
        self.to_logit = spectral_norm(nn.Linear(width, 1))
        self.project_condition = spectral_norm(nn.Linear(config.condition_dim, width, bias=False)) \
            if config.condition_dim else None  # an unconditional D: the realness score alone

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(x, self.condition(condition))

    def forward_embedded(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """x [B, 1, 28, 28], condition vector c [B, condition_dim] (from `condition` or `condition.mix`) -> logit [B]:
        an unconditional realness score plus the projection of the condition onto the image's features."""
        return self.score(self.features(x), c)

    def score(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """The image's features h [B, width] (from `features`), condition vector c [B, condition_dim] -> logit [B].
        Apart from `forward_embedded` so that one image's features are judged under several conditions (training
        judges each real image under its own condition and a wrong one) without running the convolutions twice."""
        if self.project_condition is None:
            return self.to_logit(h).squeeze(1)
        projection = (self.project_condition(c) * h).sum(dim=1)
        return self.to_logit(h).squeeze(1) + projection


class AEGAN(nn.Module, PyTorchModelHubMixin, library_name="aegan", tags=["aegan", "gan", "vae"]):
    """Encoder, generator and discriminator of one AE-GAN model, saved and loaded together. A model of another
    family (config.family) has only its parts: `encoder` is None for the GAN, `discriminator` None for the
    AE and the VAE, and asking for a missing part is an InputError of one line (aegan.families.refusal)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        if isinstance(config, dict):  # from config.json (the mixin cannot resolve postponed annotations)
            known = ModelConfig.__dataclass_fields__
            config = ModelConfig(**{k: v for k, v in config.items() if k in known})
        self.config = config
        self.encoder = Encoder(config) if config.family != "gan" else None
        self.generator = Generator(config)
        self.discriminator = Discriminator(config) if config.family in ("aegan", "gan") else None
        if config.caption_bank_size:  # text models: the training captions, filled in at export
            m, a = config.caption_bank_size, config.num_attributes
            self.register_buffer("caption_embeddings", torch.zeros(m, config.text_dim, dtype=torch.float16))
            self.register_buffer("caption_classes", torch.zeros(m, dtype=torch.long))
            self.register_buffer("caption_attributes", torch.zeros(m, a, dtype=torch.int8))  # -1/0/+1 named
            self.register_buffer("attribute_thresholds", torch.zeros(a, 2))  # tertiles of the training images
        if config.phrase_bank_size:  # the bare class phrases ("running shoes"): a prompt's class vote
            self.register_buffer("caption_phrase_embeddings",
                                 torch.zeros(config.phrase_bank_size, config.text_dim, dtype=torch.float16))
            self.register_buffer("caption_phrase_classes", torch.zeros(config.phrase_bank_size, dtype=torch.long))

    # Small public API; the pipeline builds on these.
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x [B,1,28,28] -> (mean [B,L], logvar [B,L], class logits [B,K])."""
        if self.encoder is None:
            raise InputError(refusal(self.config.family, "encode"))
        return self.encoder(x)

    def decode(self, z: torch.Tensor, condition: torch.Tensor | None = None,
               encoded: float | torch.Tensor = 0.0) -> torch.Tensor:
        """z [B,L], condition -> x [B,1,28,28] in [-1, 1]. encoded = 1 when z came from the encoder.
        An unconditional model (the AE, VAE, GAN) takes condition None, or ignores whatever it is given."""
        if condition is None:
            if self.config.condition != "none":
                raise InputError("this model draws under a condition (a class or a sentence); give one")
            return self.generator.forward_embedded(z, z.new_zeros(len(z), 0), encoded)
        return self.generator(z, condition, encoded)

    def judge(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """x, condition -> realness logit [B] (higher = more real to D)."""
        if self.discriminator is None:
            raise InputError(refusal(self.config.family, "judge"))
        return self.discriminator(x, condition)

    def decode_mixture(self, z: torch.Tensor, class_weights: torch.Tensor,
                       encoded: float | torch.Tensor = 0.0) -> torch.Tensor:
        """z [B,L], class weights [B,K] (a mixture of classes) -> x [B,1,28,28] in [-1, 1].
        One-hot weights give decode(z, class ids). Class models (and unconditional ones, which ignore the weights)."""
        return self.generator.forward_embedded(z, self.generator.condition.mix(class_weights), encoded)

    def judge_mixture(self, x: torch.Tensor, class_weights: torch.Tensor) -> torch.Tensor:
        """x [B,1,28,28], class weights [B,K] (a mixture of classes) -> realness logit [B].
        One-hot weights give judge(x, class ids). Class models only."""
        if self.discriminator is None:
            raise InputError(refusal(self.config.family, "judge"))
        return self.discriminator.forward_embedded(x, self.discriminator.condition.mix(class_weights))

    @property
    def class_names(self) -> list[str]:
        """The human names of the classes, index = class id: the config's own, else its dataset's, else the ids."""
        names = self.config.class_names or CLASS_NAMES.get(self.config.dataset)
        return list(names) if names else [str(k) for k in range(self.config.num_classes)]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @classmethod
    def _from_pretrained(cls, *, model_id: str, revision=None, cache_dir=None, force_download=False,
                         local_files_only=False, token=None, map_location="cpu", strict=True, **model_kwargs):
        # Safetensors only (never the pickle fallback of the mixin), and strict: a config that does not
        # match the weights is an error, not a silently half-loaded model.
        folder = Path(model_id)
        if folder.is_dir():
            weights, config_file = folder / "model.safetensors", folder / "config.json"
        else:
            from huggingface_hub import hf_hub_download

            weights = Path(hf_hub_download(model_id, "model.safetensors", revision=revision, cache_dir=cache_dir,
                                           force_download=force_download, token=token,
                                           local_files_only=local_files_only))
            config_file = weights.with_name("config.json")
        if "config" not in model_kwargs:
            raise CheckpointError(f"{config_file}: file is missing")
        try:
            model = cls(**model_kwargs)
        except (TypeError, ValueError, RuntimeError) as error:  # a wrong type, value or size in config.json
            raise CheckpointError(f"{config_file}: invalid model config ({_first_line(error)})") from None
        _load_safetensors(model, weights, map_location)
        return model.eval()


PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
log = logging.getLogger(__name__)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


def _load_safetensors(model: AEGAN, weights: Path, device="cpu") -> None:
    """Strictly load `weights` into `model`; every fault is a CheckpointError of one line naming the file."""
    import safetensors.torch
    from safetensors import safe_open

    if not weights.is_file():
        pickles = sorted(p.name for p in weights.parent.glob("*") if p.suffix in PICKLE_SUFFIXES)
        hint = f" ({', '.join(pickles)} is a pickle, which is never loaded: save the model with save_pretrained)" \
            if pickles else ""
        raise CheckpointError(f"{weights}: file is missing{hint}")
    try:  # the header alone: names and shapes
        with safe_open(str(weights), framework="pt") as f:
            shapes = {k: list(f.get_slice(k).get_shape()) for k in f.keys()}
    except Exception as error:  # safetensors raises its own types for truncated or garbled files
        raise CheckpointError(f"{weights}: not a readable safetensors file ({_first_line(error)})") from None
    expected = {k: list(v.shape) for k, v in model.state_dict().items()}
    wrong = [f"{k} is {shapes[k]} in the file, {expected[k]} by config.json"
             for k in expected if k in shapes and shapes[k] != expected[k]]
    wrong += [f"{k} is missing from the file" for k in expected if k not in shapes]
    wrong += [f"{k} is not part of the model config.json describes" for k in shapes if k not in expected]
    if wrong:
        more = f", and {len(wrong) - 1} more" if len(wrong) > 1 else ""
        raise CheckpointError(f"{weights}: weights do not match config.json ({wrong[0]}{more})")
    try:
        safetensors.torch.load_model(model, str(weights), strict=True, device=str(device))
    except Exception as error:  # a header that lies about the data (tampered offsets or dtypes, cut data)
        raise CheckpointError(f"{weights}: not a readable safetensors file ({_first_line(error)})") from None
    for name, tensor in model.state_dict().items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise CheckpointError(f"{weights}: {name} holds NaN or infinite values (a damaged file)")


def _is_hub_id(source: str) -> bool:
    return (not Path(source).exists() and source.count("/") == 1 and "\\" not in source
            and not source.startswith((".", "/", "~")) and not source.endswith("/"))


def load_model(path_or_repo_id: str | Path, device: torch.device | str = "cpu") -> AEGAN:
    """Load an AE-GAN checkpoint from a local folder or a Hub repo id, with one-line errors.

    A Hub id ("user/name") is loaded from the Hub (or its download cache when HF_HUB_OFFLINE=1). When that
    fails (no network, Hub down) the local folder `<checkpoints>/name` is used, and the log says so (see
    local_checkpoints()); without one, the Hub cache. Only config.json + model.safetensors are ever read.
    """
    source = str(path_or_repo_id)
    model = _load_from_hub(source) if _is_hub_id(source) else _load_folder(Path(source))
    return model.to(device).eval()


def _load_folder(folder: Path) -> AEGAN:
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: checkpoint folder not found")
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise CheckpointError(f"{config_file}: file is missing")
    try:
        config = json.loads(config_file.read_text())
    except (ValueError, UnicodeDecodeError):
        raise CheckpointError(f"{config_file}: not valid JSON") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{config_file}: not a JSON object of model settings")
    try:
        return AEGAN.from_pretrained(folder, map_location="cpu")
    except CheckpointError:
        raise
    except Exception as error:
        raise CheckpointError(f"{folder}: cannot load ({type(error).__name__}: {_first_line(error)})") from None


def _load_from_hub(repo_id: str) -> AEGAN:
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_url

    try:
        if not constants.HF_HUB_OFFLINE:  # one quick request first: the download's own retries take ~25 s
            get_hf_file_metadata(hf_hub_url(repo_id, "config.json"), timeout=5)
        return AEGAN.from_pretrained(repo_id, map_location="cpu")
    except Exception as error:  # no network, Hub down, no such repo, or a broken download
        reason = _hub_failure(error)
    local = local_checkpoints() / repo_id.split("/")[1]
    if local.is_dir():
        log.warning("%s: %s; using the local folder %s", repo_id, reason, local)
        return _load_folder(local)
    try:
        model = AEGAN.from_pretrained(repo_id, map_location="cpu", local_files_only=True)
    except Exception:
        raise CheckpointError(f"{repo_id}: {reason}; no local folder {local} and no copy in the Hub cache "
                              "either") from None
    log.warning("%s: %s; using the copy in the Hub cache", repo_id, reason)
    return model


def _hub_failure(error: Exception) -> str:
    """Why a Hub repo could not be loaded, in a few words."""
    from huggingface_hub import constants, errors

    if isinstance(error, CheckpointError):
        return f"the Hub's copy is unusable ({error})"
    if constants.HF_HUB_OFFLINE or isinstance(error, errors.OfflineModeIsEnabled):
        return "offline (HF_HUB_OFFLINE is set)"
    if isinstance(error, (errors.RepositoryNotFoundError, errors.RemoteEntryNotFoundError)):
        return "not found on the Hub (or private)"
    if isinstance(error, errors.HfHubHTTPError):
        return f"the Hub answered with an error ({_first_line(error)[:120]})"
    return f"the Hub is unreachable ({type(error).__name__})"
