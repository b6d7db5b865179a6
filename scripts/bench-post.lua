-- wrk script for scripts/bench: posts the dog-tax form as a returning browser would.
--
-- Environment (set by scripts/bench):
--   BENCH_BODY_FILE  the urlencoded form body, `_csrf` token included
--   BENCH_COOKIE     `__Host-portal-csrf=...; __Host-portal-session=...`
--
-- Only 303 (See Other, the redirect to the confirmation page) counts as a stored submission.
-- `done` prints `see_other=`, `other=` (any other status), `duration_us=` and wrk's socket
-- errors as key=value lines, which scripts/bench reads.

local function read_body()
  local path = os.getenv("BENCH_BODY_FILE")
  if not path then
    error("BENCH_BODY_FILE is not set")
  end
  local f = assert(io.open(path, "rb"))
  local body = f:read("*a")
  f:close()
  return (body:gsub("%s+$", ""))
end

wrk.method = "POST"
wrk.body = read_body()
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") or ""

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  see_other = 0
  other = 0
end

function response(status, headers, body)
  if status == 303 then
    see_other = see_other + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("see_other")
    bad = bad + t:get("other")
  end
  local e = summary.errors
  io.write(string.format("see_other=%d\nother=%d\nduration_us=%d\n", ok, bad, summary.duration))
  io.write(string.format("socket_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("latency_p50_ms=%.1f\nlatency_p99_ms=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
