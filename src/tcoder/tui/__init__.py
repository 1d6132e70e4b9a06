"""The coding TUI (`tcoder code`), built on Textual.

``app`` starts it; ``screens`` and ``widgets`` hold one concern each; ``keymap``
turns the command table (:data:`tcoder.codebook.COMMAND_KEYS`) and the user's
remaps into bindings. ``navigation`` and ``wrap`` are plain Python.
"""
