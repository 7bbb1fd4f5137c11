"""A case folder survives kill -9, concurrent commands and a crash at every write.

* ``kill -9`` at random moments of ``attrib source add`` and ``attrib attribute``
  (real processes) leaves a valid case: the manifest parses and its seal holds, every
  file it names exists with its SHA-256, earlier results are intact, and attribute
  still works afterwards;
* a crash injected at each write step, in turn, does the same, deterministically;
* two commands on one case: one waits or fails with the lock's message, never a
  corrupted manifest;
* the audit log survives a torn last line;
* ``--max-rows`` guards every command that reads an input.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

import polars as pl
import pytest
from conftest import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrib import api
from attrib.case import audit, fsutil, open_case, store
from attrib.case.audit import TORN_PREFIX, read_entries, verify_chain
from attrib.case.fsutil import case_lock, sha256_path
from attrib.case.store import staged_path
from attrib.errors import CaseError

BUSY = "case is busy (another attrib command is using it); wait for it to finish and try again"
KILLS = 20  # half during source add, half during attribute
SEED = 20250901

# A python that imported attrib and ran every command once on a scratch case (lazy
# imports and numba's cache loaded), then waits for the command line to run: the kill's
# random delay then falls on the command, not on the interpreter starting.
WARM = r"""
import json, sys
from pathlib import Path
from attrib import api
from attrib.cli import main
scratch = Path(sys.argv[1])
api.create_case(scratch / "case", population=1000)
api.add_source(scratch / "case", scratch / "org.csv", org="warm", snapshot="2020-01-01")
api.attribute_leak(scratch / "case", scratch / "leak.csv")
sys.stdout.write("ready\n")
sys.stdout.flush()
main(json.loads(sys.stdin.readline()))
"""


# -- the world, the case, and what "valid" means -----------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory, mini_world) -> dict[str, Path]:
    """Small inputs: two organisations, two leaks, and the warm-up files."""
    d = tmp_path_factory.mktemp("reliability")
    org_a = pl.read_csv(mini_world / "org_a.csv")
    out = {"org_a": mini_world / "org_a.csv", "org_b": mini_world / "org_b.csv",
           "leak1": mini_world / "leak.csv", "leak2": d / "leak2.csv",
           "warm_org": d / "warm_org.csv", "warm_leak": d / "warm_leak.csv"}
    org_a.sample(200, seed=2).write_csv(out["leak2"])
    org_a.head(60).write_csv(out["warm_org"])
    org_a.head(20).write_csv(out["warm_leak"])
    return out


@pytest.fixture(scope="module")
def base_case(tmp_path_factory, files) -> Path:
    """A case with one source and an earlier result (of leak1)."""
    case = tmp_path_factory.mktemp("base") / "case"
    api.create_case(case, population=3000)
    api.add_source(case, files["org_a"], org="org_a", snapshot="2024-06-30")
    api.attribute_leak(case, files["leak1"])
    return case


@pytest.fixture
def case(base_case, tmp_path) -> Path:
    c = tmp_path / "case"
    shutil.copytree(base_case, c)
    return c


def earlier_files(case: Path) -> dict[str, bytes]:
    """The files of the case as it is now, which no later run may change."""
    c = open_case(case)
    return {rel: (case / rel).read_bytes() for rel in c.committed_files()}


def check_case(case: Path, earlier: dict[str, bytes] | None = None) -> store.Case:
    """Assert the case is valid; return it opened."""
    json.loads((case / "case.json").read_text(encoding="utf-8"))  # parses
    opened = open_case(case)  # and its seal holds
    for rel, sha in opened.committed_files().items():
        copies = [p for p in (case / rel, staged_path(case / rel)) if p.exists()]
        # committed and not yet moved into place (killed between commit and publish) is valid
        assert sha in {sha256_path(p) for p in copies}, rel
    for entry in opened.sources() + opened.leaks():
        opened.read_sketch(entry)
    for entry in opened.results():
        doc = json.loads(opened.read_verified(entry["file"], entry["sha256"], "result"))
        assert doc["schema"] == "attrib.attribution/1"
    for rel, data in (earlier or {}).items():
        assert (case / rel).read_bytes() == data, f"{rel} changed"
    _, problems = verify_chain(case / "audit.jsonl")
    assert all("last line is incomplete" in p for p in problems), problems
    return opened


def _snapshot(case: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in case.rglob("*") if p.is_file()}


# -- warm processes ------------------------------------------------------------------


class Warm:
    """A warmed-up ``python`` running one ``attrib`` command line when told to."""

    def __init__(self, scratch: Path, files: dict[str, Path]) -> None:
        scratch.mkdir()
        shutil.copy(files["warm_org"], scratch / "org.csv")
        shutil.copy(files["warm_leak"], scratch / "leak.csv")
        self.proc = subprocess.Popen([sys.executable, "-c", WARM, str(scratch)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def ready(self) -> Warm:
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        assert line == b"ready\n", self.proc.stderr.read()  # type: ignore[union-attr]
        return self

    def go(self, *args: object) -> float:
        self.proc.stdin.write(json.dumps([str(a) for a in args]).encode() + b"\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return time.monotonic()

    def kill(self) -> bool:
        """SIGKILL the process; True if it was still running."""
        running = self.proc.poll() is None
        if running:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.communicate()
        return running

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), err.decode()


class Pool:
    """Keeps ``size`` warm processes starting while one runs (imports take seconds)."""

    def __init__(self, tmp: Path, files: dict[str, Path], total: int, size: int = 2) -> None:
        self.tmp, self.files, self.left = tmp, files, total
        self.starting: deque[Warm] = deque()
        self.started: list[Warm] = []
        for _ in range(min(size, total)):
            self._spawn()

    def _spawn(self) -> None:
        warm = Warm(self.tmp / f"warm-{len(self.started)}", self.files)
        self.started.append(warm)
        self.starting.append(warm)
        self.left -= 1

    def take(self) -> Warm:
        warm = self.starting.popleft()
        if self.left > 0:
            self._spawn()
        return warm.ready()

    def close(self) -> None:
        for warm in self.started:
            if warm.proc.poll() is None:
                warm.kill()


def case_state(case: Path) -> tuple:
    """What changes when a command writes: the names in the case's folders, the
    manifest's inode and the audit log's size."""
    names = tuple(tuple(sorted(os.listdir(d))) for d in
                  (case, case / "sources", case / "leaks", case / "results") if d.is_dir())
    manifest = (case / "case.json").stat()
    return names, manifest.st_ino, manifest.st_mtime_ns, (case / "audit.jsonl").stat().st_size


def watch_writes(warm: Warm, case: Path, timeout: float = 120) -> tuple[float, float]:
    """Poll the case while a command runs; return when its first and last writes showed."""
    state, seen = case_state(case), []
    deadline = time.monotonic() + timeout
    running = True
    while running and time.monotonic() < deadline:
        running = warm.proc.poll() is None  # one last look after it ended
        now = case_state(case)
        if now != state:
            state = now
            seen.append(time.monotonic())
        time.sleep(0.0005)
    assert seen, "the command wrote nothing"
    return seen[0], seen[-1]


def watch_until_change(warm: Warm, case: Path, timeout: float) -> float | None:
    """Poll the case until a command's first write; return when it was seen."""
    before = case_state(case)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and warm.proc.poll() is None:
        if case_state(case) != before:
            return time.monotonic()
        time.sleep(0.0005)
    return None


