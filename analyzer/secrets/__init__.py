# TEMP STUB (not committed)
from analyzer.model import FileResult
def secrets_prefilter(data): return False
def scan_secrets(data, rel): return FileResult(rel)
