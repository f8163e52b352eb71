"""`edgeopt sweep`: a base recipe times a grid of field values, each point an ordinary run directory, run by a
local process pool or a Ray cluster, with results.csv/json and a Pareto report."""
