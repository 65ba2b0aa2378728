"""Exit codes of every keyguard command; documented in the README and stable across versions."""

OK = 0
FINDINGS = 1
USAGE = 2
INTERNAL = 3
