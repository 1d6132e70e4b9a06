"""tcoder: code qualitative interview transcripts in the terminal.

This module must stay import-light: ``tcoder --version`` reads ``__version__``
from here and must not pull in Textual, pandas or numpy.
"""

__version__ = "0.1.0"
