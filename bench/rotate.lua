-- wrk script: each request takes the next path of a file (one path a line), each thread
-- starting at its own offset, so a run rotates over many values and no single remembered
-- answer decides the figure.
--   wrk ... -s bench/rotate.lua http://127.0.0.1:PORT -- PATHS_FILE
local paths = {}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open " .. tostring(args[1]))
  for line in file:lines() do
    if line ~= "" then table.insert(paths, line) end
  end
  file:close()
  assert(#paths > 0, "no paths in " .. args[1])
  n = tonumber(offset) or 0
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
