"""The Python half of the pledges benchmark (bench/run_pledges.sh runs it; see bench/README.md).

Each subcommand runs with the environment run_pledges.sh sets up (production settings, the bench
database and Redis database) and prints `KEY=value` lines for the shell or one `BENCH ...` line
for bench/report_pledges.py:

  targets                 the pledge form's submit URL and body, and the wall's URL
  check-submissions       after wrk: every 302 stored a pledge with its consents and outbox row
  seed                    10,000 pledges on the wall, and the pledges the reminder sweep will find
  sweep                   time pledges.reminders.send_due_reminders over the seeded pledges
  email                   the SMTP sink's own rate, then outbox + Celery worker to the same sink

Data is written with bulk_create and COPY: building it is not what is measured.
"""

import argparse
import base64
import datetime
import json
import os
import random
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from mailings.models import OutboundEmail  # noqa: E402
from pledges.models import (  # noqa: E402
    Area,
    Pledge,
    PledgePage,
    PledgeSuggestion,
    PledgeWallPage,
)

BENCH_DOMAIN = "bench.example"
# The Celery queue the app publishes to (nothing else reads it during a run).
QUEUE = "celery"


def emit(**values) -> None:
    print(" ".join(f"{key}={value}" for key, value in values.items()), flush=True)


def bench_line(**values) -> None:
    print("BENCH " + " ".join(f"{key}={value}" for key, value in values.items()), flush=True)


def redis_client():
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


# CPU accounting ---------------------------------------------------------------------------------
# As in run_web.sh: the CPU time of the processes that do the work, per item, from /proc; and the
# share of all CPUs that other work used meanwhile (the machine may be shared).

HZ = os.sysconf("SC_CLK_TCK")


def process_ticks(pid: int, *, reaped_children: bool = False) -> int:
    """utime + stime, and with `reaped_children` the CPU time of its children that exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


def machine_ticks() -> tuple[int, int]:
    """(busy, all) ticks of all CPUs so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(p) for p in out.split()]


