"""Reports as documents: a table of pandas values as a document :class:`~tcoder.reports.document.Table`,
and one way to write a document in any format (md, html, docx, xlsx) with the same messages."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tcoder.numbers import plural, verb_for
from tcoder.reports.document import Document, Table

if TYPE_CHECKING:
    import pandas as pd

#: Formats written from a document. Word and Excel need a file (-o).
DOCUMENT_FORMATS = ("md", "html", "docx", "xlsx")
BINARY_FORMATS = ("docx", "xlsx")


def plain_value(value: object) -> object:
    """A cell as a Python value: numpy scalars unwrapped, missing values as None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    import pandas as pd

    if value is pd.NA or value is pd.NaT:
        return None
    return value


def frame_table(frame: pd.DataFrame, caption: str = "", *, decimals: dict[str, int] | None = None,
                notes: list[str] | None = None, sheet: str = "") -> Table:
    """The frame as a table: numeric columns aligned right, floats shown with ``decimals``
    places (one by default) and kept whole in a workbook."""
    columns = [str(c) for c in frame.columns]
    import pandas as pd

    numeric = {i for i, c in enumerate(frame.columns) if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])}
    places = {i: (decimals or {}).get(name, 1) for i, name in enumerate(columns) if i in numeric}
    rows = [[plain_value(v) for v in row] for row in frame.itertuples(index=False)]
    return Table(columns, rows, caption=caption, numeric=numeric, notes=list(notes or []), places=places, sheet=sheet)


def needs_file(fmt: str, output: str | None) -> bool:
    """Word and Excel are files, never text on a screen."""
    return fmt in BINARY_FORMATS and (not output or output == "-")


def write_document(document: Document, fmt: str, output: str | os.PathLike[str] | None,
                   say: Callable[[str], None], what: str = "the report") -> None:
    """Write ``document`` as md or html (to ``output`` or standard output), docx or xlsx
    (to ``output``), then say 'Wrote FILE' for a file. A file that cannot be written is
    the user's problem, said plainly, never a traceback."""
    from tcoder.errors import Problem, TcoderError
    from tcoder.safeio import os_error_message

    if fmt in BINARY_FORMATS:
        assert output is not None
        try:
            if fmt == "docx":
                from tcoder.reports.docx import write_docx

                replaced = write_docx(document, output).replaced
            else:
                from tcoder.reports.xlsx import write_xlsx

                replaced = write_xlsx(document, output).replaced
        except OSError as exc:
            raise TcoderError(Problem(f"cannot write {what}: {os_error_message(exc)}; nothing was changed",
                                      output)) from None
        if replaced:
            say(f"warning: {plural(replaced, 'character')} {'Word' if fmt == 'docx' else 'Excel'} cannot hold (control "
                f"characters) {verb_for(replaced, 'was')} replaced by U+FFFD")
        say(f"Wrote {output}")
        return
    from tcoder.outputs import write_output
    from tcoder.reports.document import render_html, render_markdown

    to_file = output is not None and str(output) != "-"
    text = render_markdown(document, Path(output) if to_file and output is not None else None) if fmt == "md" \
        else render_html(document)
    write_output(text, output, what=what)
    if to_file:
        say(f"Wrote {output}")
