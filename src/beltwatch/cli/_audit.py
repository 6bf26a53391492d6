"""``beltwatch audit``: verify the hash chain of the release log."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from beltwatch.cli._export import AuditOption, default_audit_log
from beltwatch.sharing import verify_audit_log

audit_app = typer.Typer(help="The audit log of releases.", no_args_is_help=True)

EXIT_TAMPERED = 1


@audit_app.command("verify")
def verify(
    log: AuditOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Only the exit code.")] = False,
) -> None:
    """Check every record's hash and link; exit 1 naming the first tampered record."""
    path = log or default_audit_log()
    result = verify_audit_log(path)
    if result.ok:
        if not quiet:
            typer.echo(
                f"ok: {result.records} record(s) in {path}, chain intact, head {result.head}"
            )
        return
    which = f"record seq {result.bad_seq}" if result.bad_seq is not None else "record"
    Console(stderr=True).print(
        f"[bold red]tampered:[/] {path}: line {result.bad_line}: {which}: {result.reason}",
        highlight=False,
        soft_wrap=True,
    )
    # SystemExit, not typer.Exit: click swallows Exit when not in standalone mode.
    sys.exit(EXIT_TAMPERED)
