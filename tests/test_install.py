"""pi-auditor as a user installs it: an sdist and a wheel built by `python -m build`, the wheel installed
non-editable into a fresh virtualenv, and every command run from a folder outside the checkout, with
nothing of the checkout on the path. Then `pip install "pi-auditor @ git+file://..."` from a clone.

These are the slowest tests of the suite (a virtualenv with mitmproxy, androguard and onnxruntime takes about a
minute); they are what proves that rules, recognizers and report templates travel with the package.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from proxy_fixtures import ID_NO, free_port, rows, via_proxy, wait_port, wait_rows

from auditor.report import validate_sarif

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
pytestmark = pytest.mark.slow
Run = Callable[..., subprocess.CompletedProcess[str]]


def _sh(args: list[str | Path], **kw: object) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, check=False, **kw)
    assert res.returncode == 0, f"{args}: exit {res.returncode}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist, then the wheel built from that sdist (build's default), as pip would build them."""
    out = tmp_path_factory.mktemp("dist")
    _sh([sys.executable, "-m", "build", "--outdir", out, ROOT])
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    _sh([sys.executable, "-m", "venv", env_dir])
    # the pip bundled with Python 3.11's venv refuses git+file:// URLs; users upgrade pip first too
    _sh([env_dir / "bin" / "python", "-m", "pip", "install", "-q", "--upgrade", "pip"])
    [wheel] = dist.glob("*.whl")
    _sh([env_dir / "bin" / "python", "-m", "pip", "install", "-q", "-c", ROOT / "constraints.txt", wheel])
    return env_dir


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("elsewhere")


@pytest.fixture(scope="module")
def run(venv: Path, outside: Path) -> Run:
    """Run a program of the fresh virtualenv from a folder outside the checkout, without our environment."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AUDITOR_", "PYTHON", "VIRTUAL_ENV")) and k != "PATH"}
    env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"

    def _run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        res = subprocess.run([str(venv / "bin" / str(args[0])), *map(str, args[1:])], cwd=outside, env=env,
                             capture_output=True, text=True, timeout=600, check=False)
        if check:
            assert res.returncode == 0, f"{args}: exit {res.returncode}\n{res.stderr[-3000:]}"
        return res

    return _run


def test_sdist_and_wheel_carry_rules_recognizers_and_templates(dist: Path) -> None:
    [sdist] = dist.glob("*.tar.gz")
    [wheel] = dist.glob("*.whl")
    with tarfile.open(sdist) as t:
        in_sdist = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    with zipfile.ZipFile(wheel) as z:
        in_wheel = set(z.namelist())
    for folder in ("rules", "recognizers", "reports"):
        files = [p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*")
                 if p.is_file() and p.suffix in {".yaml", ".json", ".j2", ".css"}]
        assert files
        assert not set(files) - in_sdist
        assert not {f"auditor/{f}" for f in files} - in_wheel
    assert "auditor/schema/sarif-2.1.0.json" in in_wheel
    # the wheel holds the package only: no tests, samples or the checkout's data folders at its top
    assert not [n for n in in_wheel if n.startswith(("tests/", "samples/", "rules/", "reports/"))]


def test_the_package_is_imported_from_the_virtualenv(run: Run, venv: Path) -> None:
    res = run("python", "-c", "import auditor, auditor.ruleset as r; print(auditor.__file__); print(r.rules_dir())")
    module, rules = res.stdout.split()
    assert Path(module).is_relative_to(venv) and Path(rules).is_relative_to(venv)


def test_every_command_works_outside_the_checkout(run: Run, outside: Path) -> None:
    scan = run("auditor", "scan", "联系电话 13912345678")
    assert json.loads(scan.stdout)["entities"][0]["category"] == "phone_number"

    traffic = json.loads(run("auditor", "traffic", SAMPLES / "traffic/gov_service.har", "--json", "-").stdout)
    assert {"device_id", "face", "id_document"} <= {o["category"] for o in traffic["observations"]}

    policy = json.loads(run("auditor", "policy", SAMPLES / "policy/ride_hailing_policy.txt", "--json", "-").stdout)
    assert {"precise_location", "phone_number"} <= {d["category"] for d in policy["declarations"]}

    mp = run("auditor", "miniprogram", SAMPLES / "miniprogram/gov-service", "--sarif", "mp.sarif", "--json", "-")
    assert json.loads(mp.stdout)["observations"]
    validate_sarif(json.loads((outside / "mp.sarif").read_text(encoding="utf-8")))

    apk = SAMPLES / "apk/build/wst.apk"
    run("auditor", "audit", "--traffic", SAMPLES / "traffic/gov_service.har", "--apk", apk,
        "--policy", SAMPLES / "policy/ride_hailing_policy.txt", "--html", "out/r.html", "--sarif", "out/r.sarif",
        "--db", "out/a.db")
    html = (outside / "out/r.html").read_text(encoding="utf-8")
    assert "<style>" in html and "before_consent" in html
    sarif = json.loads((outside / "out/r.sarif").read_text(encoding="utf-8"))
    validate_sarif(sarif)
    assert sarif["runs"][0]["results"]
    run("auditor", "report", "--db", "out/a.db", "--html", "out/again.html", "--lang", "en")
    assert (outside / "out/again.html").stat().st_size > 10_000


def test_mitmdump_loads_the_addon_of_the_wheel(run: Run, venv: Path, outside: Path, server: int) -> None:
    addon = Path(run("auditor", "proxy", "--print-addon").stdout.strip())
    assert addon.is_relative_to(venv) and addon.is_file()
    port = free_port()
    db = outside / "live.db"
    proc = subprocess.Popen(
        [venv / "bin" / "mitmdump", "-s", addon, "--set", f"pi_db={db}", "--listen-host", "127.0.0.1",
         "--listen-port", str(port), "--set", f"confdir={outside / 'mitm-conf'}"],
        cwd=outside, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(outside), "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_port(port, proc)
        via_proxy(port, f"http://127.0.0.1:{server}/up", json.dumps({"sfzh": ID_NO}).encode())
        wait_rows(db, "SELECT id FROM observations", 1)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert "Traceback" not in out
    assert rows(db, "SELECT status FROM audits")[0][0] == "complete"
    assert ("id_document",) in rows(db, "SELECT category FROM observations")


def test_pip_install_from_a_git_url(run: Run, venv: Path, outside: Path, tmp_path: Path) -> None:
    """What the README's CI job does: `pip install "pi-auditor @ git+<repository>"` (here a local clone)."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    _sh(["git", "clone", "-q", ROOT, clone])
    run("python", "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", f"pi-auditor @ git+file://{clone}")
    run("auditor", "audit", "--policy", SAMPLES / "policy/ride_hailing_policy.txt",
        "--traffic", SAMPLES / "traffic/ride_hailing.har", "--app-category", "网络约车", "--html", "git.html")
    assert "网络约车" in (outside / "git.html").read_text(encoding="utf-8")
