# TEMP STUB (not committed)
def semgrep_prefilter(data): return False
def run_semgrep(targets, thresholds, root, jobs): return [], []
