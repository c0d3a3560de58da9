"""The Gradio front end of AE-GAN Studio: one module per tab; shared pieces by concern: `loading` (device,
models, text encoder), `requests` (reading and checking what a request sends), `media` (pictures in and
out), `controls` (shared controls and texts), `studio` (the whole app and its launch).

The UI holds no model math: every callback calls the same `aegan` functions as the command line.
"""

import os
import tempfile

# Offline by default: no telemetry and no version check (must be set before gradio is imported).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio's upload and cache folder, named here (GRADIO_TEMP_DIR is documented) so that ui.requests checks
# uploads against the folder Gradio really uses, not against a guess of its default.
os.environ.setdefault("GRADIO_TEMP_DIR", os.path.join(tempfile.gettempdir(), "gradio"))
