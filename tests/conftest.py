"""Shared test configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE`` picks the profile; without it, ``CI=true`` means ``ci``, else ``dev``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
# ci: more examples than dev, derandomized. 50, not more: CI must stay inside 20 minutes, and
# with coverage on two cores the whole CI took 16.5, 17.3 and then 18.7 minutes at 70 on one
# machine as it slowed through a session (the transition benchmark by 23% in the same hour).
# Counts an issue states (10,000 fuzzed e-mails, 10,000-ticket workers) are set where they run.
settings.register_profile(
    "ci",
    max_examples=50,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev")
)
