"""Style transfer by analogy: keep an image's style (thickness, slant, shape), change its class.

    project(model, x) -> (z, class_probs)       style codes: E's codes moved to where G follows the class
    analogy(model, x) -> [B, K, 1, 28, 28]      each image's style drawn as every class
    transfer_style(model, style_x, labels)      the style of each image, the class of `labels`

E's codes of real images lie far outside the prior N(0, I), and there G draws the class the code itself
carries, whatever class it is asked for. So a style code is E's code projected back towards the prior:
refined (with repair's latent optimisation, `aegan.repair.refine`) so that G, with its prior-code
statistics, still redraws the image under E's class, while a prior term pulls it to where G follows the
class condition. prior_weight trades the two: more = the asked class more surely, less = the image's own
look more faithfully.

Images are x [B, 1, 28, 28] in [-1, 1]; results come back on the CPU.
"""

from __future__ import annotations

import torch

from .images import check_images
from .models import AEGAN
from .pipeline import check_class_model, check_labels
from .repair import check_knobs, refine


def project(model: AEGAN, x: torch.Tensor, *, steps: int = 40, lr: float = 0.3, prior_weight: float = 1.0,
            encoded: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Style codes of images: x [B,1,28,28] -> (z [B,L], E's class probabilities [B,K]), on the CPU.

    z starts at E's code and is refined for `steps` Adam steps so G(z, E's class) redraws x, with a
    prior term prior_weight * |z|^2. steps=0 gives E's code unchanged. G uses its prior-code statistics
    (encoded=0) by default: the code is meant to live where G follows the class, and measured on the test
    sets this gives both the asked class more often and a closer redraw than encoded=1.
    """
    check_class_model(model, "style transfer")
    x = check_images(x)
    check_knobs(steps, lr, 0.0, prior_weight, 0.0, encoded)
    x = x.to(model.device)
    with torch.no_grad():
        z, _, logits = model.encode(x)
    class_logits = logits.log_softmax(dim=1)
    z, _ = refine(model, x, torch.ones_like(x), z, class_logits, steps=steps, lr=lr, class_lr=0.0,
                  prior_weight=prior_weight, encoded=encoded)
    return z.cpu(), class_logits.softmax(dim=1).cpu()


def analogy(model: AEGAN, x: torch.Tensor, **knobs) -> torch.Tensor:
    """Keep each image's style (thickness, slant, shape), render it under every class.

    x [B, 1, 28, 28] -> [B, K, 1, 28, 28]: row b, column k is image b's style drawn as class k.
    knobs go to `project` (steps, lr, prior_weight, encoded).

    Example:
        >>> model = load_model("checkpoints/mnist-cgan")
        >>> grid = analogy(model, to_tensor(images))   # images uint8 [B, 28, 28] -> [B, 10, 1, 28, 28]
    """
    z, _ = project(model, x, **knobs)
    k = model.config.num_classes
    labels = torch.arange(k).repeat(len(z))  # [B*K]: 0..K-1 for every image
    out = _render(model, z.repeat_interleave(k, dim=0), labels, knobs.get("encoded", 0.0))
    return out.view(len(z), k, 1, 28, 28)


def transfer_style(model: AEGAN, style_x: torch.Tensor, labels: torch.Tensor, **knobs) -> torch.Tensor:
    """The class of `labels`, the style of `style_x`: style_x [B,1,28,28], labels [B] -> x [B,1,28,28].

    To borrow the class of another image, pass the encoder's guess for it as labels.
    """
    labels = check_labels(model, labels, len(style_x))
    z, _ = project(model, style_x, **knobs)
    return _render(model, z, labels, knobs.get("encoded", 0.0))


@torch.inference_mode()
def _render(model: AEGAN, z: torch.Tensor, labels: torch.Tensor, encoded: float) -> torch.Tensor:
    """G(z [N,L], labels [N]) in chunks -> x [N,1,28,28] on the CPU."""
    device = model.device
    if len(z) == 0:
        return torch.zeros(0, 1, 28, 28)
    return torch.cat([model.decode(zc.to(device), yc.to(device), encoded=encoded).cpu()
                      for zc, yc in zip(z.split(4096), labels.split(4096))])
