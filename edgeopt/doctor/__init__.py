"""Set-up and health: what edgeopt needs from the system (needs.py, standard library only) and `edgeopt doctor`
(checks.py)."""
