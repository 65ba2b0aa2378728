"""What a reporter knows about the invocation besides the scan itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunInfo:
    """The command line as typed and the exit code the scan ends with."""

    command_line: str
    exit_code: int
    show_suppressed: bool = False
    color: bool = False
