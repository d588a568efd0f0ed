"""Shared test settings."""

from __future__ import annotations

import os

from hypothesis import settings

# CI runs the property tests with a fixed sequence of examples, so a merge never fails on
# a case drawn by chance; local runs keep drawing new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
