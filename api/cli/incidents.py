"""`wangge incidents ...`: the incident catalogue from the command line (list, edit)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import engine, say

incidents_app = typer.Typer(help="The incident catalogue: list its categories, add or edit one.")


@incidents_app.command("categories")
def list_categories(
    all_: Annotated[bool, typer.Option("--all", help="Retired categories too.")] = False,
) -> None:
    """List the catalogue: code, kind, names, deadline hours per urgency, default unit."""
    from gis.incidents import categories

    with engine().connect() as conn:
        rows = categories(conn, active_only=not all_)
    for c in rows:
        hours = "/".join(str(c[f"hours_{u}"]) for u in ("low", "normal", "high", "critical"))
        retired = "" if c["active"] else "  (retired)"
        typer.echo(f"{c['code']:<22} {c['kind']} {c['name_zh']} ({c['name_en']})  "
                   f"{hours} h  {c['default_unit']}{retired}")  # fmt: skip


@incidents_app.command("category")
def edit_category(
    code: Annotated[str, typer.Argument(help="The category's code (lowercase, a-z 0-9 _).")],
    name_zh: Annotated[str | None, typer.Option(help="Chinese name.")] = None,
    name_en: Annotated[str | None, typer.Option(help="English name.")] = None,
    kind: Annotated[str | None, typer.Option(help="事件 (event) or 部件 (component).")] = None,
    major: Annotated[str | None, typer.Option(help="Major class (大类).")] = None,
    hours: Annotated[
        str | None, typer.Option(help="Deadline hours for low,normal,high,critical: 168,72,24,4.")
    ] = None,
    urgency: Annotated[str | None, typer.Option(help="Default urgency.")] = None,
    unit: Annotated[str | None, typer.Option(help="Default handling unit.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--retired", help="Offer it, or retire it.")
    ] = None,
) -> None:
    """Add a category, or change what is given of one (the rest stays)."""
    from gis.errors import InvalidInput
    from gis.incidents import save_category

    values = {"code": code, "name_zh": name_zh, "name_en": name_en, "kind": kind,
              "major": major, "default_urgency": urgency, "default_unit": unit,
              "active": active}  # fmt: skip
    if hours is not None:
        try:
            low, normal, high, critical = (int(h) for h in hours.split(","))
        except ValueError:
            raise InvalidInput(f"--hours takes four whole numbers, not {hours!r}") from None
        values |= {"hours_low": low, "hours_normal": normal, "hours_high": high,
                   "hours_critical": critical}  # fmt: skip
    with engine().begin() as conn:
        saved = save_category(conn, values)
    say(f"category {saved['code']} saved ({saved['name_zh']}, {saved['default_unit']})")
