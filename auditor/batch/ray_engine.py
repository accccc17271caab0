"""The Ray engine: a campaign's audits on the nodes of a Ray cluster (``auditor batch --engine ray``).

Only where audits run changes (engine.py): this process (the *driver*, on a node of the cluster) keeps
hashing, resuming and storing, and every app becomes one Ray task that returns the plain audit. A task
is retried by Ray when its worker or its node is lost (``max_retries``; an app that exhausts them is
failed with that reason), and the worker's own ``--timeout`` alarm stops a runaway app as in the local
pool. Never more than ``2 x`` the cluster's CPUs are submitted at once, so results do not pile up in
the object store while the driver stores them one transaction at a time.

Workers need pi-auditor (the same version, checked per task) installed beside ``ray`` on every node;
nothing else. Each input is read where the worker sees it at the path the manifest gave with the hash
the driver computed (shared storage); otherwise it is streamed from the driver's node in chunks
through Ray's object store (shipping.py), and so are the rules, so every node audits under exactly the
driver's rules version.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import shutil
import socket
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from auditor import __version__
from auditor.batch.engine import Record, WorkerSetup
from auditor.batch.shipping import Entry, fetch, read_entries, usable_in_place
from auditor.batch.task import AppTask, HashedInput
from auditor.batch.worker import TaskResult, configure, run_task
from auditor.errors import AuditorError, UsageError
from auditor.pipeline import sha256_of
from auditor.resources import ENV_DIRS
from auditor.ruleset import Ruleset

RETRIES = 2  # attempts after the first when a worker or node is lost
STREAM_BACKPRESSURE = 2  # chunks of one input in flight between the driver's node and a worker
WINDOW_REFRESH_S = 5.0  # how often the cluster's CPU count is read again (nodes join and leave)


@dataclass(frozen=True)
class ClusterSetup:
    """What every Ray task carries besides its app: the salt, the rules by content, and the node whose
    file system holds the inputs (the driver's)."""

    salt: str
    rules: HashedInput
    recognizers: HashedInput
    driver_node: str
    ship_inputs: bool = False


class RayEngine:
    def __init__(self, address: str | None = None, *, ship_inputs: bool = False, max_in_flight: int | None = None,
                 retries: int = RETRIES) -> None:
        self.address = address
        self.ship_inputs = ship_inputs  # every input through the object store, even where a path would do
        self.max_in_flight = max_in_flight
        self.retries = retries
        self._window = 1
        self._window_read = float("-inf")

    def run(self, tasks: deque[AppTask], setup: WorkerSetup, record: Record) -> None:
        if not ray.is_initialized():  # not joined by the caller (the CLI joins first, see joined())
            with joined(head_address(self.address), self):
                self.run(tasks, setup, record)
            return
        cluster = ClusterSetup(setup.salt, _hashed("rules", setup.rules_root),
                               _hashed("recognizers", setup.recognizers_root),
                               ray.get_runtime_context().get_node_id(), self.ship_inputs)
        audit = audit_app.options(max_retries=self.retries)
        inflight: dict[ray.ObjectRef, AppTask] = {}
        while tasks or inflight:
            self._refill(tasks, inflight, lambda t: audit.remote(t, cluster))
            ray.wait(list(inflight), num_returns=1)
            ready, _ = ray.wait(list(inflight), num_returns=len(inflight), timeout=0)
            outcomes = [(inflight.pop(ref), ref) for ref in ready]
            # hand out the next apps before storing these, so no worker idles while the driver writes
            self._refill(tasks, inflight, lambda t: audit.remote(t, cluster))
            for task, ref in outcomes:
                record(task, self._outcome(task, ref))

    def _refill(self, tasks: deque[AppTask], inflight: dict[ray.ObjectRef, AppTask],
                submit: Callable[[AppTask], ray.ObjectRef]) -> None:
        while tasks and len(inflight) < self._capacity():
            task = tasks.popleft()
            inflight[submit(task)] = task

    def _capacity(self) -> int:
        if self.max_in_flight:
            return self.max_in_flight
        if time.monotonic() - self._window_read > WINDOW_REFRESH_S:
            self._window = max(1, 2 * int(ray.cluster_resources().get("CPU", 0)))
            self._window_read = time.monotonic()
        return self._window

    def _outcome(self, task: AppTask, ref: ray.ObjectRef) -> TaskResult:
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as e:  # the task itself raised: audit errors are caught inside it
            return TaskResult.failure(task.key, f"internal error: {_reason(e)}")
        except ray.exceptions.RayError as e:
            return TaskResult.failure(task.key, f"the Ray worker auditing this app was lost {1 + self.retries} times "
                                                f"(node lost, crash or out of memory): {type(e).__name__}")


def head_address(address: str | None) -> str:
    """The cluster to join: ``address``, else RAY_ADDRESS, else the one this machine belongs to
    ("auto"), checked to answer now (Ray itself retries a dead address for minutes). A campaign never
    starts a private Ray instance: it is meant for a cluster someone started (docs/batch.md)."""
    address = address or os.environ.get("RAY_ADDRESS") or "auto"
    if "://" in address:
        raise UsageError(f"--address {address}: Ray Client addresses are not supported; run `auditor batch` on a "
                         "node of the cluster (docs/batch.md), with the head's address (host:6379)")
    if address == "auto":
        return address
    host, colon, port = address.rpartition(":")
    if not colon:
        host, port = address, "6379"  # Ray's default port
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except (OSError, ValueError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise UsageError(f"--address {address}: no Ray head answers there ({reason}); start one with "
                         "`ray start --head` (docs/batch.md)") from None
    return address


@contextlib.contextmanager
def joined(address: str, engine: RayEngine) -> Iterator[RayEngine]:
    """This process joined to the cluster for as long as the block runs; the engine uses that connection."""
    try:
        ray.init(address=address, namespace="pi-auditor", logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UsageError(f"--address {address}: cannot join a Ray cluster ({first}); start one with "
                         "`ray start --head` (docs/batch.md)") from None
    try:
        yield engine
    finally:
        ray.shutdown()


def _hashed(kind: str, folder: str) -> HashedInput:
    path = Path(folder).resolve()
    return HashedInput(kind, str(path), *sha256_of(path))


def _reason(e: ray.exceptions.RayTaskError) -> str:
    cause = e.cause if isinstance(e.cause, BaseException) else e
    return f"{type(cause).__name__}: {str(cause).strip().splitlines()[0] if str(cause).strip() else ''}"


# ---- on the workers ----------------------------------------------------------------------------------

_configured: tuple[str, str, str] | None = None


@ray.remote(num_cpus=1, max_retries=RETRIES, retry_exceptions=False)
def audit_app(task: AppTask, cluster: ClusterSetup) -> TaskResult:
    """One app on whichever node Ray chose: its inputs made local, then the same ``run_task`` as the
    local pool, its report sent back with the audit for the driver to write."""
    node = ray.get_runtime_context().get_node_id()
    if task.tool_version != __version__:
        return replace(TaskResult.failure(task.key, f"node {node[:8]} has pi-auditor {__version__}, the driver "
                                                    f"{task.tool_version}: install one version on every node"),
                       node=node)
    with contextlib.ExitStack() as cleanup:  # copies of inputs, if any, go when the audit is done
        try:
            _configure(cluster)
            inputs, shown = _local_inputs(task, cluster, cleanup)
        except (AuditorError, OSError) as e:
            return replace(TaskResult.failure(task.key, str(e)), node=node)
        except ray.exceptions.RayTaskError as e:  # the driver's node could not read the input
            return replace(TaskResult.failure(task.key, f"cannot be sent to node {node[:8]}: {_reason(e)}"),
                           node=node)
        result = run_task(replace(task, inputs=inputs), return_report=True, shown_paths=shown)
    return replace(result, node=node)


@ray.remote(num_cpus=0, max_retries=0)
def read_input(path: str) -> Iterator[list[Entry]]:
    """Runs on the driver's node: one input as a stream of chunks (a Ray streaming generator)."""
    yield from read_entries(path)


Stream = Callable[[str], Iterator[list[Entry]]]


def _stream_from(cluster: ClusterSetup) -> Stream:
    reader = read_input.options(scheduling_strategy=NodeAffinitySchedulingStrategy(cluster.driver_node, soft=False),
                                _generator_backpressure_num_objects=STREAM_BACKPRESSURE)

    def stream(path: str) -> Iterator[list[Entry]]:
        for ref in reader.remote(path):
            yield ray.get(ref)

    return stream


def _local_inputs(task: AppTask, cluster: ClusterSetup,
                  cleanup: contextlib.ExitStack) -> tuple[tuple[HashedInput, ...], dict[str, str]]:
    """The task's inputs as this worker can read them, and which local copy stands for which path;
    copies go into a temporary folder made only when one is needed and removed by ``cleanup``."""
    inputs: list[HashedInput] = []
    shown: dict[str, str] = {}
    work: Path | None = None
    for n, item in enumerate(task.inputs):
        if not cluster.ship_inputs and usable_in_place(item):
            inputs.append(item)
            continue
        work = work or Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="pi-auditor-")))
        folder = work / str(n)
        folder.mkdir()
        local = fetch(item, folder, _stream_from(cluster))
        inputs.append(replace(item, path=str(local)))
        shown[str(local)] = item.path
    return tuple(inputs), shown


