"""Screens of the coding TUI: the transcript list, the coding screen, help, the code picker, dialogs."""
