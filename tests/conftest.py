"""Shared test set-up: hypothesis profiles (HYPOTHESIS_PROFILE=thorough for a long run)."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("default", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# --------------------------------------------------------------------------- report plan

import pytest  # noqa: E402

from tests.helpers import ReportSite, solve_report_site  # noqa: E402


@pytest.fixture(scope="session")
def report_site(tmp_path_factory: pytest.TempPathFactory) -> ReportSite:
    """One small plan for the report tests, solved once: 9 days over Christmas (two week
    sheets), names and a company holiday that need escaping, a shortfall at the start."""
    return solve_report_site(tmp_path_factory.mktemp("report-site"))
