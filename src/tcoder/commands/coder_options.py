"""Coder names given on the command line (--coder, --with, --coders), checked the
same way by every command. Bad names are bad usage: the command prints the
message and exits 2."""

from __future__ import annotations


class OptionError(ValueError):
    """A bad value for an option; the message names the option and says why."""


def coder_name(value: str, option: str) -> str:
    from tcoder.annotations import check_coder_name
    from tcoder.errors import TcoderError

    try:
        return check_coder_name(value)
    except TcoderError as exc:
        raise OptionError(f"{option}: {exc.problems[0].message}") from None


def coder_names(value: str | None, option: str, *, minimum: int = 0, unique: bool = False,
                not_you: str | None = None) -> list[str]:
    """The names in a comma-separated option, in order, each checked. ``unique``
    refuses a name given twice (otherwise it counts once); ``not_you`` refuses the
    user's own name."""
    names: list[str] = []
    for raw in (value or "").split(","):
        name = raw.strip()
        if not name:
            continue
        coder_name(name, option)
        if name == not_you:
            raise OptionError(f"{option} {name}: that is you; name another coder")
        if name in names:
            if unique:
                raise OptionError(f"{option} names {name} twice")
            continue
        names.append(name)
    if len(names) < minimum:
        count = {1: "one coder", 2: "two coders", 3: "three coders"}.get(minimum, f"{minimum} coders")
        raise OptionError(f"{option} needs at least {count}, e.g. {option} alice,bob")
    return names
