"""The Python half of the pledges benchmark (bench/run_pledges.sh runs it; see bench/README.md).

Each subcommand runs with the environment run_pledges.sh sets up (production settings, the bench
database and Redis database) and prints `KEY=value` lines for the shell or one `BENCH ...` line
for bench/report_pledges.py:

  targets                 the pledge form's submit URL and body, and the wall's URL
  check-submissions       after wrk: every 302 stored a pledge with its consents and outbox row
  seed                    10,000 pledges on the wall, and the pledges the reminder sweep will find
  seed-wall               grow the wall to --total pledges (bench/run_wall.sh: 10,000, 1,000,000)
  wall-targets            the wall pages bench/run_wall.sh measures: far down, and filtered
  sweep                   time pledges.services.reminders.send_due_reminders over the seeded pledges

Data is written with COPY and INSERT ... SELECT: building it is not what is measured.
"""

import argparse
import base64
import datetime
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.models import Area  # noqa: E402
from mailings.models import OutboundEmail  # noqa: E402
from pledges.models import (  # noqa: E402
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


def process_ticks(pid: int) -> int:
    """utime + stime of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])


def machine_ticks() -> tuple[int, int]:
    """(busy, all) ticks of all CPUs so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


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

    def __init__(self, groups: dict):
        self.groups = groups

    def snapshot(self) -> dict:
        return {
            name: {pid: process_ticks(pid) for pid in pids()} for name, pids in self.groups.items()
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
    from pledges.models import new_secret
    from pledges.selectors.counters import refresh_counters
    from pledges.services.reminders import active_steps, due_time

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
    )


def deep_wall_query(position: int) -> str:
    """The query string of a wall page far down the wall (keyset: ?before=<cursor>)."""
    from pledges.selectors.wall import Cursor, wall_pledges

    pledge = wall_pledges().order_by("-confirmed_at", "-id")[position]
    return f"?before={Cursor.of(pledge).encode()}"


# seed-wall --------------------------------------------------------------------------------------

# Built inside PostgreSQL (INSERT ... SELECT from generate_series), stored in the order pledges
# arrive (confirmed over the last year), as make_pledge and moderation leave them: one in ten
# from an organisation, the areas in turn (independently of the kind), and for every nine
# pledges on the wall one that is not (kept private, waiting for review, rejected or never
# confirmed), so the wall's queries have rows to skip. Emails are unique, as real ones are.
SEED_WALL_SQL = """
WITH areas AS (SELECT array_agg(id ORDER BY id) AS ids FROM core_area WHERE active)
INSERT INTO pledges_pledge (kind, text, first_name, email, organisation_name, organisation_type,
    age_band, heard_from, show_on_wall, reminders_wanted, channel, moderation, moderation_reason,
    outcome, reminders_sent, created_at, confirmed_at, secret, area_id, suggestion_id)
SELECT CASE WHEN i %% 10 = 0 THEN 'organisation' ELSE 'individual' END,
       'Walk with a neighbour on Sundays (' || i || ')',
       (ARRAY['Sam', 'Priya', 'Tom', 'Aisha', 'Gareth', 'Mei', 'Olu', 'Kasia', 'Dev',
              'Rhiannon'])[1 + i %% 10],
       'wall-seed-' || i || '@bench.example',
       CASE WHEN i %% 10 = 0 THEN 'Riverside Group ' || i ELSE '' END,
       CASE WHEN i %% 10 = 0 THEN 'community_group' ELSE '' END,
       '', '',
       off_wall <> 1,
       false, 'online',
       CASE off_wall WHEN 2 THEN 'pending' WHEN 3 THEN 'rejected' ELSE 'approved' END,
       '', '', 0,
       confirmed - interval '5 minutes',
       CASE WHEN off_wall = 4 THEN NULL ELSE confirmed END,
       substr(md5(i::text), 1, 16),
       areas.ids[1 + (i / 7) %% cardinality(areas.ids)],
       NULL
FROM (
    SELECT i,
           -- one row in ten is off the wall, in four ways (1 private, 2 pending, 3 rejected,
           -- 4 unconfirmed)
           CASE WHEN i %% 10 = 5 THEN 1 + (i / 10) %% 4 ELSE 0 END AS off_wall,
           now() - interval '1 minute' - (random() * interval '365 days') AS confirmed
    FROM generate_series(%(first)s, %(last)s) AS i
) AS rows, areas
ORDER BY confirmed  -- stored in the order pledges arrive, as in a real table
"""


def cmd_seed_wall(args) -> None:
    """Grow the wall to `--total` pledges (and their off-wall neighbours), then ANALYZE."""
    started = time.monotonic()
    on_wall = Pledge.objects.on_wall().count()
    # Nine in ten rows go on the wall: write ten for every nine still missing.
    rows = -(-max(args.total - on_wall, 0) * 10 // 9)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            "SELECT coalesce(max(substring(email from 'wall-seed-([0-9]+)@')::bigint), 0) "
            "FROM pledges_pledge WHERE email LIKE 'wall-seed-%%'"
        )
        last = cursor.fetchone()[0]
        # For many rows, building each index once afterwards is several times quicker than
        # keeping every index up to date row by row (the indexes backing constraints stay).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'pledges_pledge' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall() if rows > 100_000 else []
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        if rows:
            cursor.execute(SEED_WALL_SQL, {"first": last + 1, "last": last + rows})
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the areas now, not at commit
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pledges_pledge")
    on_wall = Pledge.objects.on_wall().count()
    emit(SEEDED_WALL=on_wall, SEED_SECONDS=f"{time.monotonic() - started:.1f}")


def cmd_wall_targets(args) -> None:
    """The query strings of the wall pages measured: a page far down the wall (keyset), and
    one area's organisations (the filters)."""
    from pledges.selectors.wall import wall_pledges

    on_wall = wall_pledges().count()
    area = (
        wall_pledges()
        .filter(kind=Pledge.Kind.ORGANISATION)
        .values_list("area_id", flat=True)
        .first()
    )
    emit(
        WALL_DEEP_QUERY=f"'{deep_wall_query(on_wall // 2)}'",
        WALL_DEEP_PAGE=on_wall // 2 // 24 + 1,
        WALL_FILTER_QUERY=f"'?area={area}&kind={Pledge.Kind.ORGANISATION}'",
    )


# sweep ------------------------------------------------------------------------------------------


def cmd_sweep(args) -> None:
    from pledges.services.reminders import send_due_reminders

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
    seed_wall = sub.add_parser("seed-wall")
    seed_wall.add_argument("--total", type=int, required=True)
    sub.add_parser("wall-targets")
    sub.add_parser("sweep")
    args = parser.parse_args()
    {
        "targets": cmd_targets,
        "check-submissions": cmd_check_submissions,
        "seed": cmd_seed,
        "seed-wall": cmd_seed_wall,
        "wall-targets": cmd_wall_targets,
        "sweep": cmd_sweep,
    }[args.command](args)


if __name__ == "__main__":
    main()
