-- Appended to both scripts by bench-http.sh: one JSON line with the figures wrk measured.
done = function(summary, latency, requests)
    local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout
    io.write(string.format(
        '{"requests":%d,"seconds":%.2f,"requests_per_second":%.0f,"non_2xx_or_errors":%d,'
            .. '"latency_ms":{"p50":%.2f,"p90":%.2f,"p99":%.2f,"max":%.2f}}\n',
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), errors,
        latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
