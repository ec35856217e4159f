"""Shared test configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE`` picks the profile; without it, ``CI=true`` means ``ci``, else ``dev``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
# ci: more than twice dev's examples, derandomized. 70, not more: CI must stay inside 20
# minutes, and with coverage on two cores the suite took 18.5 of them at 100 on the slowest
# machine seen yet (about 2.5 times slower than the one where it took 6.7).
settings.register_profile(
    "ci",
    max_examples=70,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev")
)
