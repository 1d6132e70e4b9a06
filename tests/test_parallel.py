"""tcoder.parallel: work split over real forked processes, results in the items' order."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from tcoder import parallel

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="workers are forked only on Linux")


@pytest.fixture
def two_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "2")


def test_results_come_in_the_items_order_from_other_processes(two_jobs: None) -> None:
    loaded = {n: n * n for n in range(500)}  # state loaded before the call, inherited by the workers
    items = list(range(500))[::-1]

    results = list(parallel.map_ordered(lambda n: (loaded[n], os.getpid()), items))

    assert [square for square, _ in results] == [n * n for n in items]
    worker_pids = {pid for _, pid in results}
    assert os.getpid() not in worker_pids
    assert len(worker_pids) <= 2


def test_slow_items_keep_both_workers_busy(two_jobs: None) -> None:
    def slow(n: int) -> int:
        time.sleep(0.02)
        return os.getpid()

    assert len(set(parallel.map_ordered(slow, range(40), chunksize=1))) == 2


def test_one_job_runs_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "1")
    assert {pid for pid in parallel.map_ordered(lambda _: os.getpid(), range(100))} == {os.getpid()}


def test_few_items_run_in_this_process(two_jobs: None) -> None:
    assert set(parallel.map_ordered(lambda _: os.getpid(), range(5), min_items=16)) == {os.getpid()}


def test_an_unreadable_jobs_setting_falls_back_to_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "two")
    assert parallel.jobs() == min(len(os.sched_getaffinity(0)), parallel.MAX_JOBS)
    monkeypatch.setenv(parallel.JOBS_VARIABLE, "0")
    assert parallel.jobs() == 1


def test_an_error_in_a_worker_is_raised_here_and_the_workers_stop(two_jobs: None) -> None:
    def fails_on_seven(n: int) -> int:
        if n == 7:
            raise ValueError(f"bad item {n}")
        return n

    with pytest.raises(ValueError, match="bad item 7"):
        list(parallel.map_ordered(fails_on_seven, range(100)))
    assert multiprocessing.active_children() == []


class _NeedsTwoArguments(Exception):
    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")


def test_an_error_that_cannot_travel_arrives_as_its_text(two_jobs: None) -> None:
    def fails(n: int) -> int:
        raise _NeedsTwoArguments("T0007.txt", "truncated")

    with pytest.raises(RuntimeError, match="_NeedsTwoArguments in a worker process: T0007.txt: truncated"):
        list(parallel.map_ordered(fails, range(50)))


def test_stopping_early_stops_the_workers(two_jobs: None) -> None:
    results = parallel.map_ordered(lambda n: n, range(10_000), chunksize=1)
    assert next(results) == 0
    results.close()
    assert multiprocessing.active_children() == []


def test_workers_end_when_the_main_process_is_killed(tmp_path) -> None:
    script = tmp_path / "main.py"
    script.write_text(
        "import os, sys, time\n"
        "from tcoder import parallel\n"
        "def work(n):\n"
        f"    open({str(tmp_path)!r} + f'/worker-{{os.getpid()}}', 'w').close()\n"
        "    time.sleep(60)\n"
        "    return n\n"
        "list(parallel.map_ordered(work, range(20), chunksize=1))\n")
    env = {**os.environ, parallel.JOBS_VARIABLE: "2"}
    main = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        assert wait_until(lambda: len(list(tmp_path.glob("worker-*"))) == 2, timeout=30)
        workers = [int(p.name.split("-")[1]) for p in tmp_path.glob("worker-*")]
        main.kill()
        main.wait()
        assert wait_until(lambda: not any(_alive(pid) for pid in workers), timeout=10)
    finally:
        main.kill()


def test_workers_do_arithmetic_on_one_thread_each(two_jobs: None) -> None:
    import numpy  # noqa: F401 - loaded before the workers fork, as reports load it
    from threadpoolctl import threadpool_info

    threads = set(parallel.map_ordered(lambda _: tuple(i["num_threads"] for i in threadpool_info()), range(20)))
    assert threads and all(n == 1 for counts in threads for n in counts)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_workers_collect_cycles_even_when_forked_while_the_collector_is_paused(two_jobs: None) -> None:
    """agree takes its workers' results in with the collector paused, and the workers fork
    then: each must still collect the cycles its own work leaves."""
    import gc

    from tcoder.gcpause import collector_paused

    def collects(_: int) -> tuple[int, bool, int]:
        cycle: list = []
        cycle.append(cycle)
        del cycle
        return os.getpid(), gc.isenabled(), gc.collect()

    with collector_paused():
        seen = list(parallel.map_ordered(collects, range(32)))
        assert not gc.isenabled()
    assert os.getpid() not in {pid for pid, _, _ in seen}
    assert all(enabled for _, enabled, _ in seen) and all(freed >= 1 for _, _, freed in seen)
