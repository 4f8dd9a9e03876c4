-- wrk script for the grading loop. Run with as many threads as connections (-t N -c N): each
-- thread is one signed-in user, read from the file in BENCH_USERS (a line per user: session
-- token, CSRF token), with thread n taking lines n, n + N, n + 2N… in turn as each one's queue
-- runs out (BENCH_THREADS = N). BENCH_MODE picks what every thread does in a closed loop:
--   grade    grade the current question, follow the answer to the next one, grade it… (the
--            page's version is tracked from the grades, so every request is a grade POST)
--   study    load the question page, grade it, load the next page… (what a person does)
-- (Fixed GETs, /healthz and the question page, are in page.lua.)
-- At the end it prints one line: RESULT mode=… requests=… rps=… graded=… graded_per_s=…
-- p50_ms=… p99_ms=… stale=… errors=… (stale: grades refused for a version this script guessed
-- wrong, then retried from the page; errors: anything else that was not a success)

local mode = os.getenv("BENCH_MODE") or "grade"
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

-- Per-thread state (each thread has its own Lua state).
local users = {}
local user = 0
local cookie, csrf
local key            -- the question being studied, "set/id"
local need_page      -- the next request loads the question page
local versions = {}  -- card versions learned from grades, by question key
local posted         -- the key of the grade in flight
local sent = 0
graded = 0
failures = 0
stale = 0

local function next_user()
  user = user + 1
  local line = users[user]
  if line == nil then
    return false
  end
  current = line
  local session, token = line:match("(%S+)%s+(%S+)")
  csrf = token
  cookie = "rehearse_session=" .. session .. "; rehearse_csrf=" .. token
  -- Start from the page: a card graded before (a re-drill) has a version this script has not
  -- seen yet.
  key, versions, need_page = nil, {}, true
  return true
end

function init(args)
  -- Submission ids must not repeat across runs on the same users.
  run = tostring(os.time())
  local file = assert(io.open(os.getenv("BENCH_USERS"), "r"))
  local all = {}
  for line in file:lines() do
    if line:match("%S") then
      table.insert(all, line)
    end
  end
  file:close()
  local step = tonumber(os.getenv("BENCH_THREADS") or "1")
  for i = index, #all, step do
    table.insert(users, all[i])
  end
  if #users == 0 then
    users = { all[((index - 1) % #all) + 1] }
  end
  next_user()
end

local function get(path)
  return wrk.format("GET", path, { ["Cookie"] = cookie })
end

function request()
  posted = nil
  if key == nil then
    return get("/study/next")
  end
  if need_page or (mode == "study" and versions[key] == nil) then
    need_page = false
    return get("/study/q/" .. key)
  end
  sent = sent + 1
  -- Mostly good answers, one in five failed (those come back as same-day re-drills).
  local grade = (sent % 5 == 0) and 2 or 5
  local body = "csrf=" .. csrf .. "&version=" .. (versions[key] or 0) .. "&started=0"
    .. "&submission=b" .. run .. "x" .. index .. "x" .. user .. "x" .. sent .. "&grade=" .. grade
  posted = key
  return wrk.format("POST", "/study/q/" .. key .. "/grade", {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

function response(status, headers, body)
  local location = headers["location"] or headers["Location"]
  if posted ~= nil then
    if status == 303 then
      graded = graded + 1
      versions[posted] = (versions[posted] or 0) + 1
    elseif status == 409 then
      -- A card graded in an earlier run (a re-drill) whose version this script guessed wrong:
      -- refused as a stale page should be; the page is loaded to learn it.
      stale = stale + 1
    else
      failures = failures + 1
    end
  elseif status ~= 200 and status ~= 303 then
    failures = failures + 1
  end
  if status == 303 and location ~= nil then
    local next_key = location:match("^/study/q/([^?]+)")
    if next_key ~= nil then
      key = next_key
      if mode == "study" then
        need_page = true
      end
    elseif location:match("^/study/next") then
      key = nil
    elseif location:match("^/study") then
      -- This user's queue is done for today: take the thread's next user, or start over.
      if not next_user() then
        user = 0
        next_user()
      end
    end
  elseif status == 200 and key ~= nil and body ~= nil then
    -- A question page: learn the card's version from its grade form.
    local version = body:match('name="version" value="(%d+)"')
    if version ~= nil then
      versions[key] = tonumber(version)
    end
  elseif posted ~= nil then
    -- A refused grade (e.g. a stale version): load the page to learn the version again.
    need_page = true
  end
end

function done(summary, latency, requests)
  local total_graded, total_failures, total_stale = 0, 0, 0
  -- BENCH_CURRENT_OUT: where to write the user each thread ended on (part-way through a day).
  local out = os.getenv("BENCH_CURRENT_OUT")
  local file = (out and out ~= "") and assert(io.open(out, "w")) or nil
  for _, thread in ipairs(threads) do
    total_graded = total_graded + (thread:get("graded") or 0)
    total_failures = total_failures + (thread:get("failures") or 0)
    total_stale = total_stale + (thread:get("stale") or 0)
    if file then
      file:write((thread:get("current") or ""), "\n")
    end
  end
  if file then
    file:close()
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT mode=%s requests=%d rps=%.0f graded=%d graded_per_s=%.0f p50_ms=%.2f p99_ms=%.2f stale=%d errors=%d\n",
    mode, summary.requests, summary.requests / seconds, total_graded, total_graded / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, total_stale,
    -- (wrk's own status count would include the 409s above; statuses are judged here instead)
    total_failures + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
