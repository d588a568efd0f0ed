"""Shared test settings."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from generator import workers

# CI runs the property tests with a fixed sequence of examples, so a merge never fails on
# a case drawn by chance; local runs keep drawing new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """No worker process can start, as on a platform without shared locks."""

    def unavailable() -> None:
        raise OSError("this platform lacks a functioning sem_open implementation")

    monkeypatch.setattr(workers, "_Worker", unavailable)
