"""Shared test configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE`` picks the profile; without it, ``CI=true`` means ``ci``, else ``dev``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
# ci: more than three times dev's examples, derandomized. 100, not more: with coverage on two
# cores the suite takes about 20 minutes at 150 on a slow machine, and CI must stay inside 20.
settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev")
)
