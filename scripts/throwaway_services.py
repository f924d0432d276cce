"""Throwaway PostgreSQL and Redis servers for the test suite, on a machine that runs neither.

Each server lives in a folder (its data, log and pid file), listens on a free port on 127.0.0.1
only, keeps nothing it does not need to (trust auth, no fsync, no Redis persistence), and is
stopped by its pid file, after which the folder is removed.

    python scripts/throwaway_services.py start FOLDER   # prints `export …` lines for the shell
    python scripts/throwaway_services.py stop FOLDER

`start` keeps DATABASE_URL and REDIS_URL when they are set, uses the local defaults when they
answer, and starts a throwaway server for each of the others. `scripts/test` runs it;
`tests/test_throwaway_services.py` starts and stops the servers through the functions below.
Standard library only, so it runs before anything else is installed.
"""

import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URLS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/better_together",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}
SERVICES = {"DATABASE_URL": "postgres", "REDIS_URL": "redis"}
DEBIAN_PACKAGES = {"postgres": "postgresql", "redis": "redis-server"}
# The outbox tests' worker uses its own Redis database beside REDIS_URL's (tests/mailings).
MAILINGS_BROKER_DB = 13
# initdb refuses to run as root; Debian's postgresql package creates this user.
POSTGRES_USER = "postgres"
START_ATTEMPTS = 3  # another process may take a free port before the server binds it
START_SECONDS = 30
STOP_SECONDS = 10


class ServiceError(RuntimeError):
    """A throwaway server could not be set up; the message says what to do."""


@dataclass(frozen=True)
class Server:
    """A running throwaway server."""

    url: str
    port: int
    pid: int
    folder: Path  # everything it wrote is in here (or behind `data`, see _postgres_data_dir)


def start_postgres(folder: Path, *, database: str | None = None) -> Server:
    """A new PostgreSQL cluster in `folder`/postgres (which must not exist): user `postgres`
    with trust auth, TCP on 127.0.0.1 only (no Unix socket to share with anyone), and
    `database` created in it when given."""
    bindir = postgres_bindir()
    if bindir is None:
        raise ServiceError(missing_message(["postgres"]))
    folder = folder.resolve() / "postgres"
    folder.mkdir(parents=True)
    as_user = _postgres_runner(folder)
    data = _postgres_data_dir(folder, as_user)
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    # --no-sync: a crash loses a throwaway cluster anyway, and syncing is most of initdb's time.
    _run([*as_user, *initdb, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], "initdb", cwd="/")
    log = data / "server.log"  # where the postgres user can write it, wherever `data` is
    for _ in range(START_ATTEMPTS):
        port = free_port()
        log.unlink(missing_ok=True)
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w"]
        started = subprocess.run(
            [*as_user, *pg_ctl, "-t", str(START_SECONDS), "-o", options, "start"],
            capture_output=True,
            text=True,
            cwd="/",
        )
        if started.returncode == 0:
            break
        if "already in use" not in _tail(log):
            raise ServiceError(f"PostgreSQL did not start:\n{started.stderr}{_tail(log)}")
    else:
        raise ServiceError(f"PostgreSQL found no free port in {START_ATTEMPTS} attempts")
    pid = _read_pid(data / "postmaster.pid")
    if database:
        createdb = [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        _run([*createdb, database], "createdb")
    return Server(
        url=f"postgres://postgres@127.0.0.1:{port}/{database or 'postgres'}",
        port=port,
        pid=pid,
        folder=folder,
    )


def start_redis(folder: Path, *, database: int = 0) -> Server:
    """A new Redis server in `folder`/redis (which must not exist) on 127.0.0.1, saving
    nothing; its URL names `database`."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceError(missing_message(["redis"]))
    folder = folder.resolve() / "redis"  # absolute: Redis changes to --dir before opening its log
    folder.mkdir(parents=True)
    pidfile, log = folder / "redis.pid", folder / "redis.log"
    for _ in range(START_ATTEMPTS):
        port = free_port()
        log.unlink(missing_ok=True)
        _run(
            [
                binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(pidfile),
                "--dir", str(folder), "--logfile", str(log),
            ],
            "redis-server",
        )  # fmt: skip
        # The daemon writes its pid file once it listens, and exits if it cannot bind.
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and "Failed listening" not in _tail(log):
            url = f"redis://127.0.0.1:{port}/{database}"
            if pidfile.exists() and _answers(url):
                return Server(url=url, port=port, pid=_read_pid(pidfile), folder=folder)
            time.sleep(0.02)
        if "Failed listening" not in _tail(log):
            raise ServiceError(f"Redis did not start:\n{_tail(log)}")
    raise ServiceError(f"Redis found no free port in {START_ATTEMPTS} attempts")


def stop(folder: Path) -> None:
    """Stop every throwaway server in `folder` (found by its pid file), then remove it all.
    Safe to call twice, after a failed start, or on a folder left by a killed run."""
    for pidfile, signum in (
        (folder / "postgres" / "data" / "postmaster.pid", signal.SIGINT),  # "fast" shutdown
        (folder / "redis" / "redis.pid", signal.SIGTERM),
    ):
        pid = _read_pid(pidfile) if pidfile.exists() else None
        # A stale pid file may name someone else's process by now: only ours run in that folder.
        if pid and _alive(pid) and _cwd(pid) == pidfile.parent.resolve():
            _terminate(pid, signum)
    data = folder / "postgres" / "data"
    if data.is_symlink():
        shutil.rmtree(data.resolve(), ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)


def postgres_bindir() -> Path | None:
    """The newest of Debian's PostgreSQL server installations (they sit side by side)."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing(services) -> list[str]:
    """Which of `services` ("postgres", "redis") have no server binary installed."""
    have = {"postgres": postgres_bindir() is not None, "redis": bool(shutil.which("redis-server"))}
    return [name for name in services if not have[name]]


def missing_message(services) -> str:
    packages = " ".join(DEBIAN_PACKAGES[name] for name in services)
    return (
        f"The tests start throwaway PostgreSQL and Redis servers when none are running, and "
        f"test that they can: install the servers (sudo apt-get install {packages}). To use "
        "running servers elsewhere, name them: DATABASE_URL=postgres://user@host:5432/"
        "better_together REDIS_URL=redis://host:6379/15 make test"
    )


def install(services) -> None:
    """Install the Debian packages for `services` (as root only)."""
    packages = [DEBIAN_PACKAGES[name] for name in services]
    _say(f"Installing {' '.join(packages)} for throwaway test servers…")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-qq"], "apt-get update", env=env)
    _run(["apt-get", "install", "-y", "-qq", *packages], "apt-get install", env=env)


def services_for_tests(folder: Path, environ=os.environ) -> dict[str, str]:
    """The environment the suite runs with: the servers DATABASE_URL and REDIS_URL name
    (which must answer), else the local defaults when they answer, else throwaway servers
    started in `folder`. As root, installs the servers' packages when they are missing."""
    chosen: dict[str, str] = {}
    needed = []
    for name, default in DEFAULT_URLS.items():
        url = environ.get(name)
        if url and not _answers(url, default_port=urlsplit(default).port):
            raise ServiceError(
                f"{name} ({_where(url)}) is not reachable: start that server, or unset {name} "
                "to use a local or throwaway one."
            )
        if url:
            chosen[name] = url
            _say(f"{name}: {_where(url)}")
        elif _answers(default):
            chosen[name] = default
            _say(f"{name}: {_where(default)}, the local default")
        else:
            needed.append(name)
    # The suite's own test of these servers needs both installed, whatever the run uses.
    absent = missing(SERVICES.values())
    if absent and os.geteuid() == 0:
        install(absent)
    elif needs := missing(SERVICES[name] for name in needed):
        raise ServiceError(missing_message(needs))
    if needed:
        stop(folder)  # whatever a killed earlier run left
        try:
            for name in needed:
                default = urlsplit(DEFAULT_URLS[name])
                database = default.path.lstrip("/")
                if name == "DATABASE_URL":
                    server = start_postgres(folder, database=database)
                else:
                    server = start_redis(folder, database=int(database))
                chosen[name] = server.url
                _say(f"{name}: {_where(server.url)}, a throwaway server in {server.folder}")
        except BaseException:
            stop(folder)
            raise
    if not environ.get("MAILINGS_TEST_BROKER_URL"):
        redis_url = urlsplit(chosen["REDIS_URL"])
        broker = redis_url._replace(path=f"/{MAILINGS_BROKER_DB}")
        chosen["MAILINGS_TEST_BROKER_URL"] = urlunsplit(broker)
    return chosen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str, *, default_port: int | None = None, timeout: float = 2.0) -> bool:
    """Whether something accepts connections on the host and port of `url`."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or default_port), timeout).close()
    except OSError:
        return False
    return True


def _say(message: str) -> None:
    print(message, file=sys.stderr)  # stdout is for the shell to evaluate


def _where(url: str) -> str:
    """Host, port and database of `url`, without its credentials."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname}{port}{parts.path}"