def db_backend_pids() -> list[int]:
    """PostgreSQL backends serving the bench database, other than this process's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def postmaster_pid() -> int:
    """PostgreSQL's main process: the parent of this connection's backend."""
    status = Path(f"/proc/{own_backend_pid()[0]}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def db_sessions() -> int:
    """Connections ever opened to the bench database (PostgreSQL's own statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def own_backend_pid() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return [cursor.fetchone()[0]]


def redis_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


class CpuMeter:
    """CPU seconds per group of processes between start() and stop(). `groups` maps a name to
    a function returning the group's pids (asked again at stop(), so processes that started
    meanwhile count from zero)."""

    def __init__(self, groups: dict, *, reaped: tuple[int, ...] = ()):
        self.groups = groups
        self.reaped = reaped  # pids whose exited children count too (PostgreSQL's postmaster)

    def snapshot(self) -> dict:
        return {
            name: {pid: process_ticks(pid, reaped_children=pid in self.reaped) for pid in pids()}
            for name, pids in self.groups.items()
        }

    def start(self) -> None:
        self.before = self.snapshot()
        self.machine_before = machine_ticks()

    def stop(self) -> dict:
        machine_after = machine_ticks()
        after = self.snapshot()
        seconds = {}
        for name in self.groups:
            pids = set(after[name]) | set(self.before[name])
            ticks = sum(after[name].get(p, 0) - self.before[name].get(p, 0) for p in pids)
            seconds[name] = max(ticks, 0) / HZ
        busy = (machine_after[0] - self.machine_before[0]) / HZ
        total = max(machine_after[1] - self.machine_before[1], 1) / HZ
        other = max(busy - sum(seconds.values()), 0) / total
        return {**seconds, "other_pct": round(100 * other)}


# targets ----------------------------------------------------------------------------------------


def cmd_targets(args) -> None:
    page = PledgePage.objects.live().public().get(kind=Pledge.Kind.INDIVIDUAL)
    wall = PledgeWallPage.objects.live().public().get()
    suggestion = PledgeSuggestion.objects.filter(active=True).first()
    area = Area.objects.filter(active=True).first()
    # What a person without JavaScript sends: a suggestion, first name, area, reminders on (the
    # wrk script adds a unique email address to each request). No proof of work.
    form = f"suggestion={suggestion.pk}&first_name=Sam&area={area.pk}&reminders_wanted=on"
    emit(SUBMIT_PATH=page.submit_url, FORM=f"'{form}'", WALL_PATH=wall.url)


# check-submissions ------------------------------------------------------------------------------


def cmd_check_submissions(args) -> None:
    """Every redirect wrk saw must be a stored pledge with its consents and outbox row. Requests
    still in flight when wrk stopped may have been stored without wrk reading the redirect."""
    pledges = Pledge.objects.filter(email__endswith=f"@{BENCH_DOMAIN}", email__startswith="p-")
    stored = pledges.count()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE o.id IS NULL),
                   count(*) FILTER (WHERE c.n IS DISTINCT FROM 2)
            FROM pledges_pledge p
            LEFT JOIN mailings_outboundemail o ON o.key = 'pledge:' || p.id || ':confirm'
            LEFT JOIN (SELECT pledge_id, count(*) AS n FROM pledges_consentrecord
                       GROUP BY pledge_id) c ON c.pledge_id = p.id
            WHERE p.email LIKE 'p-%%@bench.example'
            """
        )
        no_outbox, wrong_consents = cursor.fetchone()
    tasks, published = published_emails(redis_client())
    problems = []
    if stored < args.redirects:
        problems.append(f"LOST PLEDGES: {args.redirects} redirects but {stored} pledges stored")
    if stored > args.redirects + args.in_flight:
        problems.append(
            f"{stored} pledges stored, more than {args.redirects} redirects + "
            f"{args.in_flight} in flight"
        )
    if no_outbox:
        problems.append(f"{no_outbox} pledges have no confirmation email in the outbox")
    if wrong_consents:
        problems.append(f"{wrong_consents} pledges lack their 2 consent records")
    if published < stored:
        problems.append(f"only {published} emails handed to the worker for {stored} pledges")
    emit(
        STORED=stored,
        NO_OUTBOX=no_outbox,
        WRONG_CONSENTS=wrong_consents,
        PUBLISHED=published,
        TASKS=tasks,
        PROBLEMS=f"'{'; '.join(problems)}'",
    )


def published_emails(broker) -> tuple[int, int]:
    """(tasks, emails) waiting in the queue: the relay hands a burst over as one send_emails
    task, a lone email as one send_email task."""
    tasks = emails = 0
    for raw in broker.lrange(QUEUE, 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        tasks += 1
        emails += len(args[0]) if message["headers"]["task"].endswith(".send_emails") else 1
    return tasks, emails


# seed -------------------------------------------------------------------------------------------


def copy_pledges(rows) -> None:
    """COPY pledges in; `rows` yields tuples in COPY_COLUMNS order."""
    columns = ", ".join(COPY_COLUMNS)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY pledges_pledge ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    raw.commit()


COPY_COLUMNS = (
    "kind",
    "text",
    "first_name",
    "email",
    "organisation_name",
    "organisation_type",
    "age_band",
    "heard_from",
    "show_on_wall",
    "reminders_wanted",
    "channel",
    "moderation",
    "moderation_reason",
    "outcome",
    "next_reminder_at",
    "reminders_sent",
    "created_at",
    "confirmed_at",
    "secret",
    "area_id",
    "suggestion_id",
)
NAMES = ["Sam", "Priya", "Tom", "Aisha", "Gareth", "Mei", "Olu", "Kasia", "Dev", "Rhiannon"]


def cmd_seed(args) -> None:
    from pledges.counters import refresh_counters
    from pledges.models import new_secret
    from pledges.reminders import active_steps, due_time

    rng = random.Random(42)
    now = timezone.now()
    areas = list(Area.objects.filter(active=True).values_list("pk", flat=True))
    suggestions = list(PledgeSuggestion.objects.filter(active=True))
    started = time.monotonic()

    # The wall: confirmed, approved, shown pledges over the last 60 days, residents and a few
    # organisations, from suggestions and in their own words.
    def wall_rows():
        for i in range(args.wall):
            confirmed = now - datetime.timedelta(seconds=rng.uniform(60, 60 * 86400))
            suggestion = rng.choice(suggestions) if i % 3 else None
            organisation = i % 10 == 0
            yield (
                Pledge.Kind.ORGANISATION if organisation else Pledge.Kind.INDIVIDUAL,
                suggestion.text if suggestion else f"Walk with a neighbour on Sundays ({i})",
                rng.choice(NAMES),
                f"wall-{i}@{BENCH_DOMAIN}",
                f"Riverside Group {i}" if organisation else "",
                Pledge.OrganisationType.COMMUNITY_GROUP if organisation else "",
                "",
                "",
                True,
                False,
                Pledge.Channel.ONLINE,
                Pledge.Moderation.APPROVED,
                "",
                "",
                None,
                0,
                confirmed - datetime.timedelta(minutes=5),
                confirmed,
                new_secret(),
                rng.choice(areas),
                suggestion.pk if suggestion else None,
            )

    # The sweep's work: pledges that asked for reminders, not on the wall (the default), with a
    # reminder due now. Three in four are a week old and due the "how is it going?" step, one
    # in four a month old and due "did you do it?" (the 7-day one already sent).
    steps = active_steps()
    first, second = steps[0], steps[1]

    def reminder_rows():
        for i in range(args.reminders):
            month_old = i % 4 == 3
            days = rng.uniform(30.5, 36) if month_old else rng.uniform(7.5, 13)
            confirmed = now - datetime.timedelta(days=days)
            suggestion = rng.choice(suggestions)
            pledge = Pledge(confirmed_at=confirmed)
            yield (
                Pledge.Kind.INDIVIDUAL,
                suggestion.text,
                rng.choice(NAMES),
                f"r-{i}@{BENCH_DOMAIN}",
                "",
                "",
                "",
                "",
                False,
                True,
                Pledge.Channel.ONLINE,
                Pledge.Moderation.APPROVED,
                "",
                "",
                due_time(pledge, second if month_old else first),
                1 if month_old else 0,
                confirmed - datetime.timedelta(minutes=5),
                confirmed,
                new_secret(),
                rng.choice(areas),
                suggestion.pk,
            )

    copy_pledges(wall_rows())
    copy_pledges(reminder_rows())
    # Consent records for the reminder pledges, as make_pledge writes them (the sweep does not
    # read them; they make the table sizes realistic).
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO pledges_consentrecord
                (pledge_id, purpose, wording_version, source, given_at, confirmed_at)
            SELECT p.id, purpose, '1', 'online', p.created_at, p.confirmed_at
            FROM pledges_pledge p, unnest(ARRAY['privacy', 'reminders']) AS purpose
            WHERE p.email LIKE 'r-%%@bench.example'
            """
        )
        cursor.execute("ANALYZE pledges_pledge")
        cursor.execute("ANALYZE pledges_consentrecord")
    refresh_counters()
    due = Pledge.objects.filter(next_reminder_at__lte=now).count()
    on_wall = Pledge.objects.on_wall().count()
    emit(
        SEEDED_WALL=on_wall,
        SEEDED_DUE=due,
        SEED_SECONDS=f"{time.monotonic() - started:.1f}",
        WALL_DEEP_QUERY=f"'{deep_wall_query(args.wall // 2)}'",
    )


