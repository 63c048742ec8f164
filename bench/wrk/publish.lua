-- wrk script: REST publishes with a 64-byte JSON payload, each to its own topic under bench/ingest
-- (so the state table and history grow as they would with many sources).
-- Usage: wrk -t2 -c100 -d10s --latency -s bench/wrk/publish.lua http://127.0.0.1:18080
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"seq":%d,"pad":"%s"}', counter, string.rep("x", 40))
  return wrk.format("POST", "/api/publish/bench/ingest/" .. (counter % 1000), nil, body)
end
