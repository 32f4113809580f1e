"""What a person watching a long command sees on stderr: a live progress display and a
summary table at the end. stdout is left to the machine-readable output (the JSON summary
line, an export), so pipes and tests never see any of this.

Progress is shown when stderr is a terminal, or with ``--progress`` (then also into a
file or pipe: rich prints the final state). It needs ``rich`` (the ``progress`` extra); without
it there is no live display and tables are plain text.
"""

from __future__ import annotations

import sys
from typing import Any, Iterable, Sequence

_CURRENT: "Progress | None" = None


def has_rich() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def wanted(flag: bool | None) -> bool:
    """``--progress`` given, or stderr is a terminal (and ``--no-progress`` not given)."""
    return is_tty() if flag is None else flag


def _console():
    from rich.console import Console

    return Console(stderr=True, force_terminal=None if is_tty() else False, width=None if is_tty() else 120)


class Progress:
    """A rich progress display on stderr, or nothing. Tasks are named; ``total=None`` for work
    of unknown size (a crawl). Use as a context manager; ``current()`` returns the active one."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and has_rich()
        self._progress = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> "Progress":
        global _CURRENT
        if self.enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress, SpinnerColumn,
                                       TextColumn, TimeElapsedColumn)

            self._progress = RichProgress(
                SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                console=_console(), transient=False, refresh_per_second=8)
            self._progress.start()
        _CURRENT = self
        return self

    def __exit__(self, *exc) -> None:
        global _CURRENT
        if self._progress is not None:
            self._progress.stop()
        _CURRENT = None

    def add(self, name: str, total: int | None = None, info: str = "") -> None:
        if self._progress is not None:
            self._tasks[name] = self._progress.add_task(name, total=total, info=info)

    def update(self, name: str, advance: int = 0, info: str | None = None, total: int | None = None,
               done: bool = False) -> None:
        if self._progress is None or name not in self._tasks:
            return
        task = self._tasks[name]
        kwargs: dict[str, Any] = {"advance": advance}
        if info is not None:
            kwargs["info"] = info
        if total is not None:
            kwargs["total"] = total
        self._progress.update(task, **kwargs)
        if done:
            finished = self._progress.tasks[self._tasks[name]].completed
            self._progress.update(task, total=finished, completed=finished)

    def iterate(self, items: Iterable, name: str, total: int | None = None) -> Iterable:
        self.add(name, total=total)
        for item in items:
            yield item
            self.update(name, advance=1)


def width(text: str) -> int:
    """Terminal columns of ``text``: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def rjust(text: str, columns: int) -> str:
    return " " * max(0, columns - width(text)) + text


def current() -> Progress | None:
    return _CURRENT


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], notes: Sequence[str] = ()) -> None:
    """A table on stderr: rich on a terminal, aligned plain text elsewhere."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if is_tty() and has_rich():
        from rich.table import Table

        tab = Table(title=title, title_justify="left")
        for i, name in enumerate(columns):
            tab.add_column(name, justify="left" if i == 0 else "right")
        for row in cells:
            tab.add_row(*row)
        console = _console()
        console.print(tab)
        for note in notes:
            console.print(note, style="bold red" if "ALERT" in note else None, markup=False, highlight=False)
        return
    widths = [max(width(str(c)) for c in [name, *[r[i] for r in cells]]) for i, name in enumerate(columns)]

    def line(values):
        return "  ".join(ljust(v, w) if i == 0 else rjust(v, w) for i, (v, w) in enumerate(zip(values, widths)))

    out = [title, line(columns)] + [line(row) for row in cells]
    print("\n".join(out + list(notes)), file=sys.stderr)
