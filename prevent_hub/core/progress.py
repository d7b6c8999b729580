"""A progress bar for long command-line work, without a dependency.

On a terminal it redraws one line; elsewhere (CI logs, pipes) it prints a line
at every tenth of the way, so logs stay short.
"""
import sys
import time

from django.core.management.base import OutputWrapper


class ProgressBar:
    def __init__(self, total: int, label: str, stream=None, width: int = 30):
        self.total, self.label, self.width = max(total, 0), label, width
        # A management command's self.stderr ends every write with a newline, which breaks the redraw.
        self.stream = getattr(stream, "_out", stream) if isinstance(stream, OutputWrapper) else (stream or sys.stderr)
        self.done = 0
        self.started = time.monotonic()
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._last_tenth = -1

    def __call__(self, step: int = 1) -> None:
        self.advance(step)

    def advance(self, step: int = 1) -> None:
        self.done = min(self.done + step, self.total) if self.total else self.done + step
        self._draw()

    def _draw(self, final=False):
        fraction = self.done / self.total if self.total else 1.0
        if self.tty:
            filled = int(self.width * fraction)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {time.monotonic() - self.started:.0f}s")
            if final:
                self.stream.write("\n")
            self.stream.flush()
            return
        tenth = int(fraction * 10)
        if tenth != self._last_tenth or (final and self._last_tenth != 10):
            self._last_tenth = tenth
            self.stream.write(f"{self.label}: {self.done}/{self.total} ({fraction:.0%})\n")

    def finish(self) -> None:
        self._draw(final=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.finish()
