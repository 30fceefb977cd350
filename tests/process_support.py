"""The bot's commands as subprocesses, for tests about processes (workers, replicas): output kept in
files (a pipe nobody reads could fill and block the process), a wait that reports what each said."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

# The real entry point, as the Dockerfile runs it; `python -m bot.cli` where it is not installed.
_SCRIPT = Path(sys.executable).with_name("innersource-bot")
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
DEADLINE = 90.0  # seconds to wait for a condition; never an assertion on speed


class BotProcess:
    """`innersource-bot ARGS…` running in `cwd` with `env`."""

    def __init__(self, name: str, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.name = name
        self.out: IO[str] = (cwd / f"{name}.out").open("w+")
        self.err: IO[str] = (cwd / f"{name}.err").open("w+")
        self.process = subprocess.Popen([*COMMAND, *args], cwd=cwd, env=env, stdout=self.out, stderr=self.err)

    @property
    def worker_id(self) -> str:
        """A worker's id, from its first line ("Worker host:pid:xxxxxx running; …")."""
        self.out.flush()
        self.out.seek(0)
        first = self.out.readline()
        return first.split()[1] if first.startswith("Worker ") else ""

    def output(self) -> str:
        text = []
        for stream in (self.out, self.err):
            stream.flush()
            stream.seek(0)
            text.append(stream.read())
        return "".join(text)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.out.close()
        self.err.close()


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Processes a test starts; killed (if still running) and closed after it."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.close()


def wait_for(
    condition: Callable[[], bool],
    what: str,
    processes: list[BotProcess],
    deadline: float = DEADLINE,
    exits_fail: bool = True,
) -> None:
    """Until `condition()` holds; fails with the processes' output when time runs out, or (with
    `exits_fail`) when one of them exits first."""
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        if condition():
            return
        dead = [p for p in processes if p.process.poll() is not None] if exits_fail else []
        if dead:
            raise AssertionError(f"{dead[0].name} exited while waiting for {what}:\n{dead[0].output()}")
        time.sleep(0.2)
    logs = "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in processes)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")
