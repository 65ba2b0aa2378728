"""Secrets stay secret: no output of any command carries the key material it reports.

Every output the tool can produce is registered below (scan formats are read from the scan
command's own renderer table, inventory formats from its ``--format`` choices, the batch outputs
and the HTML evidence report from the batch folder), so a new format is searched automatically.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.cli.scan_command import RENDERERS
from analyzer.findings.redact import redact_line

# A real (throwaway) key: the secrets engine reports only bodies that decode to a key structure.
PEM_BODY = (
    (Path(__file__).parent.parent / "fixtures" / "secrets" / "deploy_key.pem")
    .read_text(encoding="utf-8")
    .splitlines()[1:-1]
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(PEM_BODY) + "\n-----END RSA PRIVATE KEY-----\n"
)
AES_KEY = "q7Vr2mXz9LcB4nWe8TyK1uPj6HsD0fGa"
AES_KEY_SPACED = "correct horse battery staple!!"
JWT_SECRET = "Zk3pQ9wL7rT2vX8yN4bM6cJ1hF5gD0sA"
ENV_KEY = "9fK2mQ7xL4vB8nR1tZ6wC3yH5jP0sD2gA7eU4iO1"
YAML_KEY = "Tq8Wz3Lm5Rx9Vb2Nc7Kp4Hs6Jd1Gf0YaE3uI8oP"
AWS_STYLE = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

SECRETS = {
    "PEM body": "".join(PEM_BODY),
    "AES key": AES_KEY,
    "AES key with spaces": AES_KEY_SPACED,
    "JWT secret": JWT_SECRET,
    ".env key": ENV_KEY,
    "YAML key": YAML_KEY,
    "AWS-style secret": AWS_STYLE,
    **{f"PEM line {i + 1}": line for i, line in enumerate(PEM_BODY)},
}

FILES = {
    "deploy/id_rsa": PEM,
    "app/crypto.py": (
        "from Crypto.Cipher import AES\n"
        "import jwt\n"
        f'cipher = AES.new(b"{AES_KEY}", AES.MODE_GCM)\n'
        f'legacy = AES.new(b"{AES_KEY_SPACED}", AES.MODE_GCM)  '
        "# keyguard: ignore[KG301] reason: migration ticket SEC-12\n"
        f'token = jwt.encode({{"sub": "me"}}, "{JWT_SECRET}", algorithm="HS256")\n'
    ),
    "app/embedded.py": f'PRIVATE = """{PEM}"""\n',
    "app/broken.py": f'from Crypto.Cipher import AES\nc = AES.new(b"{AES_KEY}", AES.MODE_GCM\n',
    ".env": f"SIGNING_KEY={ENV_KEY}\nAWS_SECRET_ACCESS_KEY={AWS_STYLE}\n",
    "config/app.yaml": f'service:\n  signing_key: "{YAML_KEY}"\n',
}


def _variants(value: str) -> set[str]:
    """The value as written and as it would look escaped in JSON or base64-encoded."""
    return {
        value,
        json.dumps(value)[1:-1],
        base64.b64encode(value.encode()).decode(),
        value.encode().hex(),
    }


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leaky") / "service"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "init", "--no-verify"], check=True)
    return root


def _invoke(*args: str) -> str:
    """Run a command; its stdout and stderr both count as output."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), (args, result.stdout, result.stderr)
    return result.stdout + result.stderr


def _choices(command: str, option: str) -> list[str]:
    cmd = main.get_command(click.Context(main), command)
    for param in cmd.params:
        if option in getattr(param, "opts", []) and isinstance(param.type, click.Choice):
            return list(param.type.choices)
    return []


def _outputs(root: Path, work: Path) -> dict[str, Callable[[], str]]:
    """Every output, by name; each entry produces the text a user or a log would see."""
    produce: dict[str, Callable[[], str]] = {}
    for fmt in RENDERERS:
        for extra in ([], ["--show-suppressed"]):
            name = " ".join(["scan", fmt, *extra])
            produce[name] = lambda fmt=fmt, extra=extra: _invoke(
                "scan", str(root), "--format", fmt, "--no-semgrep", "--fail-on", "never", *extra
            )
        out = work / f"scan.{fmt}"
        produce[f"scan {fmt} -o"] = lambda fmt=fmt, out=out: (
            _invoke("scan", str(root), "--format", fmt, "--no-semgrep", "-o", str(out))
            + out.read_text()
        )
    for fmt in _choices("inventory", "--format"):
        produce[f"inventory {fmt}"] = lambda fmt=fmt: _invoke(
            "inventory", str(root), "--format", fmt, "--no-semgrep"
        )
    produce["scan in a child process, stdout and stderr"] = lambda: _child_scan(root)
    if "batch" in main.list_commands(click.Context(main)):
        produce["batch folder, database dump and HTML report"] = lambda: _batch(root, work)
    return produce


