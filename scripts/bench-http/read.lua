-- Reads the state of a random one of the carts listed in $EVIDENT_BENCH_IDS.
local ids = {}
for line in io.lines(os.getenv("EVIDENT_BENCH_IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time())
request = function()
    return wrk.format("GET", "/cart/" .. ids[math.random(#ids)])
end
