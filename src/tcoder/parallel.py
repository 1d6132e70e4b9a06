"""Work that splits by transcript, spread over the machine's cores.

Batch commands (check, agree, reports, export) spend most of their time on work that
is independent per transcript: parse a coder's file, place its annotations, count.
`map_ordered` runs such work in worker processes forked from this one, so the workers
start with everything already loaded (the open study, its codebook), and it yields the
results in the order of the items, so what a command prints or writes is byte for byte
what one process would have produced.

`TCODER_JOBS=N` sets the number of processes (1 runs everything in this process); by
default it is the number of cores this process may use, at most `MAX_JOBS`. Forking is
used only where it is the platform's safe default (Linux); elsewhere the work runs in
this process.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_JOBS = 8
JOBS_VARIABLE = "TCODER_JOBS"

_task: Callable[[Any], Any] | None = None


def jobs() -> int:
    """How many processes batch work may use."""
    wanted = os.environ.get(JOBS_VARIABLE, "").strip()
    if wanted:
        try:
            return max(1, int(wanted))
        except ValueError:
            pass  # an unreadable setting falls back to the default rather than failing a report
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_JOBS))


def can_fork() -> bool:
    return sys.platform.startswith("linux")


def map_ordered(func: Callable[[Item], Result], items: Iterable[Item], *,
                min_items: int = 16, chunksize: int | None = None) -> Iterator[Result]:
    """``func(item)`` for every item, in the items' order, over up to `jobs()` processes.

    Fewer than `min_items` items (or one job) run here, where starting workers would
    cost more than it saves. Items and results travel between processes by pickling;
    `func` itself does not (the workers are forked with it), so a closure is fine.
    An exception raised by `func` is raised here, after the workers are stopped.
    """
    work: Sequence[Item] = items if isinstance(items, Sequence) else list(items)
    processes = min(jobs(), len(work))
    if processes < 2 or len(work) < min_items or not can_fork():
        for item in work:
            yield func(item)
        return
    yield from _forked(func, work, processes, chunksize)


def _forked(func: Callable[[Item], Result], work: Sequence[Item], processes: int,
            chunksize: int | None) -> Iterator[Result]:
    import multiprocessing

    global _task
    _task = func
    try:
        context = multiprocessing.get_context("fork")
        # Small chunks keep both cores busy to the end when transcripts differ in size.
        size = chunksize or max(1, len(work) // (processes * 32))
        with context.Pool(processes, initializer=_start_worker, initargs=(os.getpid(),)) as pool:
            for done, payload in pool.imap(_run, work, chunksize=size):
                if not done:
                    raise payload
                yield payload
    finally:
        _task = None


def _start_worker(parent: int) -> None:
    # A worker collects cycles as usual, even when it was forked while the main process
    # had paused its collector to take the results in (see tcoder.gcpause).
    gc.enable()
    # Ctrl-C stops the command in the main process, which stops the workers quietly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with(parent)
    _one_thread_for_arithmetic()


def _end_with(parent: int) -> None:
    """A worker ends when the main process does, even if that is killed (no orphan left computing)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the main process ended before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _one_thread_for_arithmetic() -> None:
    """Numeric libraries (OpenBLAS, OpenMP) start a thread per core in each process; with a
    worker per core those threads spin against each other and can triple the CPU time."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"  # for libraries first loaded in the worker
    if "numpy" in sys.modules:  # loaded before the fork: its pools already exist
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        threadpool_limits(1)


def _run(item: Any) -> tuple[bool, Any]:
    assert _task is not None, "map_ordered's task is set before the workers fork"
    try:
        return True, _task(item)
    except Exception as error:  # noqa: BLE001 - handed to the main process to raise there
        return False, _portable(error)


def _portable(error: Exception) -> Exception:
    """The error itself if it survives pickling, else one that carries its text and traceback."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - any pickling failure means: send text instead
        text = "".join(traceback.format_exception(error))
        return RuntimeError(f"{type(error).__name__} in a worker process: {error}\n{text}")
