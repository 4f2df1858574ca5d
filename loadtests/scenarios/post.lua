-- wrk script: one non-streamed chat completion per request (the key comes from $AICDN_LOAD_KEY,
-- so it never appears in the process list).
wrk.method = "POST"
wrk.body = '{"model":"mock-gpt","stream":false,"max_tokens":16,"messages":[{"role":"user","content":"AiCdn load test, prompt 0: tell me about content delivery."}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("AICDN_LOAD_KEY") or "")
wrk.headers["x-mock-tokens"] = "16"
wrk.headers["x-mock-ttft-ms"] = "0"
wrk.headers["x-mock-token-interval-ms"] = "0"

-- Counts non-200 answers, which wrk otherwise reports only as "Non-2xx".
done = function(summary, latency, requests)
  io.write(string.format("wrk-summary requests=%d errors_status=%d errors_connect=%d errors_read=%d errors_timeout=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
