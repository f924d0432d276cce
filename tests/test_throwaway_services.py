"""The throwaway PostgreSQL and Redis that `make test` starts on a machine running neither
(scripts/throwaway_services.py): they come up on free ports, answer, and leave nothing behind."""

import os
import pwd
import signal
import socket
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
import redis

from scripts import throwaway_services
from tests.realparts import BASE_DIR, free_port


@pytest.fixture
def folder():
    """Under var/ like scripts/test's own (a pytest tmp_path is private to root, so the postgres
    user could not reach it); removed whatever happens."""
    if absent := throwaway_services.missing(["postgres", "redis"]):
        pytest.fail(throwaway_services.missing_message(absent))
    path = BASE_DIR / "var" / f"test-throwaway-{uuid.uuid4().hex[:8]}"
    yield path
    throwaway_services.stop(path)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # exited, its parent not yet told


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_postgres_and_redis_start_on_free_ports_answer_and_are_gone_after_stop(folder):
    postgres = throwaway_services.start_postgres(folder, database="throwaway_check")
    cache = throwaway_services.start_redis(folder, database=3)

    assert {postgres.port, cache.port}.isdisjoint({5432, 6379})
    assert postgres.url == f"postgres://postgres@127.0.0.1:{postgres.port}/throwaway_check"
    with psycopg.connect(postgres.url.replace("postgres://", "postgresql://", 1)) as connection:
        connection.execute("CREATE TABLE pledge (words text)")
        connection.execute("INSERT INTO pledge VALUES ('Call my neighbour')")
        assert connection.execute("SELECT words FROM pledge").fetchall() == [("Call my neighbour",)]
        settings = dict(
            connection.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN"
                " ('data_directory', 'listen_addresses', 'unix_socket_directories', 'port')"
            ).fetchall()
        )
    assert settings == {
        # Under the folder, or a private folder it links to when the postgres user cannot
        # reach the checkout (a parent folder only its owner may enter).
        "data_directory": str((folder / "postgres" / "data").resolve()),
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": "",  # no socket in a folder shared with others
        "port": str(postgres.port),
    }
    # initdb refuses to run as root: the cluster belongs to the postgres user then.
    owner = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    assert Path(settings["data_directory"]).owner() == owner

    client = redis.Redis.from_url(cache.url)
    try:
        assert client.ping()
        assert client.set("pledges", "12")
        assert client.get("pledges") == b"12"
        assert client.connection_pool.connection_kwargs["db"] == 3
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("dir") == {"dir": str(folder.resolve() / "redis")}
        assert client.config_get("bind") == {"bind": "127.0.0.1"}
    finally:
        client.close()
    assert running(postgres.pid)
    assert running(cache.pid)

    throwaway_services.stop(folder)

    assert not running(postgres.pid)
    assert not running(cache.pid)
    assert refuses(postgres.port)
    assert refuses(cache.port)
    assert not folder.exists()


def test_the_suite_gets_throwaway_servers_only_for_what_does_not_answer(folder, monkeypatch):
    """A running local Redis (here a listening socket) is kept; PostgreSQL, on a port where
    nothing listens, is started in the folder. The outbox tests' broker follows REDIS_URL."""
    with socket.socket() as local_redis:
        local_redis.bind(("127.0.0.1", 0))
        local_redis.listen()
        redis_url = f"redis://127.0.0.1:{local_redis.getsockname()[1]}/15"
        monkeypatch.setitem(throwaway_services.DEFAULT_URLS, "REDIS_URL", redis_url)
        nothing = f"postgres://postgres@127.0.0.1:{free_port()}/better_together"
        monkeypatch.setitem(throwaway_services.DEFAULT_URLS, "DATABASE_URL", nothing)

        chosen = throwaway_services.services_for_tests(folder, environ={})

    assert chosen["REDIS_URL"] == redis_url
    assert chosen["MAILINGS_TEST_BROKER_URL"] == redis_url.removesuffix("/15") + "/13"
    assert chosen["DATABASE_URL"] != nothing
    with psycopg.connect(chosen["DATABASE_URL"].replace("postgres://", "postgresql://")) as db:
        assert db.execute("SELECT current_database()").fetchone() == ("better_together",)
    assert (folder / "postgres" / "data").is_dir()
    assert not (folder / "redis").exists()


def test_a_named_server_that_does_not_answer_is_an_error_not_a_throwaway(folder):
    unreachable = f"postgres://postgres:secret@127.0.0.1:{free_port()}/campaign"

    with pytest.raises(throwaway_services.ServiceError) as error:
        throwaway_services.services_for_tests(folder, environ={"DATABASE_URL": unreachable})

    assert "DATABASE_URL (127.0.0.1:" in str(error.value)
    assert "secret" not in str(error.value)
    assert not folder.exists()


def test_stop_leaves_alone_a_process_that_took_a_stale_pid_files_number(folder):
    """After a crash, the pid in a leftover pid file may belong to someone else by now."""
    (folder / "redis").mkdir(parents=True)
    stranger = subprocess.Popen(["sleep", "30"], cwd="/")
    try:
        (folder / "redis" / "redis.pid").write_text(f"{stranger.pid}\n")

        throwaway_services.stop(folder)

        assert stranger.poll() is None
        assert not folder.exists()
    finally:
        stranger.send_signal(signal.SIGKILL)
        stranger.wait()
