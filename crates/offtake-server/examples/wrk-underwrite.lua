-- POST the bundled example to /api/v1/underwrite; count non-200 answers as errors.
local f = io.open(os.getenv("SHEET"), "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/toml"
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx %d, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms, %.0f req/s\n",
    summary.requests, summary.errors.status, latency:percentile(50)/1000, latency:percentile(90)/1000,
    latency:percentile(99)/1000, latency.max/1000, summary.requests / (summary.duration/1e6)))
end
