"""Developing the codebook from the coding screen.

New codes from the picker ("New code: <name>" and its form) and by the in-vivo
command; from the codebook panel, a code's definition, key and colour, and the
study-wide operations (rename, merge, split with its review, move, delete) with
their preview; ctrl+z right after one undoes it, every file back byte for byte.
Each change is one operation of :mod:`tcoder.codebook_ops`, made through
:mod:`tcoder.codebook_session` (which writes this coder's file too and takes it
back in). A partner's open screen takes the change in through the file watch
(:class:`~tcoder.tui.live.CodebookChanged`), or the one-second poll.

This is a part of :class:`~tcoder.tui.screens.coding.CodingScreen` (a mixin): it
uses the screen's session, view, panels, ``flash`` and ``redraw``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from tcoder.annotations import AnnotationFile, new_annotation
from tcoder.codebook_history import history_path
from tcoder.errors import TcoderError
from tcoder.numbers import plural, verb_for
from tcoder.segments import trim_span
from tcoder.tui.keymap import keys_for
from tcoder.tui.live import CodebookChanged
from tcoder.tui.screens.dialogs import MessageDialog
from tcoder.tui.screens.picker import ALL_CODES, CodePicker
from tcoder.tui.widgets.codebook_panel import ACTION_KEYS, CodebookPanel

if TYPE_CHECKING:
    from tcoder import codebook_session
    from tcoder.codebook import Codebook
    from tcoder.session import CodingSession
    from tcoder.tui.screens.code_form import FormValues
    from tcoder.tui.widgets.transcript_view import TranscriptView

TOP = "__top__"


def _first_problem(exc: TcoderError) -> str:
    return exc.problems[0].message if exc.problems else str(exc)


def _disk_sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class CodebookDevelopment:
    """The coding screen's codebook commands (mixed into :class:`CodingScreen`)."""

    session: CodingSession
    last_code: str | None
    app: Any

    # provided by the screen
    if TYPE_CHECKING:
        @property
        def view(self) -> TranscriptView: ...

    flash: Callable[..., None]
    redraw: Callable[..., None]
    notify: Callable[..., None]
    query_one: Callable[..., Any]
    query: Callable[..., Any]

    #: the codebook operation made last from this screen, undone by ctrl+z while
    #: nothing else has changed since: (operation id, label, session revision after it)
    _last_operation: tuple[str, str, int] | None = None
    _codebook_stamp: tuple[int, int] | None = None
    _codebook_problem_sha: str | None = None

    # ------------------------------------------------------------ running an operation

    def _who(self) -> str:
        return self.session.coder

    def _operate(self, run: Callable[..., Any], *args: Any, done: str = "", **kwargs: Any
                 ) -> codebook_session.SessionOutcome | None:
        """Make an operation now; show what it did, or why it was refused (a dialog)."""
        from tcoder import codebook_session
        try:
            result = codebook_session.operate(self.session, run, *args, who=self._who(), **kwargs)
        except TcoderError as exc:
            self.app.push_screen(MessageDialog("The codebook was not changed", exc.problems))
            return None
        self._after_operation(result, done)
        return result

    def _after_operation(self, result: codebook_session.SessionOutcome, done: str = "") -> None:
        plan = result.outcome.plan
        self._codebook_replaced()
        if result.operation_id is not None:
            self._last_operation = (result.operation_id, plan.label, self.session.revision)
        message = done or ("done: " + plan.label)
        if plan.left:
            message += f"; {plural(len(plan.left), 'file')} open in other coders' sessions follow when they save"
        self.flash(message + f" ({keys_for(self.app, 'undo')} undoes)")

    def _try(self, run: Callable[..., Any], *args: Any, **kwargs: Any) -> str | None:
        """Plan an operation without writing (for a form): None if it can be made, else why not."""
        from tcoder import codebook_session
        try:
            codebook_session.operate(self.session, run, *args, who=self._who(), dry_run=True, **kwargs)
        except TcoderError as exc:
            return _first_problem(exc)
        return None

    def _preview(self, title: str, run: Callable[..., Any], *args: Any, then: Callable[[], None] | None = None,
                 question: str = "Make this change?", **kwargs: Any) -> None:
        """Show what the operation would change (per coder and file); enter makes it."""
        from tcoder import codebook_session
        from tcoder.tui.screens.codebook_dialogs import PreviewDialog
        try:
            planned = codebook_session.operate(self.session, run, *args, who=self._who(), dry_run=True, **kwargs)
        except TcoderError as exc:
            self.app.push_screen(MessageDialog("This cannot be done", exc.problems, "Nothing was changed."))
            return
        lines = planned.outcome.plan.summary()

        def answer(yes: bool | None) -> None:
            if yes:
                self._operate(run, *args, **kwargs)
            elif then is not None:
                then()

        self.app.push_screen(PreviewDialog(title, lines, question), answer)

    def _codebook_replaced(self) -> None:
        """The study's codebook object changed (an operation here or elsewhere): show it everywhere."""
        codebook = self.session.codebook
        self._codebook_stamp = _stamp(self.session.study.codebook_path)
        self.view.set_codebook(codebook)
        for other in getattr(self, "followed", []):
            other.remap_codes()
        self.redraw(now=True)

    def undo_codebook_operation(self, op_id: str | None = None) -> None:
        from tcoder import codebook_session
        try:
            operation = codebook_session.undo(self.session, op_id, who=self._who())
        except TcoderError as exc:
            self.app.push_screen(MessageDialog("Not undone", exc.problems))
            return
        self._last_operation = None
        self._codebook_replaced()
        self.flash(operation.label.replace("undo ", "undone: ", 1) if operation.label.startswith("undo ")
                   else f"undone ({operation.label})")

    def undo_last_operation_if_latest(self) -> bool:
        """ctrl+z right after an operation made here (nothing coded since): undo it. False otherwise."""
        last = self._last_operation
        if last is None:
            return False
        if last[2] != self.session.revision:
            self._last_operation = None
            return False
        self.undo_codebook_operation(last[0])
        return True

    # ------------------------------------------------------------ new codes

    def new_code_form(self, name: str = "", *, apply_to_selection: bool = False, parent: str | None = None,
                      then: Callable[[str], None] | None = None) -> None:
        """The form for a new code; with ``apply_to_selection`` the code also codes the
        selection in the same operation (one undo takes both back)."""
        from tcoder.codebook_ops import new_code
        from tcoder.tui.screens.code_form import CodeForm
        session = self.session
        selection = self.view.selection if apply_to_selection else None
        if parent == TOP:
            parent = None
        elif parent is None and self.last_code in session.codebook.codes:
            last = session.codebook[self.last_code]
            parent = last.parent if not last.children else last.id
            if parent is not None and session.codebook.domain_of(parent) is not None:
                parent = None
        created: list[str] = []

        def submit(values: FormValues) -> str | None:
            kwargs = dict(code_id=values.get("id") or None, parent=values.get("parent"),
                          key=values.get("key") or None, description=values["description"],
                          include=values["include"], exclude=values["exclude"], color=values["color"] or None)
            if selection is not None:
                start, end = trim_span(session.transcript.text, *selection)
                if start < end:
                    annotation = new_annotation("new", start, end, session.transcript.text)
                    empty = AnnotationFile(session.coder, session.ref.file_name, session.transcript.sha256)
                    kwargs["apply_to"] = (session.path, session.coder, annotation, empty)
            problem = self._try(new_code, values["name"], **kwargs)
            if problem:
                return problem
            result = self._operate(new_code, values["name"], **kwargs,
                                   done=f"new code {values['name']}" + (", applied"
                                                                        if "apply_to" in kwargs else ""))
            if result is None:
                return "not created (see the message)"
            created.extend(result.outcome.plan.introduces)
            return None

        def closed(values: FormValues | None) -> None:
            if values and created:
                self.last_code = created[0]
                if then is not None:
                    then(created[0])

        note = "It is added to the codebook file for everyone, recorded in its history; ctrl+z undoes it."
        self.app.push_screen(CodeForm(session.codebook, submit, name=name, parent=parent, note=note), closed)

    def action_in_vivo(self) -> None:
        """A code named by the selected words, applied to them, in one step."""
        from tcoder import codebook_session
        if self._read_only_refusal():  # type: ignore[attr-defined]
            return
        sel = self.view.selection
        if sel is None:
            self._explain_selection()  # type: ignore[attr-defined]
            return
        session = self.session
        start, end = trim_span(session.transcript.text, *sel)
        from tcoder.codebook_ops import in_vivo_name

        name = in_vivo_name(session.transcript.text[start:end])
        existing = next((c for c in session.codebook.codes.values() if c.name.casefold() == name.casefold()), None)
        if existing is not None:
            self.apply_code(existing.id)  # type: ignore[attr-defined]
            return
        try:
            result = codebook_session.in_vivo(session, start, end, who=self._who())
        except TcoderError as exc:
            self.flash(_first_problem(exc), problem=True)
            return
        code_id = result.outcome.plan.introduces[0]
        self.last_code = code_id
        self._after_operation(result, f"in-vivo code \u201c{name}\u201d created and applied")

    # ------------------------------------------------------------ the codebook panel

    def action_codebook_panel(self) -> None:
        """Focus the codebook panel (showing it if hidden), its cursor on the code in use."""
        panels = self.query(CodebookPanel)
        if not panels:
            self.flash("this screen has no codebook panel", problem=True)
            return
        panel = panels.first()
        if panel.has_focus:
            panel.release_focus()
            self.view.focus()
            return
        if not self.query_one("#codebook-box").display:
            self._panels_user["toggle_codebook"] = True  # type: ignore[attr-defined]
            self._apply_panel_layout()  # type: ignore[attr-defined]
            self.redraw(text=False, now=True)
        current = self.current_code(self._here())  # type: ignore[attr-defined]
        panel.focus_on(current)
        self.flash("codebook panel: \u2191\u2193 choose a code \u00b7 enter what to do \u00b7 "
                   + " ".join(ACTION_KEYS) + " at once \u00b7 esc back")

    def on_codebook_panel_left(self, event: CodebookPanel.Left) -> None:
        self.query_one(CodebookPanel).release_focus()
        self.view.focus()

    def on_codebook_panel_action_requested(self, event: CodebookPanel.ActionRequested) -> None:
        from tcoder.tui.screens.codebook_dialogs import CodeActionsDialog
        event.stop()
        code_id = event.code_id
        if event.action is None:
            if code_id is None:
                return
            self.app.push_screen(CodeActionsDialog(self.session.codebook, code_id, self._usage_line(code_id)),
                                 lambda action: self.code_action(code_id, action) if action else None)
            return
        if event.action.startswith("?"):
            self.flash(f"no panel command on {event.action[1:]!r}: " + ", ".join(
                f"{k} {a}" for k, (a, _) in ACTION_KEYS.items()) + "; esc goes back to the transcript", problem=True)
            return
        self.code_action(code_id, event.action)

    def _usage_line(self, code_id: str) -> str:
        here = self.session.counts().get(code_id, 0)
        return f"{plural(here, 'annotation')} of yours in this transcript"

    def code_action(self, code_id: str | None, action: str) -> None:
        if action == "history":
            self.show_codebook_history()
            return
        if action == "undo":
            self.undo_codebook_operation()
            return
        if self._read_only_refusal():  # type: ignore[attr-defined]
            return
        if action == "new":
            codebook = self.session.codebook
            parent = None
            if code_id in codebook.codes:  # under a code that has codes of its own, else beside it
                parent = code_id if codebook[code_id].children else codebook[code_id].parent
            self.new_code_form(parent=parent or TOP)
            return
        if code_id is None or code_id not in self.session.codebook.codes:
            self.flash("no code chosen", problem=True)
            return
        {"edit": self.edit_code_form, "rename": self.rename_code_dialog, "merge": self.merge_code_dialog,
         "split": self.split_code_dialog, "move": self.move_code_dialog,
         "delete": self.delete_code_dialog}[action](code_id)

    def edit_code_form(self, code_id: str) -> None:
        from tcoder.codebook_ops import edit_code
        from tcoder.tui.screens.code_form import CodeForm
        session = self.session
        code = session.codebook[code_id]

        def submit(values: FormValues) -> str | None:
            changes: dict[str, Any] = {}
            for name in ("name", "description", "include", "exclude"):
                if values[name] != getattr(code, name):
                    changes[name] = values[name]
            if (values["key"] or None) != code.key:
                changes["key"] = values["key"] or None
            if values["color"] != (code.color if code.color_given else ""):
                changes["color"] = values["color"] or None
            if not changes:
                return None
            problem = self._try(edit_code, code_id, changes)
            if problem:
                return problem
            return None if self._operate(edit_code, code_id, changes, done=f"{code.name}: "
                                         + ", ".join(sorted(changes)) + " changed") else "not saved (see the message)"

        self.app.push_screen(CodeForm(session.codebook, submit, mode="edit", code=code))

    def rename_code_dialog(self, code_id: str) -> None:
        from tcoder.codebook_ops import rename_code
        from tcoder.tui.screens.codebook_dialogs import TextPrompt
        code = self.session.codebook[code_id]
        chosen: dict[str, Any] = {}

        def submit(values: list[str]) -> str | None:
            new_id, name = values
            if not new_id:
                return "type the new id"
            kwargs: dict[str, Any] = {"name": name} if name and name != code.name else {}
            problem = self._try(rename_code, code_id, new_id, **kwargs)
            if problem:
                return problem
            chosen.update(new=new_id, kwargs=kwargs)
            return None

        def closed(values: list[str] | None) -> None:
            if values and chosen:
                self._preview(f"Rename {code.id}", rename_code, code_id, chosen["new"], **chosen["kwargs"])

        self.app.push_screen(TextPrompt(
            f"Rename {code.name} ({code.id})",
            [("New id", code.id, "letters, digits, - _ . :"), ("Name", code.name, "the name shown (optional)")],
            submit, note="Every coder's annotation files follow; annotations elsewhere that still carry the old "
                         "id are read under the new one (the codebook's history maps it)."), closed)

    def merge_code_dialog(self, code_id: str) -> None:
        from tcoder.codebook_ops import merge_codes
        codebook = self.session.codebook
        code = codebook[code_id]

        def chosen(target: str | None) -> None:
            if not target or target.startswith("__"):
                return
            if target == code_id:
                self.flash("a code cannot be merged into itself", problem=True)
                return
            self._preview(f"Merge {code.name} into {codebook[target].name}", merge_codes, [code_id], target)

        self.app.push_screen(CodePicker(codebook, "recode", None, title=f"Merge {code.name} into",
                                        offer_new=False), chosen)

    def move_code_dialog(self, code_id: str) -> None:
        from tcoder.codebook_ops import move_code
        codebook = self.session.codebook
        code = codebook[code_id]

        def chosen(target: str | None) -> None:
            if not target:
                return
            parent = None if target == ALL_CODES else target
            where = "the top level" if parent is None else codebook[parent].name
            self._preview(f"Move {code.name} under {where}", move_code, code_id, parent)

        picker = CodePicker(codebook, "filter", None, title=f"Move {code.name} (and its codes) under",
                            offer_new=False, all_option="(the top level)")
        self.app.push_screen(picker, chosen)

    def delete_code_dialog(self, code_id: str) -> None:
        from tcoder import codebook_session
        from tcoder.codebook_ops import code_usage, delete_code
        session = self.session
        code = session.codebook[code_id]
        try:
            usage = code_usage(codebook_session.current_study(session), code_id)
        except TcoderError as exc:
            self.app.push_screen(MessageDialog("Cannot delete", exc.problems))
            return
        if not usage:
            self._preview(f"Delete {code.name}", delete_code, code_id, question="Delete the code?")
            return
        per = ", ".join(f"{coder} {n}" for coder, n in sorted(usage.items()))
        self._preview(f"Delete {code.name} and its {plural(sum(usage.values()), 'annotation')} ({per})", delete_code,
                      code_id, delete_annotations=True,
                      question=f"Delete the code AND its {plural(sum(usage.values()), 'annotation')} ({per})? To keep them, "
                               "merge the code into another instead (m in the panel). Undo brings every byte back.")

    def split_code_dialog(self, code_id: str) -> None:
        from tcoder.codebook_ops import derive_id, split_code
        from tcoder.tui.screens.codebook_dialogs import TextPrompt
        session = self.session
        codebook = session.codebook
        code = codebook[code_id]
        targets: list[tuple[str, str]] = []

        def resolve(value: str, taken: set[str]) -> tuple[str, str]:
            if value in codebook.codes:
                return value, codebook[value].name
            match = next((c for c in codebook.codes.values() if c.name.casefold() == value.casefold()), None)
            if match is not None:
                return match.id, match.name
            return derive_id(value, taken | set(session.study.history.ids())), value

        def submit(values: list[str]) -> str | None:
            if not all(values):
                return "name both codes (an existing code's id or name, or a new name)"
            taken = set(codebook.codes)
            first = resolve(values[0], taken)
            second = resolve(values[1], taken | {first[0]})
            if first[0] == second[0]:
                return "the two codes must differ"
            targets[:] = [first, second]
            names = {cid: name for cid, name in targets if cid not in codebook.codes}
            problem = self._try(split_code, code_id, [first[0], second[0]], {}, names=names,
                                default=[first[0]])
            return problem

        def named(values: list[str] | None) -> None:
            if values and targets:
                self._split_review(code_id, targets, {})

        self.app.push_screen(TextPrompt(
            f"Split {code.name} ({code.id}) into two codes",
            [("First code", "", "a new name, or an existing code (id or name)"),
             ("Second code", "", "a new name, or an existing code (id or name)")],
            submit, note=f"Next, each passage of {code.name} (every coder's) goes to the first, the second or "
                         "both. Name it again to keep it as one of the two."), named)

    def _split_review(self, code_id: str, targets: list[tuple[str, str]], assigned: dict[str, tuple[int, ...]]
                      ) -> None:
        from tcoder import codebook_session
        from tcoder.codebook_ops import split_code, split_passages
        from tcoder.tui.screens.split_review import SplitReviewScreen
        session = self.session
        codebook = session.codebook
        code = codebook[code_id]
        try:
            passages = split_passages(codebook_session.current_study(session), code_id)
        except TcoderError as exc:
            self.app.push_screen(MessageDialog("Cannot split", exc.problems))
            return
        names = {cid: name for cid, name in targets if cid not in codebook.codes}
        ids = [cid for cid, _ in targets]

        def submit(assignment: dict[str, list[str]]) -> str | None:
            return self._try(split_code, code_id, ids, assignment, names=names)

        review = SplitReviewScreen(code.name, targets, passages, submit)
        review.assigned = dict(assigned)

        def reviewed(assignment: dict[str, list[str]] | None) -> None:
            if assignment is None:
                return
            kept = dict(review.assigned)
            self._preview(f"Split {code.name}", split_code, code_id, ids, assignment, names=names,
                          then=lambda: self._split_review(code_id, targets, kept))

        self.app.push_screen(review, reviewed)

    def show_codebook_history(self) -> None:
        from tcoder.reports import codebook_log
        from tcoder.tui.screens.codebook_dialogs import HistoryDialog

        study = self.session.study
        history = study.history
        if not history.entries:
            self.flash("the codebook has no history yet: operations made here or with tcoder codebook are recorded")
            return
        self.app.push_screen(HistoryDialog(codebook_log.as_text(history, study.codebook)))

    # ------------------------------------------------------------ the codebook on disk

    def watch_codebook(self) -> None:
        """Start following the codebook file (changes made in other windows)."""
        from tcoder.tui.live import CodebookWatcher

        study = self.session.study
        self._codebook_stamp = _stamp(study.codebook_path)
        self._codebook_watcher = CodebookWatcher(self, study.codebook_path,  # type: ignore[arg-type]
                                                 history_path(study.codebook_path))
        self._codebook_watcher.start()

    def stop_watching_codebook(self) -> None:
        watcher = getattr(self, "_codebook_watcher", None)
        if watcher is not None:
            watcher.stop()

    def on_codebook_changed(self, message: CodebookChanged) -> None:
        self.check_codebook_on_disk()

    def check_codebook_on_disk(self) -> None:
        """If the codebook file changed (another window's operation, an editor), read it
        again and show it; a codebook with errors is reported once and the last good one kept."""
        study = self.session.study
        stamp = _stamp(study.codebook_path)
        if stamp == self._codebook_stamp:
            return
        self._codebook_stamp = stamp
        sha = _disk_sha(study.codebook_path)
        if sha is None or sha == study.codebook.source_sha256:
            return
        before: Codebook = study.codebook
        try:
            codebook = study.reload_codebook()
        except TcoderError as exc:
            if sha != self._codebook_problem_sha:
                self._codebook_problem_sha = sha
                self.notify(f"The codebook on disk has errors; still using it as it was: "
                            f"{exc.problems[0] if exc.problems else exc}", title=study.codebook_path.name,
                            severity="warning", timeout=10, markup=False)
            return
        self._codebook_problem_sha = None
        self._last_operation = None  # someone else's change came after ours
        mapped = self.session.remap_codes()
        self._codebook_replaced()
        added = len(set(codebook.codes) - set(before.codes))
        gone = len(set(before.codes) - set(codebook.codes))
        latest = study.history.entries[-1] if study.history.entries else None
        what = f"{plural(len(codebook), 'code')}" + (f", {added} new" if added else "") + (f", {gone} gone" if gone else "")
        if latest is not None and latest.who and latest.who != self.session.coder:
            what += f"; last change by {latest.who}: {latest.op} {latest.code or ''}".rstrip()
        if mapped:
            what += f"; {plural(mapped, 'annotation')} here now {verb_for(mapped, 'shows')} under their new codes"
        self.notify(what, title="The codebook changed", timeout=8, markup=False)


__all__ = ["CodebookDevelopment"]
