-- One event per request (cart.item_was_added) to a random one of the carts listed in $EVIDENT_BENCH_IDS.
local ids = {}
for line in io.lines(os.getenv("EVIDENT_BENCH_IDS")) do ids[#ids + 1] = line end
local body = '{"data": {"sku": "tea", "quantity": 1, "unit_price": 4.5}, '
    .. '"metadata": {"actor": {"type": "customer", "id": "7f3c2a10-5b6d-4e8f-9a1b-2c3d4e5f6a7b"}}}'
local headers = {["Content-Type"] = "application/json"}
math.randomseed(os.time())
request = function()
    return wrk.format("POST", "/cart/" .. ids[math.random(#ids)] .. "/item_was_added", headers, body)
end