def _postgres_runner(folder: Path) -> list[str]:
    """The command prefix that runs PostgreSQL's tools: as the `postgres` user when we are
    root (initdb refuses root), owning `folder`; as ourselves otherwise."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise ServiceError("runuser (util-linux) is needed to run PostgreSQL as a non-root user")
    try:
        shutil.chown(folder, user=POSTGRES_USER)
    except LookupError as exc:
        raise ServiceError(
            f"There is no '{POSTGRES_USER}' user to run PostgreSQL as (Debian's postgresql "
            "package creates it): reinstall the package, or set DATABASE_URL."
        ) from exc
    return ["runuser", "-u", POSTGRES_USER, "--"]


def _postgres_data_dir(folder: Path, as_user: list[str]) -> Path:
    """`folder`/data, or, when the `postgres` user cannot reach `folder` (a checkout in a
    private home folder), a private folder of its own in the system's temporary folder, linked
    from `folder`/data so that `stop` finds and removes it."""
    data = folder / "data"
    if (
        not as_user
        or subprocess.run([*as_user, "test", "-w", str(folder)], cwd="/").returncode == 0
    ):
        return data
    elsewhere = Path(tempfile.mkdtemp(prefix="better-together-postgres-"))
    shutil.chown(elsewhere, user=POSTGRES_USER)
    data.symlink_to(elsewhere, target_is_directory=True)
    return elsewhere


def _run(command: list[str], what: str, **kwargs) -> None:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise ServiceError(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def _tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent that may never reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # the state follows "(command name)"


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve()
    except OSError:
        return None


def _terminate(pid: int, signum: int) -> None:
    """Send `signum`, wait for the process to end, then SIGKILL it if it has not."""
    for sig in (signum, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.02)
    raise ServiceError(f"process {pid} did not stop")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("folder", type=Path, help="where the throwaway servers live")
    args = parser.parse_args(argv)
    try:
        if args.command == "stop":
            stop(args.folder)
            return 0
        for name, value in services_for_tests(args.folder).items():
            print(f"export {name}={shlex.quote(value)}")
    except ServiceError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
