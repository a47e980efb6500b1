-- The floor of the write workload: the same request, answered with a constant body of a write answer's size.
local body = '{"data": {"sku": "tea", "quantity": 1, "unit_price": 4.5}, '
    .. '"metadata": {"actor": {"type": "customer", "id": "7f3c2a10-5b6d-4e8f-9a1b-2c3d4e5f6a7b"}}}'
local headers = {["Content-Type"] = "application/json"}
local path = "/_bench/floor?bytes=" .. os.getenv("EVIDENT_BENCH_WRITE_BYTES")
request = function()
    return wrk.format("POST", path, headers, body)
end
