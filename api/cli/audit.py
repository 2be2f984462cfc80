"""`wangge audit ...`: check the audit log's hash chain, list its entries.

Both sign in as the database's owner, which may read the log (the API's role may not).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from api.cli.common import engine

audit_app = typer.Typer(help="Verify the audit log's hash chain and list its entries.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute every entry's hash; exit 0 if the chain holds, 1 with the first broken
    entry and why (changed, link changed, entries deleted)."""
    from gis.audit import verify

    with engine().connect() as conn:
        check = verify(conn)
    typer.echo(check.summary(), err=not check.intact)
    if not check.intact:
        raise typer.Exit(1)


@audit_app.command("list")
def audit_list(
    actor: Annotated[str | None, typer.Option(help="Only this user's entries.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action: read, unmask...")] = None,
    object_id: Annotated[str | None, typer.Option(help="Only entries about this code.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Only entries from this time on (ISO 8601).")
    ] = None,
    after: Annotated[int, typer.Option(help="Only entries after this id.", min=0)] = 0,
    limit: Annotated[int, typer.Option(help="At most this many entries (1-500).")] = 50,
) -> None:
    """List entries in id order: id, time, actor (role), action, object, purpose."""
    from gis.audit import entries

    with engine().connect() as conn:
        page = entries(conn, actor=actor, action=action, object_id=object_id, since=since,
                       after=after, limit=limit, as_owner=True)  # fmt: skip
    if not page["items"]:
        typer.echo("no entries")
    for e in page["items"]:
        who = f"{e['actor']} ({e['role'] or '-'})"
        what = f"{e['object_type']} {e['object_id'] or '-'}"
        why = f"  purpose: {e['purpose']}" if e["purpose"] else ""
        typer.echo(f"{e['id']:>8} {e['at']:%Y-%m-%d %H:%M:%S} {who:<28} {e['action']:<8} "
                   f"{what} from {e['source'] or '-'}{why}")  # fmt: skip
    if page["next_after"] is not None:
        typer.echo(f"more: --after {page['next_after']}", err=True)
