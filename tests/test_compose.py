"""The container setup: docker-compose.yml, the Dockerfile and .dockerignore.

No Docker engine is needed: the files are parsed and checked against each other and against
the settings, chiefly that every environment variable compose passes to the app is one that
campaign_site/settings actually reads (a misspelt name would be silently ignored).
"""

import ast
import functools
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_DIR = ROOT / "campaign_site" / "settings"

APP_PROCESSES = ("web", "worker", "beat")
# Read by Django to pick the settings module, not by the settings themselves.
NOT_A_SETTING = {"DJANGO_SETTINGS_MODULE"}
MAIL_CATCHER_IMAGES = ("mailpit", "mailhog", "mailcatcher", "mailcrab", "smtp4dev")


# --- Loading ------------------------------------------------------------------------------------


@functools.cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict:
    return compose()["services"]


_VARIABLE = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value, environ=None):
    """Compose's variable substitution, with an empty host environment by default.

    `${NAME:?message}` (a variable the user must set) becomes `<NAME>`, so the result stays
    checkable; `$$` is compose's escaped dollar.
    """
    if not isinstance(value, str):
        return value
    environ = environ or {}
    parts = value.split("$$")

    def substitute(match):
        name = match["name"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        current = environ.get(name)
        if op in (":-", "-"):
            empty = current is None or (op == ":-" and current == "")
            return arg if empty else current
        if op in (":?", "?"):
            return current if current else f"<{name}>"
        if op in (":+", "+"):
            return arg if current else ""
        return current or ""

    return "$".join(_VARIABLE.sub(substitute, part) for part in parts)


def command_tokens(command) -> list[str]:
    """A command (list or string, exec or shell form) as tokens, `--opt=value` split in two."""
    if command is None:
        return []
    tokens = shlex.split(command) if isinstance(command, str) else [str(t) for t in command]
    split = []
    for token in tokens:
        if token.startswith("--") and "=" in token:
            split.extend(token.split("=", 1))
        else:
            split.append(token)
    return split


def healthcheck_command(service: dict) -> str:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return test
    kind, *rest = test
    return rest[0] if kind == "CMD-SHELL" else shlex.join(rest)


def environment(name: str) -> dict:
    env = services()[name].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def resolved_environment(name: str) -> dict:
    return {key: interpolate(value) for key, value in environment(name).items()}


def app_services() -> list[str]:
    """Every service that runs the project's own image: the same build as web."""
    web = services()["web"]
    return [
        name
        for name, service in services().items()
        if service.get("build") == web.get("build") and service.get("image") == web.get("image")
    ]


def one_shot_services() -> set[str]:
    """Services others wait on to finish (migrations): not long-running."""
    one_shot = set()
    for service in services().values():
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, dict):
            for name, spec in depends_on.items():
                if spec.get("condition") == "service_completed_successfully":
                    one_shot.add(name)
    return one_shot


def mail_catcher() -> str:
    names = [
        name
        for name, service in services().items()
        if any(image in str(service.get("image", "")) for image in MAIL_CATCHER_IMAGES)
    ]
    assert len(names) == 1, f"expected one mail catcher service, found {names}"
    return names[0]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        current += " " + stripped.removesuffix("\\").strip()
        if stripped.endswith("\\"):
            continue
        keyword, _, arguments = current.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


# --- What the settings read ---------------------------------------------------------------------


def _is_env(node) -> bool:
    """The settings' `environ.Env` instance, which they all call `env`."""
    return isinstance(node, ast.Name) and node.id == "env"


def _string(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _names_looped_over(tree) -> dict[str, set[str]]:
    """Loop variables bound to a literal tuple/list of names, e.g. `for name in ("A", "B")`."""
    loops: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.comprehension | ast.For)
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Tuple | ast.List)
        ):
            values = {_string(element) for element in node.iter.elts}
            if values and None not in values:
                loops.setdefault(node.target.id, set()).update(values)
    return loops


