"""``beltwatch db``, ``beltwatch ingest`` and ``beltwatch keys``: the catalog database."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

import typer

from beltwatch._io import read_text
from beltwatch.cli._contract import EXIT_INTERRUPTED
from beltwatch.cli._markings import own_markings
from beltwatch.cli._stream_ingest import ingest_from_stream, is_stream_url
from beltwatch.errors import InputError
from beltwatch.formats import observations_from_tdm, parse_messages
from beltwatch.sharing import Policy, load_policy, load_records
from beltwatch.store import default_url, masked_url, open_store, upgrade_database
from beltwatch.values import Markings, Observation

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
        "(default: $BELTWATCH_DB, else beltwatch.db in the user data directory).",
    ),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Policy TOML: partners and markings (default: shipped)."),
]
SHOWN_REJECTIONS = 20

db_app = typer.Typer(help="The catalog database.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of partners (for the HTTP service).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Create or migrate the database to the newest schema (a no-op when it is there)."""
    head = upgrade_database(db)
    typer.echo(f"{masked_url(db or default_url())}: schema at revision {head}")


# -- ingest: one reader per source scheme ----------------------------------------------

SourceReader = Callable[[str, Policy, Markings | None], list[Observation]]


def _file_observations(source: str, policy: Policy, default: Markings | None) -> list[Observation]:
    """Observations of a UDL-style JSON file or a CCSDS TDM (KVN or XML)."""
    path = Path(source.removeprefix("file://"))
    text = read_text(path, "UDL-style JSON or a CCSDS TDM")
    if text.lstrip("\ufeff \t\r\n").startswith("["):
        return load_records([path], "observations", foreign_markings=policy.foreign_markings)
    messages = parse_messages(text, str(path))
    # ids must not collide between files: without a MESSAGE_ID, name them by the file
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    out: list[Observation] = []
    for number, message in enumerate(messages):
        if message.kind != "TDM":
            raise InputError(
                f"a {message.kind} holds no observations (expected a TDM)", source=str(path)
            )
        prefix = None
        if message.header_value("MESSAGE_ID") is None:
            prefix = f"{path.stem}-{digest}" + (f"-{number}" if len(messages) > 1 else "")
        out += observations_from_tdm(message, default_markings=default, id_prefix=prefix)
    return out


SOURCE_READERS: Mapping[str, SourceReader] = MappingProxyType({"file": _file_observations})


def read_source(source: str, policy: Policy, default: Markings | None) -> list[Observation]:
    """The observations of one ``--from`` source, by its scheme (a path is a file)."""
    scheme = source.partition("://")[0].lower() if "://" in source else "file"
    reader = SOURCE_READERS.get(scheme)
    if reader is None:
        raise InputError(
            f"unsupported source {source!r}: expected a file path "
            f"(schemes: {', '.join(sorted(SOURCE_READERS))})",
            field="from",
        )
    return reader(source, policy, default)


