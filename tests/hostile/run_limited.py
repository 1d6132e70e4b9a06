"""Run tcoder commands in this process under a memory limit and a time limit (as a shell's
``ulimit -v`` and a watchdog would), and print what happened to each as JSON.

    python run_limited.py MEMORY_MB SECONDS '[["check", "STUDY"], ...]'

For each command: its exit status ("timeout" when the time ran out, "crash" for an
exception that escaped tcoder), its standard output and error, the seconds it took and
the peak resident memory of the process so far (MB).
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import sys
import time
import traceback


class _Expired(Exception):
    pass


def _expire(signum, frame):
    raise _Expired()


def _ends(data: bytes, keep: int = 3000) -> str:
    """The beginning and the end of a long output (where the messages are)."""
    text = data.decode("utf-8", "replace")
    return text if len(text) <= 2 * keep else text[:keep] + "\n[...]\n" + text[-keep:]


def main() -> None:
    memory_mb, seconds, runs = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.environ.pop("TCODER_CODER", None)
    real_stdout = sys.stdout
    signal.signal(signal.SIGALRM, _expire)
    results = []
    for args in runs:
        out, err = io.BytesIO(), io.BytesIO()
        sys.stdout = io.TextIOWrapper(out, encoding="utf-8", errors="backslashreplace", write_through=True)
        sys.stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
        started = time.perf_counter()
        signal.alarm(seconds)
        try:
            from tcoder.cli import main as tcoder

            status: int | str = tcoder(args)
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        except _Expired:
            status = "timeout"
        except BaseException:  # anything that escaped tcoder is a failure of the test
            status = "crash"
            sys.stderr.write(traceback.format_exc())
        finally:
            signal.alarm(0)
        took = time.perf_counter() - started
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # keep the bytes when the wrapper goes
        sys.stdout, sys.stderr = real_stdout, sys.__stderr__
        results.append({"args": args, "status": status, "seconds": round(took, 3),
                        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                        "out": _ends(out.getvalue()), "err": _ends(err.getvalue())})
    real_stdout.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
