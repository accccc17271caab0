"""Shared fixtures: running the real `auditor` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import settings

# CI must land or fail on the code, not on the draw: property tests replay a fixed sequence unless a developer
# asks for fresh examples with HYPOTHESIS_PROFILE=explore.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
# fixtures of the live-proxy tests (a local server standing in for an app's servers) and of the tests that
# read a real-world scorer's run
pytest_plugins = ["proxy_fixtures", "realworld"]


def _run(args: Sequence[str], *, env: dict[str, str] | None = None, input: bytes | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "auditor.cli", *args], cwd=cwd or ROOT, env=full_env, input=input,
        capture_output=True, timeout=600, check=False,
        text=input is None,
    )


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return _run
