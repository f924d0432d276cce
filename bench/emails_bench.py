"""The Python half of the emails benchmark (bench/run_emails.sh runs it; see bench/README.md).

  sink    an SMTP sink on loopback (aiosmtpd) that notes when each message arrives
  run     reminders through the outbox and a real Celery worker to the sink: at full speed, then
          at a provider rate (100,000 by default), then at a low rate; one `BENCH ...` line each
  report  the table of those lines, with the aims (exit status 1 when one is missed)

`run` expects the environment run_emails.sh sets up (production settings, the bench database
with the demo content, Redis as broker and cache) and a running sink.
"""

import argparse
import asyncio
import bisect
import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HZ = os.sysconf("SC_CLK_TCK")
DOMAIN = "bench.example"


def bench_line(**values) -> None:
    print("BENCH " + " ".join(f"{key}={value}" for key, value in values.items()), flush=True)


# -- sink -----------------------------------------------------------------------------------------


def cmd_sink(args) -> None:
    """Accept every message; every 20 ms append the arrival times (time.monotonic(), the same
    clock in every process) of new messages to <times file>, one a line."""
    from aiosmtpd.smtp import SMTP

    arrivals: list[float] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            arrivals.append(time.monotonic())
            return "250 2.0.0 OK"

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(Handler(), hostname="bench-sink", ident="bench sink"), "127.0.0.1", 0
        )
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        Path(args.port_file).write_text(str(server.sockets[0].getsockname()[1]))
        written = 0
        with open(args.times_file, "a", encoding="ascii") as times:
            while True:
                if len(arrivals) > written:
                    times.write("".join(f"{at:.6f}\n" for at in arrivals[written:]))
                    times.flush()
                    written = len(arrivals)
                if stop.is_set():
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=0.02)
        server.close()

    asyncio.run(main())


def arrivals(path: Path) -> list[float]:
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except OSError:
        return []
    return [float(line) for line in lines if line]


# -- CPU accounting -------------------------------------------------------------------------------


def process_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(p) for p in out.split()]


def machine_ticks() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


class CpuMeter:
    """CPU seconds of groups of processes between start() and stop(); each group's pids are
    asked again at stop(), so a process that started meanwhile counts from zero."""

    def __init__(self, groups: dict):
        self.groups = groups

    def snapshot(self) -> dict:
        return {
            name: {pid: process_ticks(pid) for pid in pids()} for name, pids in self.groups.items()
        }

    def start(self) -> None:
        self.before, self.machine_before = self.snapshot(), machine_ticks()

    def stop(self) -> dict:
        machine_after, after = machine_ticks(), self.snapshot()
        seconds = {}
        for name in self.groups:
            pids = set(after[name]) | set(self.before[name])
            ticks = sum(after[name].get(p, 0) - self.before[name].get(p, 0) for p in pids)
            seconds[name] = max(ticks, 0) / HZ
        busy = (machine_after[0] - self.machine_before[0]) / HZ
        total = max(machine_after[1] - self.machine_before[1], 1) / HZ
        other = max(busy - sum(seconds.values()), 0) / total
        return {**seconds, "other_pct": round(100 * other)}


# -- run ------------------------------------------------------------------------------------------


