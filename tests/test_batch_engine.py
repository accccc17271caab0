"""Choosing the engine of `auditor batch`: a wrong choice is one line and exit 2, before the database is
touched and before any input is hashed (the Ray cluster itself: tests/test_batch_ray.py)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from test_batch_run import MANIFEST, ROOT, batch_cli


def refused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ray_options_need_the_ray_engine(tmp_path: Path) -> None:
    for extra in (["--address", "127.0.0.1:6379"], ["--ship-inputs"]):
        proc = batch_cli([str(MANIFEST), "--db", str(tmp_path / "db"), *extra], {})
        assert proc.returncode == 2
        assert proc.stderr.strip() == "auditor: error: --address and --ship-inputs need --engine ray"
    assert not (tmp_path / "db").exists()


def test_ray_engine_without_ray_says_what_to_install(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['ray'] = None; from auditor.cli import main; "  # as if Ray were not installed
            f"main(['batch', {str(MANIFEST)!r}, '--db', {str(tmp_path / 'db')!r}, '--engine', 'ray'])")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("auditor: error: --engine ray needs Ray: pip install 'pi-auditor[ray]' "
                                   "(docs/batch.md)")


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="Ray is not installed")
def test_no_cluster_at_the_address_is_one_line_at_once(tmp_path: Path) -> None:
    address = f"127.0.0.1:{refused_port()}"
    proc = batch_cli([str(MANIFEST), "--db", str(tmp_path / "db"), "--engine", "ray", "--address", address], {})
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"auditor: error: --address {address}: no Ray head answers there (Connection "
                                   "refused); start one with `ray start --head` (docs/batch.md)")
    proc = batch_cli([str(MANIFEST), "--db", str(tmp_path / "db"), "--engine", "ray", "--address", "ray://h:10001"],
                     {})
    assert proc.returncode == 2 and "Ray Client addresses are not supported" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "db").exists()
