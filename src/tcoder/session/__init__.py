"""A coder's working set of annotations on one transcript: the model behind `tcoder code`.

Every coding action is a method of :class:`CodingSession` (apply, remove, recode,
memo, undo, redo) and every change is saved at once, atomically, while the
session holds the file's lock. If the file changes on disk (a git pull, another
program), the session merges by annotation id instead of overwriting. When
another process holds the lock the session is read-only. Nothing here imports
Textual, so each operation is unit-tested without a terminal.

The package's modules, one job each:

- ``coding``: the session itself (coding actions, saving and merging, the lock);
- ``spans``: the interval index answering "which annotations overlap here";
- ``history``: the undo and redo steps;
- ``saving``: when and where a change is written (the save policy, the saving thread);
- ``disk``: the file on disk (its stamp, what a merge with it did, how often to look).
"""

from tcoder.session.coding import ApplyResult, CodingSession, SessionError, open_session
from tcoder.session.disk import POLL_SECONDS, RECHECK_SECONDS, SyncReport
from tcoder.session.history import ABSENT, HISTORY_LIMIT, Change, HeaderChange, History, Step
from tcoder.session.saving import BackgroundSaver, SavePolicy, SaveState
from tcoder.session.spans import SpanIndex

__all__ = [
    "ABSENT", "ApplyResult", "BackgroundSaver", "Change", "CodingSession", "HISTORY_LIMIT", "HeaderChange", "History",
    "POLL_SECONDS", "RECHECK_SECONDS", "SavePolicy", "SaveState", "SessionError", "SpanIndex", "Step", "SyncReport",
    "open_session",
]