def _configure(cluster: ClusterSetup) -> None:
    """Once per worker process: the driver's rules, set where every reader of rules looks (as a local
    worker inherits them), the analysis modules imported before any --timeout alarm can interrupt an
    import (preload.py), then the worker state ``run_task`` uses."""
    global _configured
    key = (cluster.salt, cluster.rules.sha256, cluster.recognizers.sha256)
    if _configured == key:
        return
    rules, recognizers = _rules_copy(cluster.rules, cluster), _rules_copy(cluster.recognizers, cluster)
    os.environ[ENV_DIRS["rules"]] = str(rules)
    os.environ[ENV_DIRS["recognizers"]] = str(recognizers)
    importlib.import_module("auditor.batch.preload")
    configure(cluster.salt, Ruleset(rules, recognizers))
    _configured = key


def _rules_copy(item: HashedInput, cluster: ClusterSetup) -> Path:
    """The rules folder at its path where it is the driver's, else one copy per node and version."""
    if not cluster.ship_inputs and usable_in_place(item):
        return Path(item.path)
    home = Path(tempfile.gettempdir()) / "pi-auditor-rules" / item.sha256
    if not home.exists():
        home.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=home.parent))
        fetch(item, tmp, _stream_from(cluster))
        try:
            tmp.rename(home)
        except OSError:  # another worker of this node got there first
            shutil.rmtree(tmp, ignore_errors=True)
    return next(home.iterdir())
