"""``keyguard policy init|show``, ``keyguard rules`` and ``keyguard explain``."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.catalogue.rules import rules
from analyzer.cli.common import UsageFailure, policy_for
from analyzer.policy.errors import suggest
from analyzer.policy.load import CONFIG_NAME
from analyzer.policy.render import policy_template, policy_to_toml

CONFIG_OPTION = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Policy file to use instead of searching for keyguard.toml / pyproject.toml.",
)


@click.group("policy")
def policy_group() -> None:
    """Create and inspect the key-generation standard (keyguard.toml).

    \b
    Examples:
      keyguard policy init            # write ./keyguard.toml from the default standard
      keyguard policy show            # print the effective policy for this folder
      keyguard policy show --config ci/keyguard.toml
    """


@policy_group.command("init")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
def init_command(force: bool, path: Path) -> None:
    """Write a commented template of the default standard to PATH/keyguard.toml.

    PATH is a folder (default: the current one) or a file name ending in .toml. An existing
    file is never overwritten without --force.

    \b
    Examples:
      keyguard policy init
      keyguard policy init services/payments
      keyguard policy init --force
    """
    target = path if path.suffix == ".toml" else path / CONFIG_NAME
    if target.exists() and not force:
        raise UsageFailure(f"{target} already exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(policy_template(), encoding="utf-8")
    click.echo(f"wrote {target}")


@policy_group.command("show")
@CONFIG_OPTION
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
def show_command(config: Path | None, path: Path) -> None:
    """Print the effective policy for PATH as TOML, after `extends` and overrides.

    The policy is the --config file, else the nearest keyguard.toml or pyproject.toml with a
    [tool.keyguard] table at or above PATH, else the built-in default.

    \b
    Examples:
      keyguard policy show
      keyguard policy show --config keyguard.toml > effective.toml
    """
    click.echo(policy_to_toml(policy_for(config, path)), nl=False)


@click.command("rules")
@CONFIG_OPTION
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
def rules_command(config: Path | None, path: Path) -> None:
    """List every rule with its category, level, clause and whether the policy enables it.

    \b
    Examples:
      keyguard rules
      keyguard rules --config keyguard.toml
    """
    policy = policy_for(config, path)
    rows = [("ID", "CATEGORY", "LEVEL", "CLAUSE", "ENABLED", "FINDS")]
    for rule in rules().values():
        clause = policy.clause_id(rule.id) or "-"
        enabled = "yes" if policy.rule_enabled(rule.id) else "no"
        rows.append((rule.id, rule.category, rule.level, clause, enabled, rule.short))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )


@click.command("explain")
@CONFIG_OPTION
@click.argument("rule_id")
def explain_command(config: Path | None, rule_id: str) -> None:
    """Print a rule's documentation and the clause of the standard it enforces.

    The clause comes from the effective policy (the --config file, else the nearest
    keyguard.toml or pyproject.toml [tool.keyguard], else the built-in default).

    \b
    Examples:
      keyguard explain KG201
      keyguard explain kg402 --config keyguard.toml
    """
    catalogue = rules()
    rule = catalogue.get(rule_id.strip().upper())
    if rule is None:
        raise UsageFailure(
            f"unknown rule {rule_id!r}{suggest(rule_id.strip().upper(), catalogue)}; "
            "`keyguard rules` lists them"
        )
    policy = policy_for(config, Path("."))
    click.echo(rule.text())
    clause = policy.clause_for(rule.id)
    standard = policy.standard
    click.echo(f"Clause of {standard.title} ({standard.id} {standard.version}):")
    if clause is None:
        click.echo("(no clause of this standard covers the rule)")
    else:
        click.echo(f"{clause.id} {clause.title}\n{clause.text}")
    click.echo(f"\nLevel: {rule.level}   Category: {rule.category}   CWE-{rule.cwe}")
    if not policy.rule_enabled(rule.id):
        off = (
            "is empty"
            if isinstance(getattr(policy, rule.requires or "", None), tuple)
            else "is false"
        )
        why = f"{rule.requires} {off}" if rule.requires else "disabled in [rules]"
        click.echo(f"Enabled: no ({why} in {policy.source})")
