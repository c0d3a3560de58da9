"""Every architecture number of the AE-GAN and of the seed's other families, in one dataclass.

Saved as `config.json` beside the weights by huggingface_hub's `PyTorchModelHubMixin`, so a checkpoint
folder is always enough to rebuild its model.
"""

from __future__ import annotations

from dataclasses import dataclass, field


FAMILIES = ("aegan", "ae", "vae", "gan")  # see aegan/families.py
CONDITIONS = ("class", "text", "none")


@dataclass
class ModelConfig:
    # Which of the seed's models this is (aegan/families.py): "aegan" (E, G and D, conditioned: every
    # checkpoint before the families), "ae" (a deterministic encoder and a decoder, reconstruction only),
    # "vae" (the same with a Gaussian encoder: reconstruction + KL), "gan" (G and D, no encoder). The AE, VAE
    # and GAN are the classic unconditional forms: condition "none", condition_dim 0 (set here when left out).
    family: str = "aegan"
    dataset: str = "fashion-mnist"  # which data the model was trained on; selects class names
    image_size: int = 28  # images are square, single channel
    latent_dim: int = 32  # size of z; E maps x -> (mean, log-variance) of z
    base_channels: int = 32  # width of the first conv layer of E and D (and of G's last, unless set below)
    # Widths of G's last conv layer and D's first (their others are 2x and 4x that); None: base_channels, as in
    # every model before them. G's width is what sampling pays for, D's only what training pays for.
    generator_channels: int | None = None
    discriminator_channels: int | None = None
    # "class": learned embedding of a class id; "text": projection of a sentence embedding; "none": unconditional
    # (G and D see no condition; num_classes and class_names still name the dataset's classes)
    condition: str = "class"
    num_classes: int = 10  # class head of E, class embedding of G and D
    text_dim: int = 384  # size of the frozen sentence embedding (all-MiniLM-L6-v2) when condition == "text"
    condition_dim: int = 64  # size of the condition vector fed to G and D
    discriminator_features: int = 256  # width of D's last hidden layer (the projection space)
    # D also sees how much its batch varies (minibatch standard deviation, Karras et al. 2018): a generator
    # that draws the same few images gets caught. Group size; 0 = off (the models shipped before it).
    minibatch_std: int = 0
    class_names: list[str] = field(default_factory=list)  # human names of the classes, index = class id
    # Text models ship the captions they learned from (set at export): what "understood as" compares with.
    caption_bank_size: int = 0  # number of training caption sentences stored as buffers
    num_attributes: int = 0  # measured attributes (aegan.captions.ATTRIBUTE_WORDS[dataset])
    # Sampling draws z ~ N(0, (z_scale I)^2): the scale at which samples are as varied as real images,
    # measured at export in E's code space (training/calibrate.py); 1.0 for uncalibrated models.
    z_scale: float = 1.0
    phrase_bank_size: int = 0  # number of bare class phrases (aegan.captions.CLASS_PHRASES) stored as buffers

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, not {self.family!r}")
        if self.family != "aegan" and self.condition in ("class", "none"):  # "class" is the default: left out
            self.condition, self.condition_dim = "none", 0
        if self.condition not in CONDITIONS:
            raise ValueError(f"condition must be 'class', 'text' or 'none', not {self.condition!r}")
        if (self.condition == "none") != (self.family != "aegan"):
            raise ValueError(f"the {self.family} family takes condition "
                             f"{'class or text' if self.family == 'aegan' else 'none'}, not {self.condition!r}")
        if self.image_size != 28:
            raise ValueError("only 28x28 images are supported")
