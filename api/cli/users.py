"""`wangge user ...`: accounts from the command line (add, token, list, disable, passwd).

Secrets are printed once, alone on stdout (so ``PW=$(wangge user add ...)`` works),
with what they are on stderr; nothing prints a stored hash.
"""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import engine, say
from gis.accounts.roles import ROLES

user_app = typer.Typer(help="Add users, issue tokens, list, disable, enable, reset passwords.")

SCOPE_HELP = (
    "A district, street or community code, or a grid code of a published plan; "
    "none means everywhere."
)
NameArgument = Annotated[str, typer.Argument(help="User name (what they sign in with).")]


@user_app.command("add")
def user_add(
    name: NameArgument,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    scope: Annotated[str | None, typer.Option(help=SCOPE_HELP)] = None,
) -> None:
    """Create a user and print its one-time password."""
    from gis.accounts import create_user

    with engine().begin() as conn:
        user, password = create_user(conn, name, role, scope=scope)
    where = f"scope {user.scope}" if user.scope else "no scope: everywhere"
    say(f"user {user.name} ({user.role}, {where}) created; its password, shown this once:")
    typer.echo(password)


@user_app.command("token")
def user_token(
    name: NameArgument,
    days: Annotated[int, typer.Option(help="Days until the token expires (1-3650).")] = 90,
) -> None:
    """Issue a bearer token for scripts and mobile clients and print it."""
    from gis.accounts import issue_token

    with engine().begin() as conn:
        token = issue_token(conn, name, days)
    say(f"a token for {name}, valid {days} days (Authorization: Bearer ...), shown this once:")
    typer.echo(token)


@user_app.command("list")
def user_list() -> None:
    """List users: name, role, scope, enabled, last sign-in."""
    from gis.accounts import list_users

    with engine().connect() as conn:
        users = list_users(conn)
    if not users:
        typer.echo("no users yet: wangge user add NAME --role admin creates one")
    for u in users:
        state = "enabled" if u.enabled else "disabled"
        seen = f"{u.last_sign_in_at:%Y-%m-%d %H:%M}" if u.last_sign_in_at else "never"
        typer.echo(f"{u.name:<20} {u.role:<12} {u.scope or '-':<15} {state:<9} "
                   f"signed in: {seen}")  # fmt: skip


@user_app.command("disable")
def user_disable(name: NameArgument) -> None:
    """Refuse the user's sign-ins, tokens and sessions until enabled again."""
    from gis.accounts import disable_user

    with engine().begin() as conn:
        disable_user(conn, name)
    typer.echo(f"user {name} is disabled")


@user_app.command("enable")
def user_enable(name: NameArgument) -> None:
    """Let a disabled user sign in again (its unexpired tokens work again too)."""
    from gis.accounts import enable_user

    with engine().begin() as conn:
        enable_user(conn, name)
    typer.echo(f"user {name} is enabled")


@user_app.command("passwd")
def user_passwd(name: NameArgument) -> None:
    """Give the user a new generated password, end its sessions, and print it once."""
    from gis.accounts import set_password

    with engine().begin() as conn:
        password = set_password(conn, name)
    say(f"new password of {name}, shown this once (its browser sessions are closed):")
    typer.echo(password)
