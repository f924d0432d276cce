-- wrk script: prints one parseable line when the run ends, e.g.
--   BENCH rps=1234.56 p50_ms=1.234 p90_ms=2.345 p99_ms=5.678 requests=12345 duration_s=10.00
--         bytes_per_req=8421 non2xx3xx=0 socket_errors=0
-- (on one line). bytes_per_req is the mean response size, headers included.
-- Latencies are wrk's per-request latencies (microseconds internally), printed in milliseconds.
-- Any extra request headers come from the BENCH_HEADER environment variable ("Name: value").

local extra = os.getenv("BENCH_HEADER")
if extra and extra ~= "" then
  local name, value = extra:match("^%s*([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH rps=%.2f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f requests=%d duration_s=%.2f "
      .. "bytes_per_req=%d non2xx3xx=%d socket_errors=%d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000,
    latency:percentile(90) / 1000,
    latency:percentile(99) / 1000,
    summary.requests,
    seconds,
    summary.requests > 0 and math.floor(summary.bytes / summary.requests) or 0,
    e.status,
    e.connect + e.read + e.write + e.timeout
  ))
end
