"""The Gradio front end of AE-GAN Studio: one module per tab, shared pieces in `ui.common`.

The UI holds no model math: every callback calls the same `aegan` functions as the command line.
"""

import os

# Offline by default: no telemetry and no version check (must be set before gradio is imported).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
