"""Runs the processes in Procfile.dev (web, worker, beat) together for local development, with
their output prefixed, and stops them together.

Why not a generic Procfile runner: one Ctrl-C must stop everything cleanly. The terminal sends
Ctrl-C to every process in its foreground group, so the worker would get it twice (from the
terminal and from the runner) and stop cold, and `make` would end with an error. So this runner
takes the terminal's foreground for itself, starts each process in a group of its own, and on
Ctrl-C asks each once (SIGTERM: a warm shutdown for Celery) to stop, waiting for all of them;
it ends with status 0 when they all stopped by themselves.

It also prints the sign-in box (`--banner FILE`) once the site answers and the worker is ready,
so it is the last thing on the screen rather than lost above the start-up logs.

    python scripts/run_site.py [--procfile Procfile.dev] [--banner FILE]
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

STOP_SECONDS = 20
COLOURS = ["\033[36m", "\033[33m", "\033[35m", "\033[32m"]
RESET = "\033[0m"
READY_MARKERS = {"worker": " ready."}


def read_procfile(path: Path) -> dict[str, str]:
    processes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


class Runner:
    def __init__(self, processes: dict[str, str], banner: str):
        self.processes = processes
        self.banner = banner
        self.children: dict[str, subprocess.Popen] = {}
        self.ready: set[str] = set()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.colour = sys.stdout.isatty()
        self.width = max(len(name) for name in processes)

    def say(self, name: str, text: str) -> None:
        index = list(self.processes).index(name) if name in self.processes else -1
        prefix = f"{name:<{self.width}} | "
        if self.colour and index >= 0:
            prefix = f"{COLOURS[index % len(COLOURS)]}{prefix}{RESET}"
        with self.lock:
            sys.stdout.write(prefix + text.rstrip("\n") + "\n")
            sys.stdout.flush()

    def start(self) -> None:
        for name, command in self.processes.items():
            child = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # A group of its own: the terminal's Ctrl-C reaches only this runner, which
                # passes one stop request on.
                process_group=0,
                text=True,
                errors="replace",
            )
            self.children[name] = child
            threading.Thread(target=self.relay, args=(name, child), daemon=True).start()
        threading.Thread(target=self.announce_when_ready, daemon=True).start()

    def relay(self, name: str, child: subprocess.Popen) -> None:
        marker = READY_MARKERS.get(name)
        for line in child.stdout:
            self.say(name, line)
            if marker and marker in line:
                self.ready.add(name)

    def announce_when_ready(self) -> None:
        url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
        while not self.stopping.is_set():
            if set(READY_MARKERS) & set(self.processes) <= self.ready and answers(url):
                time.sleep(0.5)  # let the check's own log line go first
                if self.banner:
                    with self.lock:
                        sys.stdout.write("\n" + self.banner.rstrip("\n") + "\n\n")
                        sys.stdout.flush()
                return
            time.sleep(0.3)

    def wait(self) -> int:
        """Until Ctrl-C (or SIGTERM), or until a process ends by itself."""
        while not self.stopping.is_set():
            for name, child in self.children.items():
                if child.poll() is not None:
                    self.say(
                        name, f"stopped by itself (status {child.returncode}); stopping the rest"
                    )
                    return self.stop(failed=True)
            self.stopping.wait(0.2)
        return self.stop(failed=False)

    def stop(self, *, failed: bool) -> int:
        """Ask each process once to stop (Celery then shuts its pool down warm); give what it
        leaves behind (the development server's reloaded child) the same request."""
        self.stopping.set()
        for name, child in self.children.items():
            if child.poll() is None:
                self.say(name, "stopping")
                signal_process(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for name, child in self.children.items():
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(name, f"did not stop within {STOP_SECONDS} s: killed")
                signal_group(child, signal.SIGKILL)
                child.wait()
                failed = True
            else:
                signal_group(child, signal.SIGTERM)  # anything it started that is still there
        return 1 if failed else 0


def signal_process(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def signal_group(child: subprocess.Popen, signum: int) -> None:
    # Each process leads a group of its own (see start).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback only)
            return response.status == 200
    except OSError:
        return False


def take_the_terminal() -> tuple[int, int] | None:
    """Become the terminal's foreground group (as a shell does for a job), so Ctrl-C reaches
    this runner and not `make` or the processes it runs. Returns what to give back."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
        previous = os.tcgetpgrp(fd)
    except OSError:
        return None  # no terminal: started by a script, a service manager or CI
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    if os.getpgrp() != os.getpid():  # a session or group leader already has its own group
        os.setpgid(0, 0)
    os.tcsetpgrp(fd, os.getpgrp())
    return fd, previous


def give_back(terminal: tuple[int, int] | None) -> None:
    if terminal:
        fd, previous = terminal
        with contextlib.suppress(OSError):
            os.tcsetpgrp(fd, previous)
        os.close(fd)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procfile", type=Path, default=Path("Procfile.dev"))
    parser.add_argument("--banner", type=Path)
    args = parser.parse_args()
    banner = args.banner.read_text() if args.banner else ""

    runner = Runner(read_procfile(args.procfile), banner)
    terminal = take_the_terminal()

    def request_stop(signum, frame):
        if not runner.stopping.is_set():
            with runner.lock:
                sys.stdout.write("\nStopping the site, the worker and beat…\n")
            runner.stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        runner.start()
        status = runner.wait()
    finally:
        give_back(terminal)
    print("Stopped." if status == 0 else "Stopped, with problems (see above).")
    return status


if __name__ == "__main__":
    sys.exit(main())
