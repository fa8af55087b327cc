-- wrk script for scripts/bench.sh api: each request picks a random task key from KEYS_FILE
-- and substitutes it for {key} in PATH_TEMPLATE; prints one RESULT line with p50/p95/p99 (ms).
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do
    keys[#keys + 1] = line
end
local template = os.getenv("PATH_TEMPLATE")

request = function()
    local key = keys[math.random(#keys)]
    local path = template:gsub("{key}", function() return key end)
    return wrk.format("GET", path)
end

done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d errors=%d non2xx=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f rps=%.1f\n",
        summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
        latency:percentile(50) / 1000, latency:percentile(95) / 1000,
        latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