def unfinished_writes(case: Path) -> list[Path]:
    """Staged and temporary files: what a kill in the middle of a write leaves."""
    return [p for p in case.rglob(".*")
            if p.name.endswith((store.STAGED_SUFFIX, fsutil.TEMP_SUFFIX))]


def command(kind: str, case: Path, files: dict[str, Path], i: int, out: Path) -> list[object]:
    if kind == "source add":
        return ["source", "add", case, files["org_b"], "--org", f"org_k{i}",
                "--snapshot", "2024-06-30"]
    return ["attribute", case, files["leak2"], "--json", out]


def test_kill_9_leaves_the_case_valid(case, files, tmp_path):
    rng = random.Random(SEED)
    earlier = earlier_files(case)
    pool = Pool(tmp_path, files, total=KILLS + 2)
    timing: dict[str, tuple[float, float]] = {}
    killed_mid_run = debris = 0
    try:
        # Calibrate: one complete run of each command (they must succeed).
        for i, kind in enumerate(("source add", "attribute")):
            warm = pool.take()
            start = warm.go(*command(kind, case, files, 1000 + i, tmp_path / "cal.json"))
            first, last = watch_writes(warm, case)
            code, _, err = warm.finish()
            assert code == 0, err
            timing[kind] = (time.monotonic() - start, last - first)
            check_case(case, earlier)
        for i in range(KILLS):
            kind = "source add" if i % 2 == 0 else "attribute"
            out = tmp_path / f"result-{i}.json"
            to_end, writing = timing[kind]
            warm = pool.take()
            start = warm.go(*command(kind, case, files, i, out))
            if rng.random() < 0.25:  # anywhere in the run
                time.sleep(rng.uniform(0, 1.1 * to_end))
            else:  # in its writing phase: between its first and last write
                watch_until_change(warm, case, 3 * to_end + 5)
                time.sleep(rng.uniform(0, 1.2 * writing))
            killed_mid_run += warm.kill()
            debris += bool(unfinished_writes(case))
            check_case(case, earlier)
            if out.exists():  # --json is written atomically too
                assert json.loads(out.read_text())["schema"] == "attrib.attribution/1"
    finally:
        pool.close()
    assert killed_mid_run >= KILLS // 2, f"only {killed_mid_run} kills hit a running command"
    assert debris, "no kill hit a write (no staged or temporary file was ever left)"
    # Afterwards: the case works, and the next command has tidied what the kills left.
    doc = api.attribute_leak(case, files["leak2"])
    assert doc["verdict"]["status"] == "attributed"
    opened = check_case(case, earlier)
    assert not unfinished_writes(case)
    assert verify_chain(case / "audit.jsonl")[1] == []
    assert {e["id"] for e in opened.sources()} >= {"org_a@2024-06-30"}


