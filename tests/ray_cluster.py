"""A real Ray cluster on this machine, for the tests and the benchmark: a head node and nodes that join it
with ``ray start --address``, as docs/batch.md tells a user, each on its own loopback address.

Kept small for a shared 2-core machine: one CPU per node unless asked, a small object store, no
dashboard. Every node runs ``ray start --block`` in a session of its own, so one node can be killed
whole (its raylet and its workers, like a machine that died) and teardown kills exactly the processes
this cluster started, even when a test failed half-way.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

RAY = Path(sys.executable).with_name("ray")
OBJECT_STORE_BYTES = 80 << 20
START_TIMEOUT_S = 180  # the whole cluster up, on a loaded machine
# loopback addresses for the nodes: not 127.0.0.1, which Ray swaps for this machine's network address
NODE_IPS = [f"127.0.0.{n}" for n in range(2, 10)]
_WAIT_NODES = """
import sys, time, ray
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
deadline = time.monotonic() + float(sys.argv[3])
while sum(1 for n in ray.nodes() if n["Alive"]) != int(sys.argv[2]):
    if time.monotonic() > deadline:
        sys.exit(f"{sum(1 for n in ray.nodes() if n['Alive'])} nodes alive, not {sys.argv[2]}")
    time.sleep(0.5)
"""


def ray_env() -> dict[str, str]:
    """The environment every Ray command of a test runs in: no usage reporting, no stray cluster address,
    no rules folders (the workers must get the driver's rules through the engine, not from here)."""
    drop = {"RAY_ADDRESS", "AUDITOR_RULES_DIR", "AUDITOR_RECOGNIZERS_DIR"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "RAY_USAGE_STATS_ENABLED": "0"}


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class LocalCluster:
    def __init__(self, nodes: int = 2, cpus: int = 1) -> None:
        self.want_nodes = nodes
        self.cpus = cpus
        self.head_ip = NODE_IPS[0]
        self.port = _free_port(self.head_ip)
        self.address = f"{self.head_ip}:{self.port}"
        self.temp = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))  # short: Ray's socket paths are bounded
        self.nodes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> LocalCluster:
        try:
            self._start_node(head=True)
            for _ in range(self.want_nodes - 1):
                self._start_node(head=False)
            self.wait_for_nodes(self.want_nodes)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _start_node(self, *, head: bool) -> None:
        ip = NODE_IPS[len(self.nodes)]
        args = [str(RAY), "start", "--block", "--node-ip-address", ip, "--num-cpus", str(self.cpus),
                "--object-store-memory", str(OBJECT_STORE_BYTES), "--disable-usage-stats",
                "--dashboard-agent-listen-port", str(_free_port(ip))]
        if head:
            args += ["--head", "--port", str(self.port), "--include-dashboard", "false", "--temp-dir", str(self.temp)]
        else:
            args += ["--address", self.address]
        log = (self.temp / f"node{len(self.nodes)}.log").open("wb")
        scratch = self.temp / f"tmp{len(self.nodes)}"  # the workers' temporary folder, removed with the cluster
        scratch.mkdir()
        self.nodes.append(subprocess.Popen(args, env={**ray_env(), "TMPDIR": str(scratch)}, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True))
        log.close()
        if head:
            self._wait_for_head()

    def _wait_for_head(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.nodes[0].poll() is not None:
                raise RuntimeError(f"the Ray head exited: {self.log(0)[-2000:]}")
            try:
                socket.create_connection((self.head_ip, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"the Ray head did not start in {START_TIMEOUT_S} s")

    def wait_for_nodes(self, n: int, timeout: float = START_TIMEOUT_S) -> None:
        """Until exactly ``n`` nodes are alive in the cluster's own view."""
        subprocess.run([sys.executable, "-c", _WAIT_NODES, self.address, str(n), str(timeout)], env=ray_env(),
                       check=True, timeout=timeout + 60, capture_output=True)

    def log(self, i: int) -> str:
        return (self.temp / f"node{i}.log").read_text(errors="replace")

    def running(self, i: int, task: str) -> int:
        """How many workers of node ``i`` are running the Ray task ``task`` now (Ray titles a worker
        ``ray::<task>`` while it runs one)."""
        title = f"ray::{task}".encode()
        return sum(1 for pid in _pids() if _session(pid) == self.nodes[i].pid and _cmdline(pid).startswith(title))

    def kill_node(self, i: int) -> None:
        """Kill node ``i`` at once, its raylet and every worker on it, as if its machine died."""
        _kill_session(self.nodes[i].pid)
        self.nodes[i].wait()

    def stop(self) -> None:
        for node in reversed(self.nodes):
            _kill_session(node.pid)
            node.wait()
        shutil.rmtree(self.temp, ignore_errors=True)


def _kill_session(sid: int) -> None:
    """SIGKILL every process of session ``sid`` (a node's ``ray start --block`` and all it started)."""
    for _ in range(3):  # a raylet may start a worker while its siblings are being killed
        pids = [pid for pid in _pids() if _session(pid) == sid]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _session(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[3])  # fields after the command: state ppid pgrp session
