-- POST the bundled example to /api/v1/underwrite; wrk counts answers outside 2xx/3xx itself
-- (summary.errors.status, printed as "non-2xx" below; the server never redirects).
--
-- No `response` function on purpose: with one, wrk copies every 130 KB answer into a Lua
-- string and its headers into a table, about 8 µs of wrk's CPU per request on the 2 cores
-- the server shares with it (BENCHMARKS.md, session 10).
local f = io.open(os.getenv("SHEET"), "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/toml"
done = function(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx %d, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms, %.0f req/s\n",
    summary.requests, summary.errors.status, latency:percentile(50)/1000, latency:percentile(90)/1000,
    latency:percentile(99)/1000, latency.max/1000, summary.requests / (summary.duration/1e6)))
end