# -- a crash at each write step, deterministically -----------------------------------


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs (except ``finally``)."""


def _crashing(step: int, torn: bool, counter: list[int]):
    """Write functions that die at write number ``step``; with ``torn``, half-way, leaving
    what a kill leaves (a temporary file with part of the bytes, half a log line)."""
    real_write, real_replace, real_append = (fsutil.atomic_write, fsutil.replace_file,
                                             fsutil.append_all)

    def tick() -> bool:
        counter[0] += 1
        return counter[0] == step

    def atomic_write(path, data, *, mode=0o644):
        if callable(data):  # a streamed write: the same bytes
            buf = io.BytesIO()
            data(buf)
            data = buf.getvalue()
        if tick():
            if torn:
                Path(path).with_name(f".{Path(path).name}.crash{fsutil.TEMP_SUFFIX}"
                                     ).write_bytes(data[: len(data) // 2])
            raise Crash
        real_write(path, data, mode=mode)

    def replace_file(src, dst):
        if tick():
            raise Crash
        real_replace(src, dst)

    def append_all(path, data, *, mode=0o644):
        if tick():
            if torn:
                real_append(path, data[: len(data) // 2], mode=mode)
            raise Crash
        real_append(path, data, mode=mode)

    return atomic_write, replace_file, append_all


def _patch(monkeypatch, fns) -> None:
    atomic_write, replace_file, append_all = fns
    monkeypatch.setattr(store, "atomic_write", atomic_write)
    monkeypatch.setattr(store, "replace_file", replace_file)
    monkeypatch.setattr(audit, "atomic_write", atomic_write)
    monkeypatch.setattr(audit, "append_all", append_all)


def _run_command(kind: str, case: Path, files: dict[str, Path]) -> None:
    if kind == "source add":
        api.add_source(case, files["org_b"], org="org_b", snapshot="2024-06-30")
    else:
        api.attribute_leak(case, files["leak1"])  # replaces the earlier result of leak1


def _count_writes(kind: str, base_case: Path, files, tmp_path, monkeypatch) -> int:
    counter = [0]
    case = tmp_path / "count"
    shutil.copytree(base_case, case)
    with monkeypatch.context() as m:
        _patch(m, _crashing(-1, False, counter))
        _run_command(kind, case, files)
    return counter[0]


@pytest.mark.parametrize("kind", ["source add", "attribute"])
def test_crash_at_every_write_step(kind, base_case, files, tmp_path, monkeypatch):
    steps = _count_writes(kind, base_case, files, tmp_path, monkeypatch)
    assert steps >= 4  # stage, commit, publish, log (attribute: twice the first three)
    for step in range(1, steps + 1):
        case = tmp_path / f"case-{step}"
        shutil.copytree(base_case, case)
        before = json.loads((case / "case.json").read_text())
        with monkeypatch.context() as m:
            # the harsher crash: it also leaves half-written debris, as a kill does
            _patch(m, _crashing(step, True, [0]))
            with pytest.raises(Crash):
                _run_command(kind, case, files)
        opened = check_case(case)
        # Either the change happened or it did not; never half of it.
        if kind == "source add":
            assert len(opened.sources()) in (1, 2)
        else:
            old = before["results"][0]["sha256"]
            now = opened.results()[0]
            assert now["sha256"] == old or old in now["earlier_sha256"]
        # The next command recovers and works, and the log chains again.
        api.attribute_leak(case, files["leak2"])
        check_case(case)
        assert verify_chain(case / "audit.jsonl")[1] == []
        assert not unfinished_writes(case)


# -- concurrency ---------------------------------------------------------------------

# Another process holding a case's lock, without the cost of importing attrib.
HOLDER = r"""
import fcntl, os, sys
fd = os.open(os.path.join(sys.argv[1], ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
sys.stdout.write("locked\n")
sys.stdout.flush()
sys.stdin.readline()
"""


@pytest.fixture
def holder():
    """Start a process that holds a case's lock until released."""
    started: list[subprocess.Popen] = []

    def _hold(case: Path) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(case)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        started.append(proc)
        assert proc.stdout.readline() == b"locked\n"  # type: ignore[union-attr]
        return proc

    yield _hold
    for proc in started:
        if proc.returncode is None:
            proc.communicate(b"\n")


def test_two_commands_at_once(case, files, tmp_path):
    """Two attrib processes change one case at the same moment: one waits or fails
    cleanly, and the manifest is never corrupted."""
    earlier = earlier_files(case)
    pool = Pool(tmp_path, files, total=2)
    try:
        first, second = pool.take(), pool.take()
        first.go("source", "add", case, files["org_b"], "--org", "org_b",
                 "--snapshot", "2024-06-30")
        second.go("attribute", case, files["leak2"], "--json", tmp_path / "r.json")
        outcomes = sorted([first.finish(), second.finish()])
    finally:
        pool.close()
    codes = [o[0] for o in outcomes]
    assert codes in ([0, 0], [0, 3]), outcomes
    if codes == [0, 3]:
        assert outcomes[1][1:] == ("", f"attrib: error: {case}: {BUSY}\n")
    check_case(case, earlier)


def test_busy_case_fails_with_the_lock_message(case, files, run, holder):
    before = _snapshot(case)
    lock = holder(case)
    for args in (["attribute", case, files["leak2"]],
                 ["source", "add", case, files["org_b"], "--org", "b", "--snapshot",
                  "2024-06-30"]):
        assert run(*args) == Result(3, "", f"attrib: error: {case}: {BUSY}\n")
    lock.communicate(b"\n")
    assert _snapshot(case) == before


def test_case_log_waits_for_the_lock(case, holder):
    lock = holder(case)
    done: list[dict] = []
    reader = threading.Thread(target=lambda: done.append(api.case_log(case)))
    reader.start()
    reader.join(0.5)
    assert reader.is_alive() and not done  # waiting, not failing
    lock.communicate(b"\n")
    reader.join(30)
    assert done and done[0]["intact"] is True


def test_threads_exclude_each_other(case):
    """The lock's re-entrancy is per thread: another thread still finds the case busy."""
    errors: list[str] = []

    def other() -> None:
        try:
            with case_lock(case):
                pass
        except CaseError as exc:
            errors.append(str(exc))

    with case_lock(case):
        with case_lock(case):  # re-entrant in this thread
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
    assert errors == [f"{case}: {BUSY}"]


def test_case_init_takes_the_lock(tmp_path, run, holder):
    """Two ``case init`` of one folder cannot mix one's key with the other's manifest:
    the second waits for nothing and fails, whichever moment it comes."""
    target = tmp_path / "new"
    target.mkdir()
    lock = holder(target)
    assert run("case", "init", target) == Result(3, "", f"attrib: error: {target}: {BUSY}\n")
    assert sorted(p.name for p in target.iterdir()) == [".lock"]
    lock.communicate(b"\n")
    assert run("case", "init", target).code == 0
    again = run("case", "init", target)
    assert again == Result(3, "", f"attrib: error: {target}: already exists and is not an "
                                      "empty folder\n")
    check_case(target)


# -- what an interrupted run leaves, tidied by the next --------------------------------


def test_stale_temporary_files_are_removed(case, files):
    (case / ".case.json.abc123.tmp").write_bytes(b'{"half": ')
    (case / "results" / ".leak-x.json.zz.tmp").write_bytes(b"{")
    (case / "leaks" / ".leak-unknown.sketch.staged").write_bytes(b"never committed")
    check_case(case)
    api.attribute_leak(case, files["leak2"])
    assert not list(case.rglob("*.tmp")) and not list(case.rglob("*.staged"))
    check_case(case)
    recovered = [e for e in read_entries(case / "audit.jsonl") if e["command"] == "case recover"]
    assert [e["outputs"] for e in recovered] == [{"published": [], "discarded": [
        ".case.json.abc123.tmp", "results/.leak-x.json.zz.tmp",
        "leaks/.leak-unknown.sketch.staged"]}]


def test_committed_but_unpublished_file_is_read_and_then_published(case, files):
    """Killed between the manifest's commit and the rename of the staged result."""
    opened = open_case(case)
    entry = opened.results()[0]
    final = case / entry["file"]
    staged = staged_path(final)
    final.rename(staged)
    final.write_bytes(b"an older result\n")
    check_case(case)  # the committed copy is the staged one
    doc = api.read_result(staged)
    assert doc["leak"]["id"] == entry["id"]
    api.add_source(case, files["org_b"], org="org_b", snapshot="2024-06-30")
    assert sha256_path(final) == entry["sha256"] and not staged.exists()
    recovered = [e for e in read_entries(case / "audit.jsonl") if e["command"] == "case recover"]
    assert recovered[0]["outputs"] == {"published": [entry["file"]], "discarded": []}


# -- the audit log -------------------------------------------------------------------


def test_torn_last_line(case, files, run):
    log = case / "audit.jsonl"
    lines = log.read_bytes()
    fragment = b'{"seq":4,"time":"2025-01-01T00:00:00Z","comm'
    log.write_bytes(lines + fragment)
    r = run("case", "log", case)
    n = lines.count(b"\n") + 1
    assert r.code == 5
    assert r.err.endswith(
        f"attrib: error: {log}: entry {n}: last line is incomplete ({len(fragment)} bytes "
        "without a newline: a write was interrupted); the next command that changes the "
        "case sets it aside\n")
    # not fatal for other commands; the next one sets the fragment aside and logs it
    assert run("attribute", case, files["leak2"]).code == 0
    r = run("case", "log", case, "--json")
    assert r.code == 0, r.err
    entries = json.loads(r.out)["entries"]
    repair = entries[n - 1]
    assert repair["command"] == "audit repair"
    aside = case / repair["outputs"]["set_aside"]
    assert aside.name.startswith(TORN_PREFIX) and aside.read_bytes() == fragment
    assert repair["outputs"]["torn_bytes"] == len(fragment)
    assert entries[n]["command"] == "attribute"


def test_short_writes_are_completed(case, files, monkeypatch):
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:7])))
    api.attribute_leak(case, files["leak2"])
    monkeypatch.undo()
    assert verify_chain(case / "audit.jsonl")[1] == []


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=300))
def test_any_log_damage_is_reported_never_fatal(base_case, tmp_path_factory, junk):
    case = tmp_path_factory.mktemp("junk") / "case"
    shutil.copytree(base_case, case)
    with open(case / "audit.jsonl", "ab") as fh:
        fh.write(junk)
    entries = read_entries(case / "audit.jsonl")
    _, problems = verify_chain(case / "audit.jsonl")
    assert len(entries) >= 3 and all(p.startswith("entry ") for p in problems)
    with case_lock(case):
        store.Case(case, json.loads((case / "case.json").read_text())).log("x", {}, {})
    assert read_entries(case / "audit.jsonl")[-1]["command"] == "x"


