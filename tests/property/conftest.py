"""Hypothesis profiles for the property suites: bounded and repeatable in CI, longer on demand.

``ci`` (the default) derandomizes, so that a run is the same run everywhere and a failure in
CI reproduces on a laptop, and stores no example database in the checkout. ``long``
(``HYPOTHESIS_PROFILE=long``) explores at random, far further, and keeps the failures it
finds in .hypothesis/ to replay them first next time (see README, "Testing").
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# One app and test client serve every example of a test; the requests are independent.
_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci", derandomize=True, max_examples=120, deadline=None, database=None, suppress_health_check=_CHECKS
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "20000")),
    deadline=None,
    suppress_health_check=_CHECKS,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