def _child_scan(root: Path) -> str:
    """A real process: warnings and logging reach its stderr, which CliRunner under pytest hides."""
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo)}
    done = subprocess.run(
        [sys.executable, "-m", "analyzer", "scan", ".", "--no-semgrep", "--show-suppressed"],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout + done.stderr


def _batch(root: Path, work: Path) -> str:
    db, out, html = work / "results.sqlite", work / "batch", work / "evidence.html"
    text = _invoke("batch", str(root), "--db", str(db), "--out", str(out), "--no-semgrep")
    text += "".join(p.read_text(errors="replace") for p in sorted(out.rglob("*")) if p.is_file())
    if "report" in main.list_commands(click.Context(main)):
        text += _invoke("report", "--db", str(db), "--format", "json")
        text += _invoke("report", "--db", str(db), "--html", str(html))
        text += html.read_text()
    text += "\n".join(_dump(db))
    return text


def _dump(db: Path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def all_outputs(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    work = tmp_path_factory.mktemp("outputs")
    return {name: make() for name, make in _outputs(tree, work).items()}


def test_every_output_format_is_searched(all_outputs: dict[str, str]) -> None:
    names = set(all_outputs)
    assert {"scan text --show-suppressed", "scan json", "scan sarif"} <= names
    for optional in ("cbom", "html"):
        module = Path(__file__).parent.parent / "analyzer" / "reporters" / f"{optional}.py"
        if module.exists():
            assert any(optional in n or "HTML" in n for n in names), optional


def test_findings_are_reported(tree: Path) -> None:
    """The test only means something if the secrets are found: each file has a KG3xx finding."""
    result = CliRunner().invoke(main, ["scan", str(tree), "--format", "json", "--no-semgrep"])
    report = json.loads(result.stdout)
    flagged = {f["location"]["path"] for f in report["findings"] if f["rule_id"][:3] == "KG3"}
    assert flagged >= {"deploy/id_rsa", "app/crypto.py", ".env", "config/app.yaml"}, flagged
    assert any(f["suppression"] for f in report["findings"]), "one finding is suppressed"


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_no_output_contains_the_key(all_outputs: dict[str, str], secret: str) -> None:
    leaks = [
        name
        for name, text in all_outputs.items()
        for variant in _variants(SECRETS[secret])
        if variant in text
    ]
    assert not leaks, f"{secret} appears in: {sorted(set(leaks))}"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (f"AWS_SECRET_ACCESS_KEY={AWS_STYLE}", "AWS_SECRET_ACCESS_KEY="),
        (f'key = b"{AES_KEY_SPACED}"', "key = b"),
        (f"token: {ENV_KEY}==", "token: "),
        (f"x = '{JWT_SECRET}'  # {YAML_KEY}", "x = "),
    ],
)
def test_redact_line_hides_values_and_keeps_names(line: str, kept: str) -> None:
    redacted = redact_line(line)
    assert redacted.startswith(kept)
    assert not [v for v in SECRETS.values() if v in redacted]


def test_redacting_twice_keeps_the_true_length() -> None:
    once = redact_line(f'signing_key: "{YAML_KEY}"')
    assert redact_line(once) == once == f'signing_key: "Tq****({len(YAML_KEY)})"'


def test_engine_errors_do_not_quote_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine bug whose exception text quotes the source must not carry the key into a log."""
    from analyzer.pipeline import run as scan_module
    from analyzer.policy import default_policy

    def broken(*_args: object) -> None:
        raise ValueError(f"unexpected literal '{AES_KEY}' and {ENV_KEY}")

    monkeypatch.setattr("analyzer.engines.python.engine.analyze_python", broken)
    (tmp_path / "crypto.py").write_text(FILES["app/crypto.py"])
    options = scan_module.ScanOptions(jobs=1, without=("semgrep", "secrets"))
    report = scan_module.scan([tmp_path], tmp_path, default_policy(), options)
    messages = [n.message for n in report.notifications if n.kind == "internal-error"]
    assert messages and "ValueError" in messages[0]
    assert not [v for v in SECRETS.values() for m in messages if v in m]


def test_parser_warnings_do_not_print_the_line(tmp_path: Path) -> None:
    """CPython's tokenizer warns with the offending line; with the scan root as the working
    folder it can find that line and would print it, key and all."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "warns.py").write_text(
        f'from Crypto.Cipher import AES\nk = AES.new(b"{AES_KEY}") if 0x1for else 0\n'
    )
    text = _child_scan(tmp_path)
    assert "warns.py" in text
    assert AES_KEY not in text, text
