-- wrk script of bench/quote_load.py: one phase of load, then a drain, then one JSON line.
--
--   wrk -t1 -c32 -d<seconds + grace>s -s quote_load.lua URL -- <seconds> <METHOD> <path> [body]
--
-- Each connection sends requests for <seconds>, then stops sending and waits for its last
-- answer (wrk itself would cut in-flight requests off at -d, and a POST cut off that way may
-- or may not have been persisted, which would spoil the count check). Requests/s is counted
-- over that window, not over wrk's -d. Every status is checked: non-2xx counts 200..299 only.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } quote_load_timespec;
int clock_gettime(int clk_id, quote_load_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local ts = ffi.new("quote_load_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

-- Per thread (each wrk thread has its own Lua state); read back in done() via thread:get().
local req, deadline

function init(args)
  local seconds = tonumber(args[1])
  local method, path, body = args[2], args[3], args[4]
  local headers = {}
  if body ~= nil and body ~= "" then
    headers["Content-Type"] = "application/json"
  else
    body = nil
  end
  req = wrk.format(method, path, headers, body)
  started = now()
  deadline = started + seconds
  last = started
  answered, non2xx, idle = 0, 0, 0
  statuses = ""
end

function request()
  if now() >= deadline then
    -- Nothing more on this connection: it has no request in flight, since wrk asks for the
    -- next request only once the previous one is answered. Counting these tells the drain.
    idle = idle + 1
    return ""
  end
  return req
end

local seen = {}

function response(status, headers, body)
  answered = answered + 1
  last = now()
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if not seen[status] then
      seen[status] = true
      statuses = statuses .. (statuses == "" and "" or ",") .. status
    end
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local answered_all, non2xx_all, idle_all = 0, 0, 0
  local first, final = math.huge, 0
  local codes = {}
  for _, t in ipairs(threads) do
    answered_all = answered_all + t:get("answered")
    non2xx_all = non2xx_all + t:get("non2xx")
    idle_all = idle_all + t:get("idle")
    first = math.min(first, t:get("started"))
    final = math.max(final, t:get("last"))
    local s = t:get("statuses")
    if s ~= "" then
      table.insert(codes, s)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'QUOTE_LOAD_RESULT {"answered": %d, "non_2xx": %d, "non_2xx_statuses": "%s", '
      .. '"drained_connections": %d, "window_s": %.6f, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
      .. '"wrk_requests": %d, "errors": {"connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d}}\n',
    answered_all, non2xx_all, table.concat(codes, ","), idle_all, final - first,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, summary.requests, e.connect, e.read, e.write, e.status, e.timeout
  ))
end