def settings_reads(path: Path) -> tuple[set[str], set[str]]:
    """The variable names a settings module reads, and the prefixes it reads every key of.

    Understands `env("NAME", …)`, `env.<cast>("NAME", …)` (bool, int, str, list, db, email_url,
    path…), names fed to those calls from a literal loop, the keyword schema of
    `environ.Env(NAME=(cast, default))`, and `key.startswith("PREFIX")` filters over
    `env.ENVIRON` (anymail's ANYMAIL_* keys).
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    loops = _names_looped_over(tree)
    names: set[str] = set()
    prefixes: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        reads_env = _is_env(func) or (isinstance(func, ast.Attribute) and _is_env(func.value))
        if reads_env and node.args:
            first = node.args[0]
            if _string(first):
                names.add(_string(first))
            elif isinstance(first, ast.Name) and first.id in loops:
                names.update(loops[first.id])
        if isinstance(func, ast.Attribute) and func.attr == "Env":
            names.update(keyword.arg for keyword in node.keywords if keyword.arg)
    for node in ast.walk(tree):
        # {key: value for key, value in env.ENVIRON.items() if key.startswith("ANYMAIL_")}
        if isinstance(node, ast.DictComp | ast.ListComp | ast.SetComp | ast.GeneratorExp) and any(
            "ENVIRON" in ast.unparse(generator.iter) for generator in node.generators
        ):
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "startswith"
                    and call.args
                    and _string(call.args[0])
                ):
                    prefixes.add(_string(call.args[0]))
    return names, prefixes


@functools.cache
def names_read_by_settings(module: str | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """What campaign_site/settings/*.py read; with a module, only that module and the modules
    it star-imports (production reads what base reads, but not what dev or test read)."""
    if module is None:
        paths = sorted(SETTINGS_DIR.glob("*.py"))
    else:
        paths, pending = [], [SETTINGS_DIR / f"{module.rsplit('.', 1)[-1]}.py"]
        while pending:
            path = pending.pop()
            paths.append(path)
            for node in ast.walk(ast.parse(path.read_text())):
                star_import = isinstance(node, ast.ImportFrom) and any(
                    alias.name == "*" for alias in node.names
                )
                if star_import and node.level == 1 and node.module:
                    pending.append(SETTINGS_DIR / f"{node.module}.py")
    names, prefixes = set(), set()
    for path in paths:
        file_names, file_prefixes = settings_reads(path)
        names |= file_names
        prefixes |= file_prefixes
    return frozenset(names), frozenset(prefixes)


def names_production_requires() -> set[str]:
    """The names production.py refuses to start without: those it loops over to check."""
    tree = ast.parse((SETTINGS_DIR / "production.py").read_text())
    required: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and "missing" in target.id for target in node.targets
        ):
            for names in _names_looped_over(node).values():
                required |= names
    return required


# --- The settings parser itself -----------------------------------------------------------------


def test_the_settings_parser_finds_what_the_settings_read():
    names, prefixes = names_read_by_settings()
    # One of each way of reading: env("…"), env.db, env.email_url, env.path, env.bool, env.int,
    # the Env(...) schema, and the anymail prefix.
    assert {
        "SECRET_KEY",
        "DATABASE_URL",
        "EMAIL_URL",
        "MEDIA_ROOT",
        "SERVE_MEDIA",
        "CONN_MAX_AGE",
        "DEBUG",
        "ALLOWED_HOSTS",
        "SITE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "SECURE_SSL_REDIRECT",
    } <= names
    assert "ANYMAIL_" in prefixes
    assert names_production_requires() >= {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}


def test_interpolation_follows_compose():
    assert interpolate("${A:-x}") == "x"
    assert interpolate("${A:-x}", {"A": "y"}) == "y"
    assert interpolate("${A:?set A}") == "<A>"
    assert interpolate("a$$b") == "a$b"
    assert interpolate("${A:-localhost},127.0.0.1") == "localhost,127.0.0.1"


# --- Services -----------------------------------------------------------------------------------


def test_the_services_exist():
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services())
    assert mail_catcher()


def test_every_published_port_is_bound_to_loopback():
    published = []
    for name, service in services().items():
        for port in service.get("ports", []):
            published.append(port)
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
                assert port.get("published"), f"{name}: {port} publishes a random port"
            else:
                # "127.0.0.1:8000:8000"; a bare "8000" or "8000:8000" listens on every interface.
                assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"
                assert str(port).count(":") == 2, f"{name}: {port}"
    assert "127.0.0.1:8000:8000" in services()["web"]["ports"]
    assert published, "nothing is published: the site could not be reached"


def test_web_runs_gunicorn_on_all_interfaces_of_its_container():
    tokens = command_tokens(services()["web"]["command"])
    assert tokens[0] == "gunicorn"
    assert tokens[1] in ("campaign_site.wsgi", "campaign_site.wsgi:application")
    bind = (
        tokens[tokens.index("--bind") + 1] if "--bind" in tokens else tokens[tokens.index("-b") + 1]
    )
    assert bind == "0.0.0.0:8000"
    assert "--timeout" in tokens


def test_worker_runs_a_celery_worker_without_beat():
    tokens = command_tokens(services()["worker"]["command"])
    assert tokens[:4] == ["celery", "-A", "campaign_site", "worker"]
    # An embedded beat would be a second scheduler next to the beat service.
    assert "-B" not in tokens
    assert "--beat" not in tokens


def test_beat_runs_once():
    beat = services()["beat"]
    assert command_tokens(beat["command"])[:4] == ["celery", "-A", "campaign_site", "beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1
    # Nothing else runs a scheduler.
    for name, service in services().items():
        if name != "beat":
            tokens = command_tokens(service.get("command"))
            assert "beat" not in tokens[:4], name
    text = COMPOSE_FILE.read_text()
    assert re.search(r"never scale", text, re.IGNORECASE), "beat needs its never-scale warning"


def test_redis_never_evicts_queued_tasks_and_keeps_them_on_disk():
    tokens = command_tokens(services()["redis"]["command"])
    assert tokens[0] == "redis-server"
    assert tokens[tokens.index("--maxmemory-policy") + 1] == "noeviction"
    assert tokens[tokens.index("--appendonly") + 1] == "yes"
    assert any(str(volume).endswith(":/data") for volume in services()["redis"]["volumes"])


def test_postgres_keeps_its_data_on_a_named_volume():
    postgres = services()["postgres"]
    assert postgres["image"].startswith("postgres:16")
    volumes = [str(volume).split(":") for volume in postgres["volumes"]]
    assert any(
        target == "/var/lib/postgresql/data" and source in compose()["volumes"]
        for source, target, *_ in volumes
    )
    assert "pg_isready" in healthcheck_command(postgres)


def test_every_long_running_service_has_a_healthcheck():
    long_running = set(services()) - one_shot_services()
    assert {"web", "worker", "beat", "postgres", "redis", mail_catcher()} <= long_running
    for name in long_running:
        healthcheck = services()[name].get("healthcheck")
        assert healthcheck, f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} has no healthcheck"
        assert healthcheck["test"] not in (["NONE"], "NONE"), name


def test_healthchecks_ask_the_right_question():
    web = healthcheck_command(services()["web"])
    # Slim images have no curl or wget.
    assert web.startswith("python")
    assert "curl" not in web
    assert "wget" not in web
    url = re.search(r"https?://[^'\" ]+", web)[0]
    assert urlsplit(url).path == "/healthz"
    assert urlsplit(url).port == 8000
    # Django refuses hosts it does not know: the health check's must be allowed.
    allowed = resolved_environment("web")["ALLOWED_HOSTS"].split(",")
    assert urlsplit(url).hostname in allowed

    worker = healthcheck_command(services()["worker"])
    assert "celery -A campaign_site inspect ping" in worker
    assert "celery@$$HOSTNAME" in worker or "celery@$${HOSTNAME}" in worker

    # Beat answers a ping only with remote control on.
    beat = healthcheck_command(services()["beat"])
    assert "celery -A campaign_site inspect ping" in beat
    assert "celerybeat@$$HOSTNAME" in beat
    assert "--enable-remote-control" in command_tokens(services()["beat"]["command"])

    assert "redis-cli ping" in healthcheck_command(services()["redis"])


def test_no_unescaped_dollars_for_compose_to_swallow():
    """`$HOSTNAME` in a healthcheck would be filled in from the host by compose; `$$` is meant."""

    def strings(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    for text in strings(compose()):
        for match in re.finditer(r"\$", text.replace("$$", "")):
            rest = text.replace("$$", "")[match.start() :]
            assert rest.startswith("${"), f"unescaped $ in {text!r}"


def test_dependencies_wait_for_health_and_migrations():
    for name in APP_PROCESSES:
        depends_on = services()[name]["depends_on"]
        assert depends_on["redis"]["condition"] == "service_healthy", name
    for name in ("web", "worker"):
        depends_on = services()[name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy", name

    # Migrations run once, before web starts.
    migrate = [
        dependency
        for dependency, spec in services()["web"]["depends_on"].items()
        if spec["condition"] == "service_completed_successfully"
    ]
    assert len(migrate) == 1
    tokens = command_tokens(services()[migrate[0]]["command"])
    assert "manage.py" in tokens
    assert "migrate" in tokens
    assert services()[migrate[0]].get("restart", "no") == "no"

    # Whatever is waited on for its health has a healthcheck to be healthy by.
    for name, service in services().items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            if spec.get("condition") == "service_healthy":
                assert services()[dependency].get("healthcheck"), f"{name} -> {dependency}"


# --- The app's environment ----------------------------------------------------------------------


def test_app_services_share_one_image_and_one_environment():
    apps = app_services()
    assert set(APP_PROCESSES) <= set(apps)
    first = environment("web")
    for name in apps:
        assert environment(name) == first, f"{name} has an environment of its own"


def test_the_environment_points_at_the_compose_services():
    env = resolved_environment("web")
    assert env["DJANGO_SETTINGS_MODULE"] == "campaign_site.settings.production"
    # The secret key has no default: compose refuses to start without one.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment("web")["SECRET_KEY"])
    assert env["ALLOWED_HOSTS"]
    assert "localhost" in env["ALLOWED_HOSTS"].split(",")

    database = urlsplit(env["DATABASE_URL"])
    assert database.scheme in ("postgres", "postgresql", "postgis")
    assert database.hostname == "postgres"
    assert database.port in (None, 5432)
    postgres = {
        key: interpolate(value) for key, value in services()["postgres"]["environment"].items()
    }
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]

    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        url = urlsplit(env[name])
        assert (url.scheme, url.hostname, url.port) == ("redis", "redis", 6379), name
    # The cache's FLUSHDB must not take the queue with it.
    assert urlsplit(env["REDIS_URL"]).path != urlsplit(env["CELERY_BROKER_URL"]).path

    email = urlsplit(env["EMAIL_URL"])
    assert email.scheme == "smtp"
    assert email.hostname == mail_catcher()
    assert email.port == 1025

    assert env["SECURE_SSL_REDIRECT"] == "false"
    assert urlsplit(env["SITE_URL"]).port == 8000


def test_every_variable_compose_sets_is_read_by_the_settings():
    everywhere, _ = names_read_by_settings()
    for name in app_services():
        module = environment(name)["DJANGO_SETTINGS_MODULE"]
        assert module.startswith("campaign_site.settings."), name
        names, prefixes = names_read_by_settings(module)
        assert names <= everywhere
        given = set(environment(name)) - NOT_A_SETTING
        unread = {
            variable
            for variable in given - names
            if not any(variable.startswith(prefix) for prefix in prefixes)
        }
        assert not unread, f"{name} sets variables no setting reads: {sorted(unread)}"


def test_every_variable_production_requires_is_set():
    required = names_production_requires()
    assert required
    for name in APP_PROCESSES:
        env = resolved_environment(name)
        missing = sorted(variable for variable in required if not env.get(variable))
        assert not missing, f"{name} is missing {missing}"


def test_media_is_on_one_named_volume_shared_by_web_and_worker():
    media_root = environment("web")["MEDIA_ROOT"]
    sources = set()
    for name in ("web", "worker"):
        mounts = [str(volume).split(":") for volume in services()[name].get("volumes", [])]
        matching = [source for source, target, *_ in mounts if target == media_root]
        assert matching, f"{name} does not mount {media_root}"
        sources.update(matching)
    assert len(sources) == 1
    assert sources <= set(compose()["volumes"]), "media must be a named volume"


# --- Dockerfile and .dockerignore ---------------------------------------------------------------


def test_dockerfile_builds_a_production_image():
    instructions = dockerfile_instructions()
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]

    assert instructions[0][0] == "FROM"
    assert instructions[0][1].startswith("python:3.11-slim")
    assert any("pip install" in run and "-r requirements.lock" in run for run in runs)
    assert not any("requirements-dev.lock" in run for run in runs)
    assert any("manage.py collectstatic" in run and "--noinput" in run for run in runs)

    env_lines = " ".join(arguments for keyword, arguments in instructions if keyword == "ENV")
    assert "DJANGO_SETTINGS_MODULE=campaign_site.settings.production" in env_lines
    # The throwaway build values must not become the image's environment.
    assert "SECRET_KEY" not in env_lines

    assert ("EXPOSE", "8000") in instructions
    cmd = next(arguments for keyword, arguments in reversed(instructions) if keyword == "CMD")
    tokens = command_tokens(ast.literal_eval(cmd))
    assert tokens[0] == "gunicorn"
    assert tokens[1].startswith("campaign_site.wsgi")
    assert tokens[tokens.index("--bind") + 1] == "0.0.0.0:8000"

    # The last USER wins: it must not be root.
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in ("root", "0")


@pytest.mark.parametrize("pattern", [".venv", "var", ".git", "test-artifacts", "media", ".env"])
def test_dockerignore_keeps_local_state_and_secrets_out(pattern):
    lines = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    assert pattern in lines or f"{pattern}/" in lines or f"/{pattern}" in lines