def reminder_context() -> tuple[dict, dict]:
    """What the reminder sweep stores for one reminder (pledges.services.reminders.reminder_email): the
    first step's wording, and the links every pledge email carries."""
    from django.conf import settings

    from pledges.models import ReminderStep
    from pledges.services.reminders import preview_context

    step = ReminderStep.objects.order_by("pk").first()
    signed = "AbCdEfGh1234.bench-link-of-a-typical-length.XyZ"  # as long as a real one
    links = {
        "manage_url": f"{settings.SITE_URL}/pledges/manage/{signed}/",
        "unsubscribe_url": f"{settings.SITE_URL}/pledges/unsubscribe/{signed}/",
    }
    if step is None:
        context = {"first_name": "Sam", "pledge": "Say hello to a neighbour", "step": "week"}
    else:
        context = preview_context(step)
        for link in context.get("outcome_links", []):
            link["url"] = f"{settings.SITE_URL}/pledges/outcome/{signed}/{link['answer']}/"
    context = {
        key: value
        for key, value in context.items()
        if key not in ("campaign", "SITE_URL", "action_url")
    }
    headers = {
        "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return {**context, **links}, headers


def seed(prefix: str, count: int, context: dict, headers: dict) -> list[int]:
    """Reminders waiting in the outbox as the sweep leaves them: template and context, written
    by the worker as it sends each one."""
    from mailings.models import OutboundEmail

    due = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    OutboundEmail.objects.bulk_create(
        (
            OutboundEmail(
                key=f"{prefix}:{n}",
                to=f"{prefix}-{n}@{DOMAIN}",
                template="pledge_reminder",
                context={**context, "first_name": f"Resident {n}"},
                headers=headers,
                next_attempt_at=due,
            )  # fmt: skip
            for n in range(count)
        ),
        batch_size=2000,
    )
    return list(
        OutboundEmail.objects.filter(key__startswith=f"{prefix}:")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def start_worker(args, rate: float) -> subprocess.Popen:
    env = {
        **os.environ,
        "EMAIL_URL": f"smtp://127.0.0.1:{args.smtp_port}",
        "EMAIL_RATE_PER_SECOND": str(rate),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "campaign_site", "worker", "--pool=prefork",
        f"--concurrency={args.concurrency}", "--loglevel=WARNING", "--without-mingle",
        f"--hostname=bench-emails-{os.getpid()}-{rate}@%h",
    ]  # fmt: skip
    with open(args.worker_log, "ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    Path(args.worker_pid_file).write_text(str(process.pid))
    return process


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def pending(ids: list[int]) -> int:
    from mailings.models import OutboundEmail

    return OutboundEmail.objects.filter(pk__in=ids).exclude(status="sent").count()


def wait_until_sent(ids, worker, times_path: Path, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(arrivals(times_path)) < target:
        if worker.poll() is not None:
            raise SystemExit(f"bench: the Celery worker exited (see {worker.args})")
        if time.monotonic() > deadline:
            raise SystemExit(
                f"bench: {len(arrivals(times_path))} of {target} messages after {timeout:.0f} s"
            )
        time.sleep(0.1)
    if pending(ids):
        time.sleep(1)  # the last rows are marked sent just after the sink takes them
    if pending(ids):
        raise SystemExit(f"bench: {pending(ids)} emails not marked sent")


def busiest_second(times: list[float]) -> int:
    return max(bisect.bisect_left(times, at + 1.0) - i for i, at in enumerate(times))


def db_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def redis_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def measure(args, *, part: str, rate: float, ids: list[int], warm_ids: list[int]) -> None:
    """Start a worker at `rate`, warm it up, then hand `ids` over as the sweep does and time
    until the sink has every one of them."""
    from django.conf import settings

    from mailings.services import enqueue_delivery_batches

    times_path = Path(args.times_file)
    settings.EMAIL_RATE_PER_SECOND = rate  # batches are sized by the rate, as the app's are
    worker = start_worker(args, rate)
    try:
        before = len(arrivals(times_path))
        enqueue_delivery_batches(warm_ids)  # imports, connections, templates, the schedule
        wait_until_sent(warm_ids, worker, times_path, before + len(warm_ids), timeout=90)
        time.sleep(1.5 if rate else 0.5)  # the warm-up's slots are past
        before = len(arrivals(times_path))
        meter = CpuMeter(
            {
                "worker": lambda: [worker.pid, *children(worker.pid)],
                "db": db_backends,
                "redis": redis_pids,
                "sink": lambda: [args.sink_pid],
            }
        )
        meter.start()
        started = time.monotonic()
        enqueue_delivery_batches(ids)
        published = time.monotonic() - started
        expected = len(ids) / rate if rate else 60
        wait_until_sent(ids, worker, times_path, before + len(ids), timeout=expected * 3 + 120)
        cpu = meter.stop()
    finally:
        stop_worker(worker)
    times = arrivals(times_path)[before:]
    extra = len(times) - len(ids)
    seconds = times[-1] - started
    n = len(ids)
    line = {
        "part": part,
        "limit": f"{rate:g}",
        "emails": n,
        "seconds": f"{seconds:.2f}",
        "per_second": f"{n / seconds:.1f}",
        "arrival_rate": f"{(n - 1) / (times[-1] - times[0]):.2f}",
        "busiest_second": busiest_second(times),
        "publish_seconds": f"{published:.2f}",
        "extra_messages": extra,
        **{f"{name}_us": int(cpu[name] * 1e6 / n) for name in ("worker", "db", "redis", "sink")},
        "other_cpu_pct": cpu["other_pct"],
    }
    if rate:
        line["allowed_seconds"] = f"{n / rate:.2f}"
    bench_line(**line)


def cmd_run(args) -> None:
    import django

    # Stopped by run_emails.sh: leave through `finally`, which stops the worker.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    django.setup()
    context, headers = reminder_context()
    parts = [
        ("full", 0.0, args.full_emails),
        ("rate", args.rate, args.rate_emails),
        ("low", args.low_rate, args.low_emails),
    ]
    # Every row first: writing them is not what is measured.
    seeded = {
        part: (seed(f"{part}-warm", 20, context, headers), seed(part, count, context, headers))
        for part, _, count in parts
        if count
    }
    for part, rate, count in parts:
        if count:
            warm_ids, ids = seeded[part]
            measure(args, part=part, rate=rate, ids=ids, warm_ids=warm_ids)


# -- report ---------------------------------------------------------------------------------------

LABELS = {"full": "full speed, no rate set", "rate": "reminders at a provider rate",
          "low": "a low provider rate"}  # fmt: skip


def parse(line: str) -> dict:
    return dict(field.split("=", 1) for field in line.split()[1:])


def verdict(row: dict) -> tuple[str, bool]:
    """The aim for a row and whether it was met."""
    limit = float(row["limit"])
    if not limit:
        return "information: CPU per email at full speed", True
    within = row["busiest_second"] <= limit
    if row["part"] == "rate":
        ratio = float(row["allowed_seconds"]) / float(row["seconds"])
        met = ratio >= 0.95 and within
        return (
            f"{int(row['emails']):,} in {float(row['seconds']):.0f} s, {ratio:.3f}x what "
            f"{limit:g}/s allows ({float(row['allowed_seconds']):.0f} s; aim >= 0.95x and no "
            f"second over: {'met' if met else 'MISSED'})",
            met,
        )
    ratio = float(row["arrival_rate"]) / limit
    met = 0.95 <= ratio <= 1 and within
    return (
        f"{ratio:.3f}x the rate between first and last (aim 0.95-1x and no second over: "
        f"{'met' if met else 'MISSED'})",
        met,
    )


def cmd_report(args) -> None:
    rows = [parse(line) for line in Path(args.results).read_text().splitlines() if line]
    header = (
        f"{'part':<32} {'limit/s':>7} {'emails':>7} {'seconds':>8} {'emails/s':>8} "
        f"{'busiest s':>9} {'worker us':>9} {'db us':>6} {'rds us':>6} {'sink us':>7} "
        f"{'other':>5}  aim"
    )
    print(header)
    print("-" * (len(header) + 60))
    missed = False
    for row in rows:
        row["busiest_second"] = int(row["busiest_second"])
        text, met = verdict(row)
        missed |= not met
        limit = float(row["limit"])
        print(
            f"{LABELS[row['part']]:<32} {(f'{limit:g}' if limit else '-'):>7} "
            f"{int(row['emails']):>7} {float(row['seconds']):>8.1f} {float(row['per_second']):>8.1f} "
            f"{row['busiest_second']:>9} {row['worker_us']:>9} {row['db_us']:>6} "
            f"{row['redis_us']:>6} {row['sink_us']:>7} {row['other_cpu_pct']:>4}%  {text}"
        )
        if int(row["extra_messages"]):
            print(f"  ERROR: {row['extra_messages']} messages more than emails (sent twice?)")
            missed = True
    print("-" * (len(header) + 60))
    print(f"result: aims {'MISSED' if missed else 'met'}")
    sys.exit(1 if missed else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sink = sub.add_parser("sink")
    sink.add_argument("--port-file", required=True)
    sink.add_argument("--times-file", required=True)
    run = sub.add_parser("run")
    run.add_argument("--smtp-port", type=int, required=True)
    run.add_argument("--sink-pid", type=int, required=True)
    run.add_argument("--times-file", required=True)
    run.add_argument("--worker-pid-file", required=True)
    run.add_argument("--worker-log", required=True)
    run.add_argument("--concurrency", type=int, default=4)
    run.add_argument("--full-emails", type=int, default=20_000)
    run.add_argument("--rate", type=float, default=200)
    run.add_argument("--rate-emails", type=int, default=100_000)
    run.add_argument("--low-rate", type=float, default=14)
    run.add_argument("--low-emails", type=int, default=280)
    report = sub.add_parser("report")
    report.add_argument("results")
    args = parser.parse_args()
    {"sink": cmd_sink, "run": cmd_run, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    main()
