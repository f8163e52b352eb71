"""Progress bars on a terminal (rich), nothing otherwise: piped output keeps the plain log lines.

The CLI turns bars on with `enable()` when stderr is a terminal and -q is not given. Code that does long work
wraps it in `task(...)`; with bars off that is a no-op, so library users and tests see no difference.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

_progress = None  # rich.progress.Progress while enabled


class _Task:
    def __init__(self, task_id=None) -> None:
        self._id = task_id

    def advance(self, amount: float = 1.0) -> None:
        if _progress is not None and self._id is not None:
            _progress.advance(self._id, amount)


def enable() -> None:
    """Start the live display on stderr and route log lines through it (so bars and lines do not collide)."""
    global _progress
    from rich.console import Console
    from rich.logging import RichHandler
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    _progress = Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("time left"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    _progress.start()
    root = logging.getLogger()
    level = root.level
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(RichHandler(console=console, show_time=False, show_path=False, markup=False))
    root.setLevel(level)


def disable() -> None:
    global _progress
    if _progress is not None:
        _progress.stop()
        _progress = None


@contextlib.contextmanager
def task(description: str, total: float | None) -> Iterator[_Task]:
    """A bar for `total` steps (None: unknown length), removed when the work ends."""
    if _progress is None:
        yield _Task()
        return
    task_id = _progress.add_task(description, total=total)
    try:
        yield _Task(task_id)
    finally:
        _progress.remove_task(task_id)


def keras_callback(bar: _Task):
    """A Keras callback that advances `bar` once per training batch."""
    from edgeopt._keras import keras

    class Advance(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            bar.advance()

    return Advance()
