"""`edgeopt tune`: from a budget (accuracy drop, p90 latency, size) to the model. A cost-ordered search over what
the recipe leaves open, each trial an ordinary run that borrows every finished stage it shares with earlier ones."""
