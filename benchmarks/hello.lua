-- wrk script for the server benchmark: POSTs IHello.HelloMethod("Alice") as the Mono .NET Remoting client
-- sends it (body: hello_request.xml beside this script, copied from the Mono capture) to /SayHello.soap,
-- and checks that every response is a 200 whose body contains "Hi there Alice".
--
--   wrk -t1 -c16 -d10s --latency -s benchmarks/hello.lua http://127.0.0.1:8000
--
-- Environment: HELLO_PATH (default /SayHello.soap), EXPECT (default "Hi there Alice").
-- The last line printed is machine-readable:
--   RESULT requests=N duration_s=S rps=R lat_p50_ms=.. lat_p99_ms=.. ok=N bad=N err_connect=.. ...
-- "bad" counts responses that are not 200 or lack EXPECT (wrk's own non-2xx count is err_status).
-- benchmarks/_harness.py generates the wrk scripts of the other requests from everything below the
-- "local threads = {}" line, so every benchmark checks responses and reports the same way.

local script_dir = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
local f = assert(io.open(script_dir .. "hello_request.xml", "rb"), "cannot open hello_request.xml")
local body = f:read("*a")
f:close()
local expect = os.getenv("EXPECT") or "Hi there Alice"

wrk.method = "POST"
wrk.path = os.getenv("HELLO_PATH") or "/SayHello.soap"
wrk.body = body
wrk.headers["Content-Type"] = 'text/xml; charset="utf-8"'
wrk.headers["SOAPAction"] = '"http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared#HelloMethod"'

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, bad, last_bad = 0, 0, ""
end

function response(status, headers, resp_body)
  if status == 200 and resp_body and resp_body:find(expect, 1, true) then
    ok = ok + 1
  else
    bad = bad + 1
    last_bad = tostring(status)
  end
end

function done(summary, latency, requests)
  local tok, tbad, last = 0, 0, ""
  for _, t in ipairs(threads) do
    tok = tok + (t:get("ok") or 0)
    tbad = tbad + (t:get("bad") or 0)
    if (t:get("last_bad") or "") ~= "" then last = t:get("last_bad") end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d duration_s=%.2f rps=%.1f lat_avg_ms=%.3f lat_p50_ms=%.3f lat_p90_ms=%.3f " ..
    "lat_p99_ms=%.3f lat_max_ms=%.3f ok=%d bad=%d last_bad=%s err_connect=%d err_read=%d err_write=%d " ..
    "err_timeout=%d err_status=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    tok, tbad, last ~= "" and last or "-", e.connect, e.read, e.write, e.timeout, e.status))
end