# -- --max-rows on every command that reads an input -----------------------------------


def _rows_message(path: Path, rows: int, limit: int) -> str:
    return f"attrib: error: {path}: {rows} rows exceeds --max-rows {limit}\n"


def test_max_rows_everywhere(case, files, run, tmp_path):
    leak = files["leak2"]  # 200 rows
    kit = tmp_path / "kit.json"
    assert run("case", "export-kit", case, "-o", kit).code == 0
    sketch = tmp_path / "x.sketch"
    for args in (["inspect", leak],
                 ["attribute", case, leak],
                 ["source", "add", case, leak, "--org", "x", "--snapshot", "2024-01-01"],
                 ["sketch", leak, "--kit", kit, "--org", "x", "--snapshot", "2024-01-01",
                  "-o", sketch]):
        before = _snapshot(case)
        r = run(*args, "--max-rows", 199)
        assert (r.code, r.out, r.err) == (2, "", _rows_message(leak, 200, 199)), args
        assert _snapshot(case) == before and not sketch.exists()
        assert run(*args, "--max-rows", 200).code == 0, args
    assert sketch.exists()


def test_inspect_streams_in_bounded_batches(files, monkeypatch):
    """inspect reads in batches (like source add), never the whole file at once."""
    seen = []
    real = api.iter_batches

    def spy(path, **kw):
        info, batches = real(path, **{**kw, "batch_rows": 50})
        seen.append(kw)
        return info, (b for b in batches if seen.append(b.height) or True)

    monkeypatch.setattr(api, "iter_batches", spy)
    monkeypatch.setattr(api, "read_table", lambda *a, **k: pytest.fail("whole-file read"))
    doc = api.inspect_file(files["leak2"])
    assert doc["file"]["rows"] == 200 and seen[1:] == [50, 50, 50, 50]
    assert doc["quality"]["rows"] == 200
