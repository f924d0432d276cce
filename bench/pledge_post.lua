-- wrk script for the pledge benchmark: every request is a valid pledge form POST (the no-JavaScript
-- path: no proof of work) with an email address used nowhere else, so each one stores a new pledge.
--
-- Environment:
--   BENCH_FORM   the form body without the email, e.g. "suggestion=1&first_name=Sam&area=1&reminders_wanted=on"
--   BENCH_RUN    a tag for this wrk run ("warmup", "measure"), so runs never reuse an address
--
-- At the end it prints one parseable line (on one line):
--   BENCH rps=… p50_ms=… p90_ms=… p99_ms=… requests=… duration_s=… bytes_per_req=… non2xx3xx=…
--         socket_errors=… sent=… status_302=… status_other=…
-- `sent` counts requests written, `status_302` the redirects to the "check your email" page (a
-- stored pledge); sent minus the responses read is what was still in flight when wrk stopped.

local form = os.getenv("BENCH_FORM") or ""
local run = os.getenv("BENCH_RUN") or "run"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  redirects = 0
  other = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  sent = sent + 1
  local email = string.format("p-%s-%d-%d%%40bench.example", run, id, counter)
  return wrk.format(nil, nil, nil, form .. "&email=" .. email)
end

function response(status, headers, body)
  if status == 302 then
    redirects = redirects + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local total_sent, total_302, total_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_302 = total_302 + thread:get("redirects")
    total_other = total_other + thread:get("other")
  end
  io.write(string.format(
    "BENCH rps=%.2f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f requests=%d duration_s=%.2f "
      .. "bytes_per_req=%d non2xx3xx=%d socket_errors=%d sent=%d status_302=%d status_other=%d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000,
    latency:percentile(90) / 1000,
    latency:percentile(99) / 1000,
    summary.requests,
    seconds,
    summary.requests > 0 and math.floor(summary.bytes / summary.requests) or 0,
    e.status,
    e.connect + e.read + e.write + e.timeout,
    total_sent,
    total_302,
    total_other
  ))
end
