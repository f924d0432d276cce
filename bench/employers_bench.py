"""The Python half of the employers benchmark (bench/run_employers.sh runs it; see bench/README.md).

Each subcommand runs with the environment run_employers.sh sets up (production settings, the
bench database and Redis database) and prints `KEY=value` lines for the shell or one
`BENCH ...` line for bench/report_employers.py:

  seed-listing     --count approved employers in the listing (none with an event due)
  targets          the pages measured: the listing's page one, a filtered listing, a page half-way
                   down (keyset: ?after=<pk>) and one employer's public page
  queries          the SQL queries one request to each page makes (Django's test client, the
                   page cache off, after one request to warm what each process keeps)
  seed-due         --count approved employers whose next event (check-in, renewal reminder,
                   lapse) is due, each with one owner; writes the keys the sweep should queue
  sweep            time employers.services.schedule.send_due_events over them, and check it

Data is written with bulk inserts: building it is not what is measured. Each seeded employer is
as an approval leaves it: an organisation with an owner and districts, an employer with three
commitments and their actions (PlanItems), signed, and `published` holding the plan as
employers.selectors.plans.snapshot_of makes it (what employers.services.review.approve stores).
"""

import argparse
import base64
import datetime
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# First: it sets Django up (with the environment's settings) before any model is imported. Its
# CPU accounting and output helpers are shared.
import pledges_bench as common
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django.utils.text import slugify

from core.content import pages_changed
from core.models import Area
from employers.demo import ACTIONS
from employers.emails import CHECK_IN_EMAIL, LAPSED_EMAIL, RENEWAL_EMAIL
from employers.models import (
    Commitment,
    Employer,
    PlanItem,
    PlanState,
    Sector,
    SizeBand,
    months_later,
)
from employers.selectors.listing import PAGE_SIZE, listed
from employers.selectors.plans import snapshot_of
from employers.services import schedule
from mailings.models import OutboundEmail
from organisations.models import Membership, Organisation, Role

emit = common.emit
bench_line = common.bench_line
QUEUE = common.QUEUE
SWEEP_TEMPLATES = (CHECK_IN_EMAIL, RENEWAL_EMAIL, LAPSED_EMAIL)
PLACES = ["Riverside", "Northbank", "Millbrook", "Harbourside", "Eastfield", "Old Town", "Westgate"]
TRADES = [
    "Bakery",
    "Dental Practice",
    "Builders",
    "Hotel",
    "Logistics",
    "Pharmacy",
    "Garage",
    "Solicitors",
    "Nursery",
    "Cafe",
    "Print Works",
    "Surgery",
    "Housing Association",
]
BANDS = [SizeBand.MICRO, SizeBand.SMALL, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.LARGE]
ITEMS = 3  # commitments per seeded employer, the default minimum


# seeding ----------------------------------------------------------------------------------------


