"""The ``beltwatch`` command line: thin commands over the library."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from beltwatch.cli._analytics import (
    belt_command,
    maneuvers_command,
    pc_command,
    proximity_command,
    screen_command,
)
from beltwatch.cli._audit import audit_app
from beltwatch.cli._catalog import catalog_app
from beltwatch.cli._contract import EXIT_BAD_INPUT, EXIT_INTERRUPTED, install_signal_handlers
from beltwatch.cli._correlate import correlate_command
from beltwatch.cli._coverage import coverage_command
from beltwatch.cli._export import EXIT_NOTHING_RELEASED, export_command
from beltwatch.cli._formats import formats_app
from beltwatch.cli._imaging import process_command, simulate_app
from beltwatch.cli._od import od_command
from beltwatch.cli._propagate import propagate_command
from beltwatch.cli._run import run_command
from beltwatch.cli._serve import serve_command
from beltwatch.cli._store import db_app, ingest_command, keys_app
from beltwatch.errors import BeltwatchError

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_NOTHING_RELEASED", "app", "main"]

app = typer.Typer(
    name="beltwatch",
    help="Space domain awareness for the GEO belt: catalogs, propagation, sensors, products.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog_app, name="catalog")
app.add_typer(formats_app, name="formats")
app.command("export")(export_command)
app.add_typer(audit_app, name="audit")
app.command("propagate")(propagate_command)
app.command("coverage")(coverage_command)
app.command("run")(run_command)
app.command("od")(od_command)
app.command("correlate")(correlate_command)
app.add_typer(simulate_app, name="simulate")
app.command("process")(process_command)
app.command("maneuvers")(maneuvers_command)
app.command("screen")(screen_command)
app.command("pc")(pc_command)
app.command("proximity")(proximity_command)
app.command("belt")(belt_command)
app.command("serve")(serve_command)
app.add_typer(db_app, name="db")
app.command("ingest")(ingest_command)
app.add_typer(keys_app, name="keys")


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point, holding the CLI contract (see ``cli/_contract.py``): a project error,
    an unreadable file or a request too big for memory is one line on stderr and exit 2;
    Ctrl-C and SIGTERM are a message and exit 130; never a traceback for bad input."""
    install_signal_handlers()
    try:
        code = app(args=argv, standalone_mode=False)
    except BeltwatchError as exc:
        _fail(str(exc))
    except (typer.Abort, KeyboardInterrupt):
        code = EXIT_INTERRUPTED
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except MemoryError:
        _fail("out of memory: ask for less (fewer objects, a shorter span or a coarser step)")
    except UnicodeDecodeError as exc:
        _fail(f"an input is not UTF-8 text ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"{where}{exc.strerror or exc}")
    except Exception as exc:  # click usage errors carry their own exit code
        code = getattr(exc, "exit_code", None)
        if code is None:
            raise
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        sys.exit(code)
    if code == EXIT_INTERRUPTED:  # Typer may also report Ctrl-C as this return code
        Console(stderr=True).print("interrupted: nothing half-written was left behind")
    if isinstance(code, int) and code:
        sys.exit(code)
