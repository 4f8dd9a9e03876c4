-- wrk script for fixed GETs, with no response callback (so wrk never hands bodies to Lua and
-- stays cheap next to the server it shares the machine with).
--   BENCH_MODE=healthz   GET /healthz
--   BENCH_MODE=page      each thread loads one signed-in user's question page again and again;
--                        BENCH_USERS is a file of lines "session-token csrf-token set/id", and
--                        thread n takes line n (wrapping around). Run with -t N -c N.
--   BENCH_MODE=path      the same with GET BENCH_PATH (say /progress) for each user; the lines
--                        need only "session-token csrf-token".
-- At the end it prints: RESULT mode=… requests=… rps=… p50_ms=… p99_ms=… errors=…

local mode = os.getenv("BENCH_MODE") or "page"
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end

local prepared

function init(args)
  if mode == "healthz" then
    prepared = wrk.format("GET", "/healthz")
    return
  end
  local lines = {}
  for line in io.lines(os.getenv("BENCH_USERS")) do
    if line:match("%S") then
      table.insert(lines, line)
    end
  end
  local line = lines[((index - 1) % #lines) + 1]
  local session, csrf, key = line:match("(%S+)%s+(%S+)%s*(%S*)")
  local path = "/study/q/" .. key
  if mode == "path" then
    path = os.getenv("BENCH_PATH")
  end
  prepared = wrk.format("GET", path, {
    ["Cookie"] = "rehearse_session=" .. session .. "; rehearse_csrf=" .. csrf,
  })
end

function request()
  return prepared
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "RESULT mode=%s requests=%d rps=%.0f graded=0 graded_per_s=0 p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    mode, summary.requests, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout))
end
