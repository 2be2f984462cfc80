"""`wangge partition` and `wangge plan ...`: grid plans from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import community_bar, engine

plan_app = typer.Typer(help="List, show, validate, publish and compare grid plans.")

# None means the default of gis.partition.Rules, the one home of the bounds' defaults.
MinOption = Annotated[
    int | None, typer.Option("--min", help="Fewest households per grid [default: Rules, 240].")
]
MaxOption = Annotated[
    int | None, typer.Option("--max", help="Most households per grid [default: Rules, 360].")
]


def partition(
    area: Annotated[
        str | None, typer.Option(help="Area code: a community, street or district.")
    ] = None,
    min_households: MinOption = None,
    max_households: MaxOption = None,
    target: Annotated[float | None, typer.Option(help="Preferred households per grid.")] = None,
    max_area_km2: Annotated[
        float | None, typer.Option("--max-area-km2", help="Largest grid area.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Name of the draft plan.")] = None,
    seed: Annotated[int, typer.Option(help="Same input and seed, same plan.")] = 0,
    communities: Annotated[Path | None, typer.Option(help="File mode: community polygons.")] = None,
    buildings: Annotated[
        Path | None, typer.Option(help="File mode: buildings with households.")
    ] = None,
    barriers: Annotated[
        Path | None, typer.Option(help="File mode: lines grids should follow.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="File mode: the GeoPackage to write.")] = None,
    community_id: Annotated[
        str, typer.Option(help="File mode: community id column.")
    ] = "community_id",
    building_id: Annotated[str, typer.Option(help="File mode: building id column.")] = "id",
    households: Annotated[
        str, typer.Option(help="File mode: household count column.")
    ] = "households",
    crs: Annotated[str | None, typer.Option(help="File mode: CRS of files without one.")] = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="File mode: make invalid footprints valid.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="List every issue, not a summary.")
    ] = False,
) -> None:
    """Divide communities into grids: a draft plan in the database (--area), or files."""
    from gis.errors import InvalidInput
    from gis.partition import Rules

    bounds = {"min_households": min_households, "max_households": max_households}
    given = {k: v for k, v in bounds.items() if v is not None}
    rules = Rules(**given, target_households=target, max_area_km2=max_area_km2)
    bar, update = community_bar("partitioning")
    with bar:
        if communities or buildings or out:
            if not (communities and buildings and out):
                raise InvalidInput("file mode needs --communities, --buildings and --out")
            from gis.partition import partition_files

            plan = partition_files(
                communities, buildings, out, community_id=community_id, building_id=building_id,
                households=households, crs=crs, min_households=rules.min_households,
                max_households=rules.max_households, target=target, max_area_km2=max_area_km2,
                barriers_path=barriers, seed=seed, progress=update, repair=repair,
            )  # fmt: skip
            report = plan.report
            where = f"wrote {len(plan.grids)} grids to {out} (layers grids, assignment)"
        elif area:
            from gis.partition.store import create_plan, plan_row, stored_report

            eng = engine()
            plan_id = create_plan(
                eng, area, name=name or f"plan for {area}", rules=rules, seed=seed,
                progress=update,
            )  # fmt: skip
            with eng.connect() as conn:
                row = plan_row(conn, plan_id)
            report = stored_report(row)
            where = (
                f"draft plan {plan_id} ({row['grids']} grids); "
                f"publish it with: wangge plan publish {plan_id}"
            )
        else:
            raise InvalidInput("give --area CODE, or --communities, --buildings and --out")
    typer.echo(str(report) if verbose else report.summary())
    typer.echo(where)


@plan_app.command("list")
def plan_list(
    area: Annotated[str | None, typer.Option(help="Only plans of this area and below.")] = None,
) -> None:
    """List plans: id, status, version, area, grids."""
    from gis.partition.store import list_plans

    with engine().connect() as conn:
        rows = list_plans(conn, area)
    if not rows:
        typer.echo("no plans yet: wangge partition --area CODE creates one")
    for r in rows:
        typer.echo(
            f"{r['id']:>5}  {r['status']:<9} v{r['version']:<3} {r['area_code']}  "
            f"{r['grids']:>5} grids  {r['name']}"
        )


@plan_app.command("show")
def plan_show(plan_id: Annotated[int, typer.Argument(help="Plan id.")]) -> None:
    """Show a plan's parameters and stored report."""
    from gis.partition.store import plan_row, stored_report

    with engine().connect() as conn:
        row = plan_row(conn, plan_id)
    params = {k: v for k, v in row["params"].items() if k != "report"}
    typer.echo(f"plan {row['id']} '{row['name']}': {row['status']}, version {row['version']}, "
               f"area {row['area_code']} {row['area_name']}, {row['grids']} grids")  # fmt: skip
    typer.echo(f"parameters: {json.dumps(params, ensure_ascii=False)}")
    typer.echo(str(stored_report(row)))


@plan_app.command("validate")
def plan_validate(plan_id: Annotated[int, typer.Argument(help="Plan id.")]) -> None:
    """Check a plan against the rules for today's buildings; exit 1 if a rule is broken."""
    from gis.partition.store import validate_stored

    report = validate_stored(engine(), plan_id)
    typer.echo(str(report))
    if not report.ok:
        raise typer.Exit(1)


@plan_app.command("publish")
def plan_publish(
    plan_id: Annotated[int, typer.Argument(help="Plan id of a draft.")],
    by: Annotated[str | None, typer.Option(help="Who publishes (recorded).")] = None,
) -> None:
    """Make a draft the published plan of its area; re-link incidents to its grids."""
    from gis.partition.publish import publish_plan

    row = publish_plan(engine(), plan_id, published_by=by)
    typer.echo(f"plan {plan_id} is published for {row['area_code']} {row['area_name']}; "
               f"{row['incidents_relinked']:,} incidents re-linked to its grids")  # fmt: skip


@plan_app.command("diff")
def plan_diff(
    plan_id: Annotated[int, typer.Argument(help="The newer plan.")],
    against: Annotated[int, typer.Argument(help="The plan to compare with.")],
    moves: Annotated[bool, typer.Option(help="List every moved building.")] = False,
) -> None:
    """Buildings and households that change grid, grids that appear or disappear."""
    from gis.partition.publish import diff_plans

    with engine().connect() as conn:
        d = diff_plans(conn, plan_id, against)
    typer.echo(f"plan {plan_id} against {against}: {d['buildings_moved']:,} buildings "
               f"({d['households_moved']:,} households) change grid")  # fmt: skip
    typer.echo(f"grids added: {', '.join(d['grids_added']) or 'none'}")
    typer.echo(f"grids removed: {', '.join(d['grids_removed']) or 'none'}")
    if moves:
        for m in d["moves"]:
            typer.echo(f"  {m['building']}: {m['from_grid'] or '-'} -> {m['to_grid'] or '-'}")
