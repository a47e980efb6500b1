-- Appended to every script by bench-http.sh: wrk's threads connect to the nodes on the ports listed in
-- $EVIDENT_BENCH_PORTS, round-robin (each thread's connections all go to one node).
local ports = {}
for port in string.gmatch(os.getenv("EVIDENT_BENCH_PORTS"), "%d+") do ports[#ports + 1] = port end
local threads = 0
setup = function(thread)
    thread.addr = wrk.lookup("127.0.0.1", ports[threads % #ports + 1])[1]
    threads = threads + 1
end
