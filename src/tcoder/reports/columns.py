"""A report's table as plain columns, which every text output draws without pandas.

Reports that only count (``report frequencies``) build their table as lists of text,
whole numbers and floats (``nan`` for a missing value); the terminal table, CSV,
Markdown, HTML and JSON are drawn from them as from a pandas frame of the same values,
and :meth:`Columns.frame` makes that frame where a report needs one (Word, Excel, a
plot, the codebook), so a command that only prints needs neither pandas nor numpy.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Columns:
    names: list[str]
    values: list[list]  # one list per column, all as long
    numeric: list[bool]  # a column of numbers (drawn right-aligned), as pandas would type it

    @classmethod
    def of(cls, columns: dict[str, list]) -> Columns:
        """Columns typed as ``pandas.DataFrame(columns)`` types the values reports hold: a column
        of whole numbers and floats is numeric, its whole numbers then floats too (as in a float64
        column), and so is an empty one; anything else is text. (pandas would also make numbers of
        true/false and of numbers with gaps, None: the frequency tables built with this hold neither.)"""
        names, values, numeric = [], [], []
        for name, cells in columns.items():
            number = all(type(v) is int or type(v) is float for v in cells)
            if number and any(type(v) is float for v in cells):
                cells = [float(v) for v in cells]
            names.append(name)
            values.append(list(cells))
            numeric.append(number)
        return cls(names, values, numeric)

    @classmethod
    def of_records(cls, names: list[str], records: list[dict]) -> Columns:
        """Columns typed as ``pandas.DataFrame(records, columns=names)`` types them: as :meth:`of`,
        but with no records every column is text."""
        table = cls.of({})
        for name in names:
            cells = [record.get(name) for record in records]
            one = cls.of({name: cells})
            table.names.append(name)
            table.values.append(one.values[0])
            table.numeric.append(one.numeric[0] and bool(records))
        return table

    def __len__(self) -> int:
        return len(self.values[0]) if self.values else 0

    def rows(self) -> Iterator[tuple]:
        return zip(*self.values, strict=True)

    def column(self, name: str) -> list:
        return self.values[self.names.index(name)]

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(dict(zip(self.names, self.values, strict=True)))

    def csv(self) -> str:
        """The CSV pandas writes for :meth:`frame` (``to_csv(index=False, lineterminator="\\n")``):
        missing values empty, floats in their shortest exact form."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.names)
        writer.writerows([_csv_cell(v) for v in row] for row in self.rows())
        return buffer.getvalue()


def _csv_cell(value: object) -> object:
    if value is None or (type(value) is float and math.isnan(value)):
        return ""
    return value