def deep_wall_query(position: int) -> str:
    """The query string of a wall page far down the wall (keyset: ?before=<cursor>)."""
    from pledges.wall import Cursor, wall_pledges

    pledge = wall_pledges().order_by("-confirmed_at", "-id")[position]
    return f"?before={Cursor.of(pledge).encode()}"


# sweep ------------------------------------------------------------------------------------------


def cmd_sweep(args) -> None:
    from pledges.reminders import send_due_reminders

    broker = redis_client()
    now = timezone.now()
    due = Pledge.objects.filter(next_reminder_at__lte=now).count()
    tasks_before = broker.llen(QUEUE)
    outbox_before = OutboundEmail.objects.filter(template="pledge_reminder").count()
    meter = CpuMeter({"app": lambda: [os.getpid()], "db": own_backend_pid, "redis": redis_pids})
    meter.start()
    started = time.perf_counter()
    queued = send_due_reminders(now=now)
    seconds = time.perf_counter() - started
    cpu = meter.stop()
    tasks = broker.llen(QUEUE) - tasks_before
    rows = OutboundEmail.objects.filter(template="pledge_reminder").count() - outbox_before
    still_due = Pledge.objects.filter(next_reminder_at__lte=now).count()
    steps = dict(
        OutboundEmail.objects.filter(template="pledge_reminder")
        .values_list("context__step")
        .annotate(n=Count("pk"))
    )
    problems = []
    if queued != due or rows != due:
        problems.append(f"{due} due, {queued} queued, {rows} outbox rows")
    if still_due:
        problems.append(f"{still_due} pledges still due after the sweep")
    expected_tasks = -(-rows // 500) * (500 // 50)  # 10 tasks per full batch of 500
    bench_line(
        due=due,
        queued=queued,
        outbox_rows=rows,
        tasks_published=tasks,
        expected_tasks_about=expected_tasks,
        steps=",".join(f"{k}:{v}" for k, v in sorted(steps.items())),
        seconds=f"{seconds:.2f}",
        per_second=f"{queued / seconds:.1f}",
        app_us=int(cpu["app"] * 1e6 / max(queued, 1)),
        db_us=int(cpu["db"] * 1e6 / max(queued, 1)),
        redis_us=int(cpu["redis"] * 1e6 / max(queued, 1)),
        other_cpu_pct=cpu["other_pct"],
        problems="'" + "; ".join(problems) + "'",
    )


# email ------------------------------------------------------------------------------------------


def sample_message() -> tuple[str, str, str, dict]:
    """A real confirmation email for one of the submitted pledges (subject, text, HTML and
    headers), rendered once and copied into every benchmark row."""
    from mailings.services import render_email
    from pledges.services import absolute_url, pledge_links, unsubscribe_headers
    from pledges.tokens import make_token

    pledge = Pledge.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").first()
    links = pledge_links(pledge)
    from django.urls import reverse

    context = {
        "first_name": pledge.display_name,
        "pledge": pledge.text,
        "action_url": absolute_url(
            reverse("pledges:confirm", args=[make_token(pledge, "confirm")])
        ),
        **links,
    }
    subject, text, html = render_email("pledge_confirm", context)
    return subject, text, html, unsubscribe_headers(links)


def make_rows(prefix: str, count: int, message) -> list[int]:
    subject, text, html, headers = message
    # Due an hour ago: older than the sweep's grace period, and first in its order.
    due = timezone.now() - datetime.timedelta(hours=1)
    rows = [
        OutboundEmail(
            key=f"{prefix}:{i}",
            to=f"{prefix}-{i}@{BENCH_DOMAIN}",
            template="pledge_confirm",
            subject=subject,
            body_text=text,
            body_html=html,
            headers=headers,
            next_attempt_at=due,
        )
        for i in range(count)
    ]
    OutboundEmail.objects.bulk_create(rows, batch_size=1000)
    return list(
        OutboundEmail.objects.filter(key__startswith=f"{prefix}:").values_list("pk", flat=True)
    )


def sink_count(path: Path) -> int:
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


def wait_for_sink(path: Path, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sink_count(path) < target:
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: the sink counted {sink_count(path)} of {target} messages")
        time.sleep(0.02)


def smtp_rate(port: int, message: bytes, count: int, *, reuse: bool, counter: Path) -> float:
    """Messages per second a plain smtplib client gets through to the sink."""
    before = sink_count(counter)
    started = time.perf_counter()
    if reuse:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for i in range(count):
                client.sendmail("hello@example.org", [f"sink-{i}@{BENCH_DOMAIN}"], message)
    else:
        for i in range(count):
            with smtplib.SMTP("127.0.0.1", port) as client:
                client.sendmail("hello@example.org", [f"sink-{i}@{BENCH_DOMAIN}"], message)
    seconds = time.perf_counter() - started
    wait_for_sink(counter, before + count, 10)
    return count / seconds


def start_worker(args, log: Path) -> subprocess.Popen:
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{args.smtp_port}"}
    command = [
        sys.executable, "-m", "celery", "-A", "campaign_site", "worker",
        "--pool=prefork", f"--concurrency={args.concurrency}", "--loglevel=WARNING",
        f"--hostname=bench-pledges-{os.getpid()}@%h", "--without-mingle",
    ]  # fmt: skip
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    Path(args.worker_pid_file).write_text(str(process.pid))
    from campaign_site.celery import app

    deadline = time.monotonic() + 60
    name = f"bench-pledges-{os.getpid()}@"
    while True:
        if process.poll() is not None:
            raise SystemExit(f"bench: the Celery worker exited ({log})")
        replies = app.control.ping(timeout=0.5)
        if any(name in host for reply in replies for host in reply):
            return process
        if time.monotonic() > deadline:
            raise SystemExit("bench: the Celery worker did not answer within 60 s")


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def deliver_and_time(args, prefix, ids, publish, worker, counter) -> dict:
    """Publish the rows' tasks, then wait until every row is sent; returns the figures."""
    sent_before = sink_count(counter)
    rows = OutboundEmail.objects.filter(key__startswith=f"{prefix}:")
    # The worker's connections may last one task each: PostgreSQL's CPU is the live backends
    # plus those that exited meanwhile (the postmaster's reaped children, from any database).
    postmaster = postmaster_pid()
    meter = CpuMeter(
        {
            "app": lambda: [worker.pid, *children(worker.pid)],
            "db": lambda: [postmaster, *db_backend_pids()],
            "redis": redis_pids,
            "sink": lambda: [args.sink_pid],
            "driver": lambda: [os.getpid(), *own_backend_pid()],
        },
        reaped=(postmaster,),
    )
    sessions = db_sessions()
    meter.start()
    started = time.perf_counter()
    publish(ids)
    published = time.perf_counter() - started
    deadline = started + args.timeout
    while True:
        pending = rows.exclude(status=OutboundEmail.Status.SENT).count()
        if not pending:
            break
        if time.perf_counter() > deadline:
            raise SystemExit(f"bench: {pending} of {len(ids)} emails unsent after {args.timeout} s")
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    cpu = meter.stop()
    wait_for_sink(counter, sent_before + len(ids), 10)
    time.sleep(0.6)  # backends report their statistics at most once a second (500 ms here)
    opened = db_sessions() - sessions  # this process polls over the one connection it had
    n = len(ids)
    return {
        "emails": n,
        "seconds": f"{seconds:.2f}",
        "per_second": f"{n / seconds:.1f}",
        "publish_seconds": f"{published:.2f}",
        "app_us": int(cpu["app"] * 1e6 / n),
        "db_us": int(cpu["db"] * 1e6 / n),
        "redis_us": int(cpu["redis"] * 1e6 / n),
        "sink_us": int(cpu["sink"] * 1e6 / n),
        "other_cpu_pct": cpu["other_pct"],
        "db_connections": opened,
        "extra_messages": sink_count(counter) - sent_before - n,
    }


def cmd_email(args) -> None:
    from mailings.services import (
        build_message,
        due_email_ids,
        enqueue_delivery,
        enqueue_delivery_batches,
    )

    counter = Path(args.sink_counter)
    message = sample_message()
    probe = OutboundEmail(
        key="bench:probe", to=f"probe@{BENCH_DOMAIN}", subject=message[0],
        body_text=message[1], body_html=message[2], headers=message[3],
    )  # fmt: skip
    raw = build_message(probe).message().as_bytes(linesep="\r\n")  # as Django sends it

    # The sink's own rate with a plain client: warm up, then measure.
    smtp_rate(args.smtp_port, raw, 200, reuse=True, counter=counter)
    one = smtp_rate(args.smtp_port, raw, args.count, reuse=True, counter=counter)
    per = smtp_rate(args.smtp_port, raw, args.count // 5, reuse=False, counter=counter)
    bench_line(kind="sink", mode="one", per_second=f"{one:.1f}", emails=args.count, bytes=len(raw))
    bench_line(kind="sink", mode="per", per_second=f"{per:.1f}", emails=args.count // 5)

    # Only our rows reach the worker: the pledge and sweep runs published tasks nobody ran.
    redis_client().delete(QUEUE)
    batch_ids = make_rows("bench-batch", args.count, message)
    single_ids = make_rows("bench-single", args.count, message)
    worker = start_worker(args, Path(args.worker_log))
    try:
        # Warm the worker's processes (imports, connections) with a few emails first.
        before_warm_up = sink_count(counter)
        warm_ids = make_rows("bench-warm", 20, message)
        enqueue_delivery_batches(warm_ids[:10])
        for pk in warm_ids[10:]:
            enqueue_delivery(pk)
        deadline = time.monotonic() + 30
        while OutboundEmail.objects.filter(
            key__startswith="bench-warm:", status="pending"
        ).exists():
            if time.monotonic() > deadline:
                raise SystemExit("bench: the worker did not send the warm-up emails")
            time.sleep(0.05)
        # The sink writes its count every 20 ms: let it catch up before counting from it.
        wait_for_sink(counter, before_warm_up + len(warm_ids), 10)

        # The sweep's way (mailings.services.sweep_outbox is enqueue_delivery_batches over
        # due_email_ids): one send_emails task per 50 emails, one SMTP session per task. One
        # call hands over at most 500, so the same two steps are called with the whole count.
        def sweep(ids):
            due = due_email_ids(limit=len(ids))
            assert set(due) == set(ids), "the sweep picked other rows than the benchmark's"
            enqueue_delivery_batches(due)

        batch = deliver_and_time(args, "bench-batch", batch_ids, sweep, worker, counter)
        bench_line(kind="worker", mode="batch", **batch)

        # At commit, queue_email publishes one send_email task per email (a new SMTP session each).
        def one_by_one(ids):
            for pk in ids:
                enqueue_delivery(pk)

        single = deliver_and_time(args, "bench-single", single_ids, one_by_one, worker, counter)
        bench_line(kind="worker", mode="single", **single)
    finally:
        stop_worker(worker)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("targets")
    check = sub.add_parser("check-submissions")
    check.add_argument("--redirects", type=int, required=True)
    check.add_argument("--in-flight", type=int, required=True)
    seed = sub.add_parser("seed")
    seed.add_argument("--wall", type=int, default=10_000)
    seed.add_argument("--reminders", type=int, default=100_000)
    sub.add_parser("sweep")
    email = sub.add_parser("email")
    email.add_argument("--count", type=int, default=5000)
    email.add_argument("--concurrency", type=int, default=2)
    email.add_argument("--smtp-port", type=int, required=True)
    email.add_argument("--sink-pid", type=int, required=True)
    email.add_argument("--sink-counter", required=True)
    email.add_argument("--worker-pid-file", required=True)
    email.add_argument("--worker-log", required=True)
    email.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    {
        "targets": cmd_targets,
        "check-submissions": cmd_check_submissions,
        "seed": cmd_seed,
        "sweep": cmd_sweep,
        "email": cmd_email,
    }[args.command](args)


if __name__ == "__main__":
    main()
