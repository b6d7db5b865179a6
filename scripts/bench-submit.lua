-- wrk script for scripts/bench: submits prepared drafts from their check pages, each as the
-- browser that owns it (its cookies, its CSRF token, the declaration ticked).
--
-- Environment (set by scripts/bench):
--   BENCH_DRAFTS_FILE  lines `PATH<TAB>COOKIE<TAB>BODY` (tests/src/bin/prepare-submissions.rs)
--
-- Each wrk thread takes every n-th line, so no draft is submitted twice. A thread that has used
-- up its drafts sends GET /healthz instead and counts it as `exhausted` (the figure is then too
-- low: prepare more drafts). Only 303 (the redirect to the confirmation) counts as a case.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  see_other = 0
  other = 0
  exhausted = 0
  drafts = {}
  local path = os.getenv("BENCH_DRAFTS_FILE")
  if not path then
    error("BENCH_DRAFTS_FILE is not set")
  end
  local total = tonumber(os.getenv("BENCH_THREADS_TOTAL") or "1")
  local n = 0
  for line in io.lines(path) do
    if n % total == index then
      local p, c, b = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      if p then
        table.insert(drafts, { path = p, cookie = c, body = b })
      end
    end
    n = n + 1
  end
  next_draft = 1
end

function request()
  local d = drafts[next_draft]
  if not d then
    exhausted = exhausted + 1
    return wrk.format("GET", "/healthz")
  end
  next_draft = next_draft + 1
  return wrk.format("POST", d.path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = d.cookie,
  }, d.body)
end

function response(status, headers, body)
  if status == 303 then
    see_other = see_other + 1
  elseif status ~= 200 or exhausted == 0 then
    other = other + 1
  end
end

function done(summary, latency, requests)
  local ok, bad, out = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("see_other")
    bad = bad + t:get("other")
    out = out + t:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format("see_other=%d\nother=%d\nexhausted=%d\nduration_us=%d\n", ok, bad, out, summary.duration))
  io.write(string.format("socket_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("latency_p50_ms=%.1f\nlatency_p99_ms=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
