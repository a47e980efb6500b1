-- The floor of the read workload: a GET answered with a constant body of a read answer's size.
local path = "/_bench/floor?bytes=" .. os.getenv("EVIDENT_BENCH_READ_BYTES")
request = function()
    return wrk.format("GET", path)
end
