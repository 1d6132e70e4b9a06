"""Widgets of the coding TUI, one concern each."""
