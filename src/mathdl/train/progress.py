"""The progress line of the fit loop: steps, running loss/metrics, throughput and ETA.

- On a terminal (``stream.isatty()``) with ``verbose=1``: a live bar redrawn at most ten times a
  second, drawn by ``rich`` when it is installed (the ``progress`` extra), else a plain
  carriage-return line in the style of Keras.
- Otherwise (a log file, a pipe, CI) or with ``verbose=2``: one line per epoch, so logs are never
  flooded with carriage returns; an epoch that runs long (more than 10 s still to go) also prints
  a plain progress line after its first 2 seconds and then every 20 seconds (steps, running
  numbers, rate, ETA), so a long epoch (a language model's block of steps) shows life from the
  first seconds.
- ``verbose=0``: silent.

The loop calls ``update`` after every step with the running sums it keeps anyway; redrawing is
throttled here, so a step costs one clock read when nothing is drawn.
"""

import sys
import time

_REDRAW_SECONDS = 0.1
_FIRST_LINE_SECONDS = 2.0
_LINE_SECONDS = 20.0
_SHORT_REST_SECONDS = 10.0


def format_duration(seconds):
    """'42s', '3m05s' or '1h02m' (for ETA and epoch times)."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"
    minutes, seconds = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_logs(logs):
    """' - loss: 0.4213 - accuracy: 0.8512' for a dict of numbers."""
    return "".join(f" - {key}: {value:.4f}" for key, value in logs.items())


def rich_available():
    """True when the optional ``rich`` package can be imported."""
    try:
        import rich.progress  # noqa: F401
    except ImportError:
        return False
    return True


class ProgressLine:
    """Prints training progress; see the module docstring for when it draws what.

    ``verbose``: 0, 1 or 2 (Keras's meaning). ``stream``: where to print (stdout by default).
    ``style``: 'auto' (rich when installed and on a terminal), 'rich' or 'plain'.
    ``rate_name``: what the rate counts ('samples', 'tokens', 'sequences').
    """

    def __init__(self, verbose=1, stream=None, style="auto", rate_name="samples"):
        if verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
        if style not in ("auto", "rich", "plain"):
            raise ValueError(f"progress style must be 'auto', 'rich' or 'plain', got {style!r}")
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.live = verbose == 1 and bool(isatty and isatty())
        self.use_rich = self.live and style != "plain" and rich_available()
        self.rate_name = rate_name
        self._rich = None

    # ----- epoch lifecycle --------------------------------------------------------------
    def begin(self, title, steps):
        """Start a new bar: ``title`` (e.g. 'Epoch 3/10'), ``steps`` per epoch (None if unknown)."""
        self.title, self.steps = title, steps
        self.start = self._last_draw = time.perf_counter()
        self._next_line = self.start + _FIRST_LINE_SECONDS
        if self.use_rich:
            self._begin_rich()
        elif self.live:
            self.stream.write(f"{title}\n")

    def update(self, step, samples, logs_fn):
        """After ``step`` steps (1-based) and ``samples`` samples; ``logs_fn()`` returns the running
        means, called only when the line is actually redrawn."""
        if not self.live:
            if self.verbose == 1 and time.perf_counter() >= self._next_line:
                self._plain_progress(step, samples, logs_fn)
            return
        now = time.perf_counter()
        if now - self._last_draw < _REDRAW_SECONDS and step != self.steps:
            return
        self._last_draw = now
        elapsed = now - self.start
        rate = samples / elapsed if elapsed > 0 else 0.0
        if self._rich is not None:
            progress, task = self._rich
            progress.update(
                task,
                completed=step,
                metrics=format_logs(logs_fn()) + f" - {rate:,.0f} {self.rate_name}/s",
                refresh=True,
            )
            return
        if self.steps:
            eta = elapsed / step * (self.steps - step)
            width = 30
            filled = int(width * step / self.steps)
            bar = "=" * max(filled - 1, 0) + (">" if filled < width else "=") + "." * (width - filled)
            head = f"{step:>{len(str(self.steps))}}/{self.steps} [{bar}] - ETA: {format_duration(eta)}"
        else:
            head = f"{step} steps - {format_duration(elapsed)}"
        self.stream.write(f"\r{head}{format_logs(logs_fn())} - {rate:,.0f} {self.rate_name}/s\x1b[K")
        self.stream.flush()

    def end(self, steps, samples, logs):
        """Finish the epoch: the final line with the epoch's logs (including validation)."""
        if self.verbose == 0:
            return
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / steps * 1000 if steps else 0.0
        rate = samples / elapsed if elapsed > 0 else 0.0
        timing = f"{format_duration(elapsed)} {per_step:.0f}ms/step {rate:,.0f} {self.rate_name}/s"
        if self._rich is not None:
            # the live bar is transient: the epoch's record is the plain line below, which a
            # narrow terminal wraps instead of truncating
            self._rich[0].stop()
            self._rich = None
            self.stream.write(f"{self.title} - {steps}/{steps} - {timing}{format_logs(logs)}\n")
            self.stream.flush()
            return
        if self.live:
            self.stream.write(f"\r{steps}/{steps} - {timing}{format_logs(logs)}\x1b[K\n")
        else:
            self.stream.write(f"{self.title} - {steps}/{steps} - {timing}{format_logs(logs)}\n")
        self.stream.flush()

    def _plain_progress(self, step, samples, logs_fn):
        now = time.perf_counter()
        self._next_line = now + _LINE_SECONDS
        elapsed = now - self.start
        rate = samples / elapsed if elapsed > 0 else 0.0
        if self.steps and elapsed / step * (self.steps - step) < _SHORT_REST_SECONDS:
            return  # the epoch's own line follows soon: no extra line
        if self.steps:
            where = f"{step}/{self.steps} - ETA {format_duration(elapsed / step * (self.steps - step))}"
        else:
            where = f"{step} steps"
        self.stream.write(
            f"{self.title} - {where}{format_logs(logs_fn())} - {rate:,.0f} {self.rate_name}/s\n"
        )
        self.stream.flush()

    def message(self, text):
        """Print a one-off line (early stopping, NaN loss, checkpoint written)."""
        if self.verbose:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _begin_rich(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[metrics]}"),
            console=Console(file=self.stream),
            auto_refresh=False,
            transient=True,
        )
        task = progress.add_task(self.title, total=self.steps, metrics="")
        progress.start()
        self._rich = (progress, task)