def seed_employers(
    count: int, *, tag: str, start: int, approved_at, now: datetime.datetime, rng
) -> list[Employer]:
    """`count` approved employers numbered from `start`, each approved at `approved_at(i)`,
    with their next event scheduled as the sweeps up to `now` would have left it (see
    `scheduled`). Returns the employers with their organisations (pks set)."""
    steps = schedule.active_steps()
    sectors = list(Sector.objects.all())
    areas = list(Area.objects.filter(active=True).values_list("pk", flat=True))
    commitments = list(Commitment.objects.filter(active=True).order_by("pk"))
    User = get_user_model()
    numbers = range(start, start + count)
    names = {n: f"{PLACES[n % len(PLACES)]} {TRADES[n // 7 % len(TRADES)]} {n}" for n in numbers}

    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"owner-{tag}-{n}@{common.BENCH_DOMAIN}",
                    password=make_password(None),  # unusable, as demo_user leaves it
                    first_name="Bench",
                    last_name="Owner",
                )
                for n in numbers
            ],
            batch_size=2000,
        )
        organisations = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=names[n],
                    website=f"https://www.{slugify(names[n])}.example",
                    contact_email=f"hello@{slugify(names[n])}.example",
                )
                for n in numbers
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [
                Membership(organisation=organisation, user=user, role=Role.OWNER)
                for organisation, user in zip(organisations, users, strict=True)
            ],
            batch_size=2000,
        )
        # One district each, a second for one in four.
        through = Organisation.areas.through
        links = []
        for k, organisation in enumerate(organisations):
            chosen = {areas[k % len(areas)]}
            if k % 4 == 0:
                chosen.add(areas[(k // 4 + 3) % len(areas)])
            links += [through(organisation_id=organisation.pk, area_id=a) for a in chosen]
        through.objects.bulk_create(links, batch_size=5000)

        employers = []
        for k, (n, organisation) in enumerate(zip(numbers, organisations, strict=True)):
            approved = approved_at(k)
            employer = Employer(
                organisation=organisation,
                slug=slugify(names[n]),
                sector=sectors[rng.randrange(len(sectors))],
                size_band=BANDS[k % len(BANDS)],
                # Some give their headcount (within their band, as the form asks).
                employees=rng.randint(10, 49) if k % 15 == 1 else None,
                state=PlanState.APPROVED,
                state_changed_at=approved,
                signed_by_name="Sam Patel",
                signed_by_role="Managing director",
                signed_on=timezone.localdate(approved) - datetime.timedelta(days=7),
                pledged_since=approved,
                approved_at=approved,
                valid_until=months_later(approved, 12),
                published_at=approved,
                created_at=approved - datetime.timedelta(days=10),
            )
            scheduled(employer, steps, now)
            employers.append(employer)
        Employer.objects.bulk_create(employers, batch_size=2000)

        items = []
        for k, employer in enumerate(employers):
            for j in range(ITEMS):
                action, who = ACTIONS[(k + j) % len(ACTIONS)]
                items.append(
                    PlanItem(
                        employer=employer,
                        commitment=commitments[(k + 3 * j) % len(commitments)],
                        action=action,
                        responsible=who,
                        due_by=timezone.localdate(employer.approved_at)
                        + datetime.timedelta(days=180),
                        sort_order=j,
                        created_at=employer.created_at,
                    )
                )
        PlanItem.objects.bulk_create(items, batch_size=5000)

        # What approval publishes: the plan as snapshot_of makes it (checked below).
        by_employer: dict[int, list[PlanItem]] = {}
        for item in items:
            by_employer.setdefault(item.employer_id, []).append(item)
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE employers_employer SET published = %s::jsonb WHERE id = %s",
                [
                    (json.dumps(published(employer, by_employer[employer.pk])), employer.pk)
                    for employer in employers
                ],
            )
    first = Employer.objects.select_related("organisation", "sector").get(pk=employers[0].pk)
    if first.published != snapshot_of(first):
        sys.exit(
            "bench: FAIL: the seeded `published` differs from what snapshot_of makes: "
            "update bench/employers_bench.py's published()"
        )
    with connection.cursor() as cursor:  # outside the transaction: VACUUM needs autocommit
        for table in (
            "accounts_user",
            "organisations_organisation",
            "organisations_organisation_areas",
            "organisations_membership",
            "employers_employer",
            "employers_planitem",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    pages_changed()  # as approvals do: the listing and public pages show them
    return employers


def published(employer: Employer, items: list[PlanItem]) -> dict:
    """employers.selectors.plans.snapshot_of, without its queries."""
    return {
        "organisation": employer.organisation.name,
        "sector": employer.sector.name if employer.sector else "",
        "size_band": employer.get_size_band_display(),
        "signed_by": {
            "name": employer.signed_by_name,
            "role": employer.signed_by_role,
            "on": employer.signed_on.isoformat() if employer.signed_on else None,
        },
        "items": [
            {
                "id": item.pk,
                "title": item.commitment.title,
                "theme": item.commitment.get_theme_display(),
                "explanation": item.commitment.explanation,
                "own": False,
                "action": item.action,
                "responsible": item.responsible,
                "due_by": item.due_by.isoformat() if item.due_by else None,
            }
            for item in sorted(items, key=lambda item: (item.sort_order, item.pk))
        ],
    }


def scheduled(employer: Employer, steps, now: datetime.datetime) -> schedule.Event | None:
    """Set `events_done_through` and `next_event_at` as the sweeps so far leave them: every
    event before the latest one due was handled when it fell due (by a sweep at that moment),
    and the next is the latest one due (or the first to come, if none is due). Returns the
    event due, if any."""
    events = schedule.cycle_events(employer, steps)
    due = [event for event in events if event.at <= now]
    employer.events_done_through = due[-2].at if len(due) > 1 else employer.approved_at
    if due:
        employer.next_event_at = due[-1].at
        return due[-1]
    upcoming = [event.at for event in events if event.at > now]
    employer.next_event_at = upcoming[0] if upcoming else now
    return None


def cmd_seed_listing(args) -> None:
    """Employers approved over the last 80 days: listed, and their first check-in still to
    come (so the sweep later finds only the employers seed-due makes)."""
    rng = random.Random(7)
    started = time.monotonic()
    now = timezone.now()
    seed_employers(
        args.count,
        tag="listed",
        start=1,
        approved_at=lambda k: now - datetime.timedelta(days=rng.uniform(1, 80)),
        now=now,
        rng=rng,
    )
    emit(SEEDED_LISTED=listed().count(), SEED_SECONDS=f"{time.monotonic() - started:.1f}")


# targets ----------------------------------------------------------------------------------------


def cmd_targets(args) -> None:
    """The listing's page one, the commonest sector in the commonest district (both filters),
    a page half-way down (keyset) and the public page of an employer in the middle."""
    ordered = list(
        listed().order_by("-is_lead", "organisation__name", "pk").values_list("pk", "slug")
    )
    position = len(ordered) // 2 // PAGE_SIZE * PAGE_SIZE
    if position == 0:
        sys.exit("bench: FAIL: too few listed employers for a page half-way down")
    sector, area, _ = (
        listed()
        .filter(organisation__areas__isnull=False)
        .values_list("sector_id", "organisation__areas")
        .annotate(n=Count("pk"))
        .order_by("-n", "sector_id", "organisation__areas")
        .first()
    )
    filtered = listed().filter(sector_id=sector, organisation__areas=area).count()
    slug = ordered[len(ordered) // 2 + 1][1]
    emit(
        LISTING_PATH="/employers/",
        LISTED=len(ordered),
        FILTER_QUERY=f"'?sector={sector}&area={area}'",
        FILTER_SHOWN=min(filtered, PAGE_SIZE),
        FILTER_MATCHES=filtered,
        KEYSET_QUERY=f"'?after={ordered[position - 1][0]}'",
        KEYSET_PAGE=position // PAGE_SIZE + 1,
        PAGES=-(-len(ordered) // PAGE_SIZE),
        EMPLOYER_PATH=f"/employers/{slug}/",
        EMPLOYER_NAME=f"'{Employer.objects.get(slug=slug).organisation.name}'",
    )


# queries ----------------------------------------------------------------------------------------


def cmd_queries(args) -> None:
    """`name=path` arguments: prints Q_<name>=<queries> for one request to each, as gunicorn
    serves it with the page cache off, after one request to warm what each process keeps."""
    client = Client()
    values = {}
    with override_settings(PAGE_CACHE_SECONDS=0):
        for target in args.targets:
            name, path = target.split("=", 1)
            client.get(path, HTTP_HOST=args.host)  # warms the routing, chrome and settings
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, HTTP_HOST=args.host)
            if response.status_code != 200:
                sys.exit(f"bench: FAIL: {path} answered {response.status_code} to the test client")
            values[f"Q_{name}"] = len(queries.captured_queries)
            if args.verbose:
                for query in queries.captured_queries:
                    print(f"# {name}: {query['sql'][:200]}", file=sys.stderr)
    emit(**values)


# seed-due ---------------------------------------------------------------------------------------

# Approved this long ago (in months, plus a spread of days), so that the latest event due is
# the one named: the 3- and 6-month check-ins, the renewal reminders 2 months and 2 weeks before
# the end, and the lapse. One share each of every 20 employers.
DUE_GROUPS = [
    ("checkin:3m", 8, -3, (-25, -1.5)),
    ("checkin:6m", 5, -6, (-25, -1.5)),
    ("renewal:2m", 3, -10, (-25, -1.5)),
    ("renewal:2w", 2, -12, (1.5, 12)),
    ("lapse", 2, -12, (-25, -1.5)),
]


def cmd_seed_due(args) -> None:
    rng = random.Random(11)
    started = time.monotonic()
    now = timezone.now()
    shares = [group for group in DUE_GROUPS for _ in range(group[1])]

    def approved_at(k: int) -> datetime.datetime:
        _, _, months, (low, high) = shares[k % len(shares)]
        return months_later(now, months) + datetime.timedelta(days=rng.uniform(low, high))

    employers = seed_employers(
        args.count, tag="due", start=100_001, approved_at=approved_at, now=now, rng=rng
    )
    steps = schedule.active_steps()
    owners = dict(
        Membership.objects.filter(organisation__in=[e.organisation_id for e in employers])
        .filter(role=Role.OWNER)
        .values_list("organisation_id", "user_id")
    )
    expected = {}
    events = Counter()
    for employer in employers:
        event = scheduled(employer, steps, now)
        if event is None:
            sys.exit(f"bench: FAIL: employer {employer.pk} has no event due")
        events[event.slug] += 1
        cycle = timezone.localdate(employer.approved_at).strftime("%Y%m%d")
        slug = "lapsed" if event.is_lapse else event.slug
        key = f"employer:{employer.pk}:cycle:{cycle}:{slug}:user:{owners[employer.organisation_id]}"
        expected[key] = employer.pk
    Path(args.expect).write_text(json.dumps({"keys": expected, "events": events}))
    emit(
        SEEDED_DUE=len(employers),
        EVENTS=",".join(f"{slug}:{n}" for slug, n in sorted(events.items())),
        SEED_SECONDS=f"{time.monotonic() - started:.1f}",
    )


# sweep ------------------------------------------------------------------------------------------


def queued_email_ids(broker) -> list[int]:
    """The email ids in the send_email(s) tasks waiting in the queue."""
    ids = []
    for raw in broker.lrange(QUEUE, 0, -1):
        message = json.loads(raw)
        task_args = json.loads(base64.b64decode(message["body"]))[0]
        if message["headers"]["task"].endswith(".send_emails"):
            ids += task_args[0]
        else:
            ids.append(task_args[0])
    return ids


def cmd_sweep(args) -> None:
    expect = json.loads(Path(args.expect).read_text())
    expected_keys: dict[str, int] = expect["keys"]
    expected_lapses = expect["events"].get("lapse", 0)
    seeded = set(expected_keys.values())
    broker = common.redis_client()
    broker.delete(QUEUE)  # our own Redis database: only the sweep's tasks are counted
    now = timezone.now()
    due_filter = Q(next_event_at__lte=now, withdrawn_at__isnull=True, lapsed_at__isnull=True)
    due = Employer.objects.filter(due_filter).count()
    sweep_emails = OutboundEmail.objects.filter(template__in=SWEEP_TEMPLATES)
    before = set(sweep_emails.values_list("pk", flat=True))

    meter = common.CpuMeter(
        {"app": lambda: [os.getpid()], "db": common.own_backend_pid, "redis": common.redis_pids}
    )
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    commands_before = broker.info("stats")["total_commands_processed"]
    meter.start()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        handled = schedule.send_due_events(now=now, batch_size=args.batch_size)
    seconds = time.perf_counter() - started
    cpu = meter.stop()
    # Server-wide (and counting this INFO): nothing else uses this Redis during the sweep.
    redis_commands = broker.info("stats")["total_commands_processed"] - commands_before - 1

    rows = {pk: key for pk, key in sweep_emails.values_list("pk", "key") if pk not in before}
    keys = Counter(rows.values())
    queued = queued_email_ids(broker)
    tasks = broker.llen(QUEUE)
    problems = []
    if handled != due or due != len(seeded):
        problems.append(f"{due} due ({len(seeded)} seeded), {handled} handled")
    if still := Employer.objects.filter(due_filter).count():
        problems.append(f"{still} employers still due after the sweep")
    if stale := Employer.objects.filter(pk__in=seeded).exclude(events_done_through=now).count():
        problems.append(f"{stale} seeded employers not marked done through the sweep's time")
    lapsed = Employer.objects.filter(pk__in=seeded, lapsed_at__isnull=False).count()
    if lapsed != expected_lapses:
        problems.append(f"{lapsed} lapsed, {expected_lapses} expected")
    missing = set(expected_keys) - set(keys)
    unexpected = set(keys) - set(expected_keys)
    if missing or unexpected:
        problems.append(
            f"{len(missing)} expected emails not queued (e.g. {sorted(missing)[:1]}), "
            f"{len(unexpected)} unexpected (e.g. {sorted(unexpected)[:1]})"
        )
    if twice := [key for key, n in keys.items() if n > 1]:
        problems.append(f"{len(twice)} keys queued twice")
    handed = Counter(queued)
    if set(handed) != set(rows) or any(n > 1 for n in handed.values()):
        problems.append(
            f"{len(queued)} emails in {tasks} tasks for the worker ({len(set(handed))} distinct), "
            f"{len(rows)} outbox rows"
        )
    # A second sweep at the same moment finds nothing and queues nothing.
    again = schedule.send_due_events(now=now, batch_size=args.batch_size)
    more = sweep_emails.exclude(pk__in=before).count() - len(rows)
    if again or more:
        problems.append(f"a second sweep handled {again} and queued {more} more emails")
    per = max(handled, 1)
    bench_line(
        due=due,
        handled=handled,
        lapsed=lapsed,
        outbox_rows=len(rows),
        emails_handed_over=len(queued),
        tasks_published=tasks,
        events=",".join(f"{slug}:{n}" for slug, n in sorted(expect["events"].items())),
        batch_size=args.batch_size,
        sql_queries=statements[0],
        redis_commands=redis_commands,
        seconds=f"{seconds:.2f}",
        per_second=f"{handled / seconds:.1f}",
        app_us=int(cpu["app"] * 1e6 / per),
        db_us=int(cpu["db"] * 1e6 / per),
        redis_us=int(cpu["redis"] * 1e6 / per),
        other_cpu_pct=cpu["other_pct"],
        problems="'" + "; ".join(problems) + "'",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    seed_listing = sub.add_parser("seed-listing")
    seed_listing.add_argument("--count", type=int, default=500)
    sub.add_parser("targets")
    queries = sub.add_parser("queries")
    queries.add_argument("--host", required=True, help="the Host header gunicorn gets")
    queries.add_argument("--verbose", action="store_true", help="print the SQL to stderr")
    queries.add_argument("targets", nargs="+", metavar="name=path")
    seed_due = sub.add_parser("seed-due")
    seed_due.add_argument("--count", type=int, default=10_000)
    seed_due.add_argument("--expect", required=True, help="file for the keys the sweep queues")
    sweep = sub.add_parser("sweep")
    sweep.add_argument("--expect", required=True)
    sweep.add_argument("--batch-size", type=int, default=schedule.DEFAULT_BATCH_SIZE)
    args = parser.parse_args()
    {
        "seed-listing": cmd_seed_listing,
        "targets": cmd_targets,
        "queries": cmd_queries,
        "seed-due": cmd_seed_due,
        "sweep": cmd_sweep,
    }[args.command](args)


if __name__ == "__main__":
    main()
