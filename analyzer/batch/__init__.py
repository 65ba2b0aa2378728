"""Organisation-wide scans: the repository list, safe cloning, per-repository workers, sharding."""
