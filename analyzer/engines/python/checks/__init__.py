"""The rules of the Python engine, one module per rule family, run by ``run_checks``."""
