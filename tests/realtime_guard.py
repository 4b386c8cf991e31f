"""A test double for the audio callback's rule: a guarded call may copy and hand off, nothing else.

`RealtimeGuard.wrap(render)` returns a render function that, for the duration of each call and
in the calling thread only, watches for what must never happen on the audio thread:

- the file system and the operating system: every audit event of `open`, `os.*`, `shutil.*`,
  `subprocess.*`, `socket.*`, `import` (a module loaded for the first time reads files), plus
  any call into the `posix` module, which catches `os.stat` (`Path.is_file`), which has no
  audit event;
- locks: `acquire`, `release`, `__enter__` or `__exit__` of a `threading.Lock` or `RLock`
  (a `with lock:` shows as its `__exit__`), and any call into `threading` (conditions, events,
  starting a thread) or `queue` (`queue.Queue.put` waits on a condition);
- `logging`, `print`, `input` and `time.sleep`.

`queue.SimpleQueue.put` and `collections.deque` appends and pops pass: both are C code that
never blocks (SimpleQueue.put is documented to never block and to be reentrant; deque appends
and pops from either end are documented thread-safe).

The call that broke the rule raises `RealtimeViolation` naming each thing and where it
happened, after it returned (the profile and audit hooks only record, so code that catches
exceptions cannot hide a violation); `recording()` only records, for a render thread that
must keep going, and `check()` raises afterwards. Other threads, such as the speech worker
writing clips, are not watched.
"""

from __future__ import annotations

import builtins
import inspect
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

Render = Callable[[int], np.ndarray]

AUDIT_PREFIXES = ("open", "os.", "shutil.", "subprocess.", "socket.", "import", "sqlite3.",
                  "tempfile.", "glob.", "ctypes.dlopen")
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
LOCK_METHODS = frozenset({"acquire", "acquire_lock", "release", "release_lock", "__enter__",
                          "__exit__"})
SYSTEM_MODULES = frozenset({"posix", "nt"})
FORBIDDEN_MODULES = ("threading", "queue", "logging", "subprocess", "multiprocessing")
FORBIDDEN_BUILTINS = {builtins.print: "print", builtins.input: "input", time.sleep: "time.sleep"}

# The guard watching each thread, by thread id; read by the process-wide audit hook.
_watching: dict[int, RealtimeGuard] = {}
_audit_hook_installed = False


class RealtimeViolation(AssertionError):
    """The guarded call did something the audio callback must not do."""


class RealtimeGuard:
    """Records what guarded calls did that the audio thread must not do; `calls` counts them."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.calls = 0
        self._seen: set[str] = set()

    def wrap(self, render: Render) -> Render:
        """`render`, guarded on every call: a call that broke the rule raises
        RealtimeViolation once it has returned."""

        def guarded(frames: int) -> np.ndarray:
            before = len(self.violations)
            with self.recording():
                block = render(frames)
            if len(self.violations) > before:
                raise RealtimeViolation(_listing(self.violations[before:]))
            return block

        return guarded

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Watch this thread until the block ends, recording what breaks the rule (for a
        thread where raising would only kill the thread; call `check` afterwards)."""
        _install_audit_hook()
        thread = threading.get_ident()
        previous = sys.getprofile()
        _watching[thread] = self
        sys.setprofile(self._profile)
        try:
            yield
        finally:
            sys.setprofile(previous)
            del _watching[thread]
            self.calls += 1

    def check(self) -> None:
        """Raise RealtimeViolation if any watched call broke the rule."""
        if self.violations:
            raise RealtimeViolation(_listing(self.violations))

    def flag(self, what: str, frame: FrameType | None) -> None:
        where = _where(frame)
        entry = f"{what} at {where}"
        if entry not in self._seen:  # one report per thing and place, however often
            self._seen.add(entry)
            self.violations.append(entry)

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call":
            what = _forbidden_builtin(arg)
            # Inside a forbidden module, the way in was reported already.
            if what is not None and not _is_forbidden(_module_of(frame)):
                self.flag(what, frame)
        elif event == "call":
            module = _module_of(frame)
            caller = frame.f_back
            # Only the way in: what a forbidden function calls in turn is the same violation.
            if _is_forbidden(module) and (caller is None or not _is_forbidden(_module_of(caller))):
                self.flag(f"{module}.{frame.f_code.co_qualname}()", caller)


def _listing(violations: list[str]) -> str:
    return "not safe in the audio callback:\n  " + "\n  ".join(violations)


def _forbidden_builtin(function: Any) -> str | None:
    try:
        named = FORBIDDEN_BUILTINS.get(function)
    except TypeError:  # an unhashable callable
        named = None
    if named is not None:
        return named
    owner = getattr(function, "__self__", None)
    name = getattr(function, "__name__", "")
    if isinstance(owner, LOCK_TYPES) and name in LOCK_METHODS:
        return f"lock.{name}"
    if getattr(function, "__module__", None) in SYSTEM_MODULES:
        return f"os.{name}"
    return None


def _module_of(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", ""))


def _is_forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN_MODULES)


def _where(frame: FrameType | None) -> str:
    """file:line of the frame, from the frame alone: reading source lines would open files."""
    if frame is None:
        return "?"
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"


def _audit(event: str, args: tuple[Any, ...]) -> None:
    guard = _watching.get(threading.get_ident())
    if guard is None or not event.startswith(AUDIT_PREFIXES):
        return
    subject = repr(args[0])[:80] if args else ""
    hook = inspect.currentframe()
    guard.flag(f"{event} {subject}".strip(), None if hook is None else hook.f_back)


def _install_audit_hook() -> None:
    """Audit hooks cannot be removed, so one hook serves every guard, for the whole run."""
    global _audit_hook_installed
    if not _audit_hook_installed:
        sys.addaudithook(_audit)
        _audit_hook_installed = True