def ingest_command(
    sources: Annotated[
        list[str],
        typer.Option(
            "--from",
            help="UDL-style JSON or CCSDS TDM file (repeat for more), or a stream "
            "nats://host:port to consume durably until Ctrl-C.",
        ),
    ],
    db: DbOption = None,
    marking: Annotated[
        str | None,
        typer.Option(
            "--marking",
            help="Marking for records whose file gives none (a TDM without CLASSIFICATION), "
            "e.g. 'PUBLIC//OWNER USA' (default: refuse unmarked records).",
        ),
    ] = None,
    policy: PolicyOption = None,
    subject: Annotated[
        str | None,
        typer.Option(
            "--subject", help="Stream sources: subject filter (default: beltwatch.observations.>)."
        ),
    ] = None,
    durable: Annotated[
        str | None,
        typer.Option(
            "--durable", help="Stream sources: durable consumer name (default: beltwatch-ingest)."
        ),
    ] = None,
    idle_exit: Annotated[
        float | None,
        typer.Option(
            "--idle-exit",
            help="Stream sources: stop after this many seconds "
            "without a message (default: run until Ctrl-C/SIGTERM).",
        ),
    ] = None,
) -> None:
    """Store observations, idempotently: repeats are counted, a different payload under a
    stored id and invalid records are rejected with the reason. Every file is read before
    anything is stored, so a bad file stores nothing. A stream source is consumed in
    batches, each acknowledged once stored (see docs/stream.md)."""
    if any(is_stream_url(source) for source in sources):
        _ingest_stream(sources, db, subject, durable, idle_exit)
        return
    rules = load_policy(policy)
    default = own_markings(rules, marking) if marking is not None else None
    observations: list[Observation] = []
    for source in sources:
        found = read_source(source, rules, default)
        if not found:
            typer.echo(f"{source}: no RA/Dec observations")
        observations += found
    with open_store(db) as store:
        result = store.add_observations(observations)
        where = store.url
    typer.echo(
        f"inserted {result.inserted}, duplicates {result.duplicates}, "
        f"rejected {len(result.rejected)} into {where}"
    )
    for obs_id, reason in result.rejected[:SHOWN_REJECTIONS]:
        typer.echo(f"  rejected {obs_id or '<no id>'}: {reason}")
    if len(result.rejected) > SHOWN_REJECTIONS:
        typer.echo(f"  ... and {len(result.rejected) - SHOWN_REJECTIONS} more")


def _ingest_stream(
    sources: list[str],
    db: str | None,
    subject: str | None,
    durable: str | None,
    idle_exit: float | None,
) -> None:
    if len(sources) != 1:
        raise InputError(
            "a stream source is consumed alone: give one --from nats://...", field="from"
        )
    if idle_exit is not None and not idle_exit > 0:
        raise InputError(
            f"expected a positive number of seconds, got {idle_exit}", field="idle-exit"
        )
    totals = {"inserted": 0, "duplicates": 0, "rejected": 0}
    with open_store(db) as store:

        def sink(records: list) -> None:
            result = store.add_observations(records)
            totals["inserted"] += result.inserted
            totals["duplicates"] += result.duplicates
            totals["rejected"] += len(result.rejected)
            for obs_id, reason in result.rejected[:SHOWN_REJECTIONS]:
                typer.echo(f"  rejected {obs_id or '<no id>'}: {reason}", err=True)

        consumed = ingest_from_stream(sources[0], subject, durable, sink, idle_exit_s=idle_exit)
        where = store.url
    typer.echo(
        f"inserted {totals['inserted']}, duplicates {totals['duplicates']}, rejected "
        f"{totals['rejected']}, dead-lettered {consumed.dead_lettered} into {where}"
    )
    if consumed.stopped:
        typer.echo(
            "interrupted: every stored batch was acknowledged; the rest comes again", err=True
        )
        raise typer.Exit(EXIT_INTERRUPTED)


# -- keys -------------------------------------------------------------------------------


@keys_app.command("add")
def keys_add(
    partner: Annotated[str, typer.Option("--partner", help="Partner name from the policy.")],
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Make a key for a partner of the policy; its secret is printed once, never stored."""
    name = partner.upper()
    load_policy(policy).partner(name)  # an unknown partner is an error
    with open_store(db) as store:
        key_id, secret = store.add_api_key(name)
    typer.echo(f"key {key_id} for {name}; secret (shown once, store it now):")
    typer.echo(secret)


@keys_app.command("list")
def keys_list(db: DbOption = None) -> None:
    """Every key: id, partner, created, revoked (never a secret)."""
    with open_store(db) as store:
        keys = store.api_keys()
    if not keys:
        typer.echo("no API keys")
    for key in keys:
        revoked = f"revoked {key.revoked.utc.isot}Z" if key.revoked is not None else "active"
        typer.echo(f"{key.key_id}\t{key.partner}\tcreated {key.created.utc.isot}Z\t{revoked}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (from `keys list`).")],
    db: DbOption = None,
) -> None:
    """Revoke a key: its secret no longer authenticates."""
    with open_store(db) as store:
        if not store.revoke_api_key(key_id):
            raise InputError(f"no active key {key_id!r} in {store.url}", field="key_id")
    typer.echo(f"revoked {key_id}")
