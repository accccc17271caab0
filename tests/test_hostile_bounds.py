"""Each reader's bound holds against the input built to break it, and its error names the bound:
YAML bombs, PDF FlateDecode bombs, backtracking consent patterns, FIFOs and sparse files as inputs,
another program's SQLite file as --db, concurrent batches, a killed batch's workers."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_inputs import ROOT, SAMPLE_HAR, billion_laughs, flate_bomb_pdf, har_with, set_url

from auditor.errors import InputError
from auditor.limits import YAMLInputError, load_yaml


# --- YAML -----------------------------------------------------------------------------------------
def test_load_yaml_refuses_bombs_fast() -> None:
    started = time.monotonic()
    with pytest.raises(YAMLInputError, match="MAX_YAML_NODES"):
        load_yaml(billion_laughs(9))
    with pytest.raises(YAMLInputError, match="recursive"):
        load_yaml("a: &a [1, *a]\n")
    with pytest.raises(YAMLInputError, match="MAX_YAML_DEPTH"):
        load_yaml("".join(f"{' ' * i}k{i}:\n" for i in range(300)) + " " * 300 + "v: 1\n")
    with pytest.raises(YAMLInputError, match=r"line 2: \.nan is not a finite number"):
        load_yaml("app:\n  version: .nan\n")
    assert time.monotonic() - started < 5
    assert load_yaml("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("where", ["scope", "manifest", "rules"])
def test_a_yaml_bomb_is_one_short_line_naming_the_bound(run_cli, tmp_path: Path, where: str) -> None:
    bomb = billion_laughs(9, key="apps" if where == "manifest" else "z")
    env = None
    if where == "scope":
        (tmp_path / "s.yaml").write_text(bomb, encoding="utf-8")
        args = ["audit", "--scope", str(tmp_path / "s.yaml")]
    elif where == "manifest":
        (tmp_path / "m.yaml").write_text(bomb, encoding="utf-8")
        args = ["batch", str(tmp_path / "m.yaml"), "--db", str(tmp_path / "b.db")]
    else:
        import shutil

        rules = tmp_path / "rules"
        shutil.copytree(ROOT / "rules", rules)
        (rules / "consent.yaml").write_text(bomb, encoding="utf-8")
        env = {"AUDITOR_RULES_DIR": str(rules)}
        args = ["traffic", str(SAMPLE_HAR)]
    started = time.monotonic()
    r = run_cli(args, env=env)
    assert time.monotonic() - started < 60
    assert r.returncode == 2, r.stderr
    assert "MAX_YAML_NODES" in r.stderr and len(r.stderr) < 600 and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "b.db").exists()


def test_scope_nan_version_is_refused_not_written_as_nan(run_cli, tmp_path: Path) -> None:
    scope = tmp_path / "s.yaml"
    scope.write_text("app:\n  name: x\n  version: .nan\n", encoding="utf-8")
    r = run_cli(["audit", "--scope", str(scope), "--json", "-"])
    assert r.returncode == 2 and "not a finite number" in r.stderr
    assert "NaN" not in r.stdout


# --- PDF ------------------------------------------------------------------------------------------
def test_a_flatedecode_bomb_is_an_unreadable_policy_naming_the_bound(run_cli, tmp_path: Path) -> None:
    pdf = tmp_path / "bomb.pdf"
    pdf.write_bytes(flate_bomb_pdf(4096))
    assert pdf.stat().st_size < 10 << 20
    out = tmp_path / "p.json"
    r = run_cli(["policy", str(pdf), "--json", str(out)])
    assert r.returncode == 0, r.stderr
    warnings = json.loads(out.read_text(encoding="utf-8"))["audit"]["warnings"]
    assert any("MAX_PDF_MEMORY" in w for w in warnings), warnings


def test_a_pdf_within_bounds_is_still_read() -> None:
    import zlib

    from hostile_inputs import pdf_document

    from auditor.policy.extract import pdf_text

    text = pdf_text(pdf_document(zlib.compress(b"BT /F1 12 Tf 72 712 Td (We collect your phone number.) Tj ET")))
    assert "phone number" in text.text and text.unreadable is None


def test_the_sandbox_raises_the_child_errors_and_bounds() -> None:
    from auditor.sandbox import BoundExceeded, run_bounded

    assert run_bounded(len, b"abc", memory=64 << 20, timeout=30) == 3
    with pytest.raises(ZeroDivisionError):
        run_bounded(lambda x: x / 0, 1, memory=64 << 20, timeout=30)
    with pytest.raises(BoundExceeded) as e:
        run_bounded(lambda n: bytearray(n), 1 << 30, memory=64 << 20, timeout=30)
    assert e.value.kind == "memory"
    with pytest.raises(BoundExceeded) as e:
        run_bounded(time.sleep, 30, memory=64 << 20, timeout=0.5)
    assert e.value.kind == "time"


# --- consent patterns -----------------------------------------------------------------------------
def test_a_backtracking_consent_pattern_does_not_hang(run_cli, tmp_path: Path) -> None:
    har = tmp_path / "t.har"
    har.write_text(har_with(set_url("http://api.example.org/" + "a" * 40000 + "!")), encoding="utf-8")
    started = time.monotonic()
    r = run_cli(["traffic", str(har), "--consent-at", "(a+)+$"])
    assert time.monotonic() - started < 60
    assert r.returncode == 2 and "no flow URL matches" in r.stderr


def test_a_pattern_re2_cannot_run_is_a_usage_error(run_cli) -> None:
    r = run_cli(["traffic", str(SAMPLE_HAR), "--consent-at", "(?<=x)agree"])
    assert r.returncode == 2 and "RE2" in r.stderr and r.stderr.count("\n") == 1


# --- input hashing --------------------------------------------------------------------------------
def test_a_fifo_input_is_refused_not_waited_on(run_cli, tmp_path: Path) -> None:
    fifo = tmp_path / "capture.har"
    os.mkfifo(fifo)
    r = run_cli(["traffic", str(fifo)])
    assert r.returncode == 2 and "not a regular file" in r.stderr


def test_a_sparse_40_gib_input_is_refused_at_once(run_cli, tmp_path: Path) -> None:
    big = tmp_path / "big.har"
    with big.open("wb") as fh:
        fh.truncate(40 << 30)
    started = time.monotonic()
    r = run_cli(["traffic", str(big)])
    assert time.monotonic() - started < 30
    assert r.returncode == 2 and "MAX_HASH_BYTES" in r.stderr


def test_the_tree_hash_does_not_follow_links(tmp_path: Path) -> None:
    from auditor.pipeline import sha256_of

    tree = tmp_path / "mp"
    tree.mkdir()
    (tree / "app.js").write_text("wx.getLocation()", encoding="utf-8")
    outside = tmp_path / "secret.bin"
    outside.write_bytes(b"secret")
    (tree / "link.js").symlink_to(outside)
    (tree / "zero").symlink_to("/dev/zero")
    (tree / "up").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(tree / "fifo.js")
    digest, size = sha256_of(tree)
    assert size == len("wx.getLocation()")
    outside.write_bytes(b"changed")
    assert sha256_of(tree)[0] == digest  # the outside file's content is not part of the hash
    assert hashlib.sha256(b"x").hexdigest() != digest


# --- the database ---------------------------------------------------------------------------------
def _foreign_db(path: Path) -> str:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE moz_places (id INTEGER, url TEXT)")
    con.execute("INSERT INTO moz_places VALUES (1, 'https://example.org')")
    con.commit()
    con.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", [["traffic", str(SAMPLE_HAR)], ["audits"], ["report", "--html", "r.html"]])
def test_another_programs_database_is_refused_untouched(run_cli, tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "places.sqlite"
    before = _foreign_db(db)
    r = run_cli([*command, "--db", str(db)], cwd=tmp_path)
    assert r.returncode == 2 and "another program" in r.stderr, r.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["places.sqlite"]  # no -wal, -shm, report


def test_a_rejected_input_leaves_no_database(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text("{not json", encoding="utf-8")
    r = run_cli(["traffic", str(bad), "--db", str(tmp_path / "new.db")])
    assert r.returncode == 2
    assert not (tmp_path / "new.db").exists()


def test_a_second_batch_on_the_same_database_is_refused(tmp_path: Path) -> None:
    from auditor.batch.lock import exclusive

    db = tmp_path / "b.db"
    with exclusive(db), pytest.raises(InputError, match="another `auditor batch` is running"), exclusive(db):
        pass
    with exclusive(db):  # released: the next run goes
        pass


@pytest.mark.slow
def test_workers_do_not_outlive_a_killed_batch(tmp_path: Path) -> None:
    har = tmp_path / "a.har"
    har.write_text(SAMPLE_HAR.read_text(encoding="utf-8"), encoding="utf-8")
    lines = ["campaign: k", "apps:"] + [f"  - {{id: a{i:04d}, traffic: [a.har], first_party: a{i}.example.cn}}"
                                         for i in range(400)]
    (tmp_path / "m.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "auditor.cli", "batch", str(tmp_path / "m.yaml"), "--db",
                             str(tmp_path / "b.db"), "--jobs", "2"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    children: set[int] = set()
    while time.monotonic() < deadline and len(children) < 3:  # forkserver and its workers
        children = _descendants(proc.pid)
        time.sleep(0.2)
    assert len(children) >= 3, "the batch did not start its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in children):
        time.sleep(0.2)
    left = [p for p in children if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, "processes outlived the killed batch"


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            parents[int(d)] = int(stat.rsplit(")", 1)[1].split()[1])
    out: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier} - out
        out |= frontier
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
