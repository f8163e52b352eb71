"""Read exported model files without running them: operators, tensor dtypes, float islands."""
