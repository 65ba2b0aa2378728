"""A platform token handed to git through the environment only: an ``http.<url>.extraHeader``
in ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``, never in a URL or in argv."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# The user name each platform expects in front of a token in HTTP Basic authentication.
GITHUB_USER = "x-access-token"
GITLAB_USER = "oauth2"


@dataclass(frozen=True)
class GitAuth:
    """Credentials for HTTPS clones from one platform; the token never shows in a repr."""

    username: str
    token: str = field(repr=False)

    def env_for(self, url: str) -> dict[str, str]:
        """Environment variables that make git send the token to ``url``'s host only."""
        parts = urlsplit(url)
        prefix = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}/"
        secret = base64.b64encode(f"{self.username}:{self.token}".encode()).decode("ascii")
        return {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.{prefix}.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {secret}",
        }


def token_from_env(*names: str) -> str | None:
    """The first non-empty environment variable of ``names``."""
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None
