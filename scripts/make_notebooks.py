#!/usr/bin/env python3
"""Write the analyst notebooks from the cells below.

The notebooks are generated, not hand-edited, so their code stays reviewable here.
Run: .venv/bin/python scripts/make_notebooks.py && .venv/bin/ruff format notebooks
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "notebooks"

CONNECT = """\
from gis.db.engine import make_engine
from gis.settings import DatabaseSettings

# WANGGE_DATABASE_URL, or the embedded cluster under WANGGE_DATA_DIR (`make demo` starts it).
engine = make_engine(DatabaseSettings())"""

HOTSPOTS = [
    new_markdown_cell(
        "# Crime and disorder hotspots (治安乱点)\n\n"
        "Pull incidents from wangge, find hotspots with Gi\\*, local Moran's I, kernel density, "
        "emerging hotspot analysis and the Knox near-repeat test, map them and keep a ledger. "
        "Every result carries its parameters, data window and seed."
    ),
    new_code_cell(CONNECT),
    new_code_cell(
        "from gis.hotspots import read_incidents\n\n"
        "incidents = read_incidents(engine)\n"
        "first, last = incidents.reported_at.min(), incidents.reported_at.max()\n"
        "print(f'{len(incidents):,} incidents from {first:%Y-%m-%d} to {last:%Y-%m-%d}')\n"
        "incidents.groupby('category').size().sort_values(ascending=False)"
    ),
    new_markdown_cell(
        "## Getis-Ord Gi\\* on H3 cells\n\nHot and cold spots at 90/95/99 % "
        "(Gi_Bin), FDR-corrected; 999 conditional permutations, seeded."
    ),
    new_code_cell(
        "from gis.hotspots import getis_ord\n\n"
        "gi = getis_ord(incidents, seed=0)\n"
        "print(gi.params['resolution'], gi.window.n_incidents)\n"
        "hot = gi.to_geodataframe().sort_values('z', ascending=False)\n"
        "hot[['place', 'count', 'z', 'p_sim', 'gi_bin']].head(10)"
    ),
    new_code_cell("gi.to_folium()  # a self-contained map: it opens with no internet"),
    new_markdown_cell("## Local Moran's I: clusters and outliers"),
    new_code_cell(
        "from gis.hotspots import local_moran\n\n"
        "lisa = local_moran(incidents, seed=0)\n"
        "lisa.to_geodataframe()['cluster'].value_counts()"
    ),
    new_markdown_cell("## Kernel density and its densest 5 %"),
    new_code_cell(
        "import tempfile\n\n"
        "from gis.hotspots import kernel_density\n\n"
        "surface = kernel_density(incidents, cell_size=50)\n"
        "print(f'bandwidth {surface.bandwidth:.0f} m ({surface.params[\"bandwidth_rule\"]})')\n"
        "cog = surface.to_cog(tempfile.mkdtemp() + '/density.tif')\n"
        "surface.hotspot_polygons(top_percent=5)"
    ),
    new_markdown_cell("## Emerging hotspots: weekly space-time cube, Mann–Kendall trends"),
    new_code_cell(
        "from gis.hotspots import emerging_hotspots\n\n"
        "emerging = emerging_hotspots(incidents, step='7D')\n"
        "emerging.to_geodataframe()['category'].value_counts()"
    ),
    new_markdown_cell("## Near-repeat: Knox test for public-security incidents"),
    new_code_cell(
        "from gis.hotspots import IncidentFilter, knox_test\n\n"
        "where = IncidentFilter(categories='public_security')\n"
        "knox = knox_test(incidents, where=where, permutations=199, seed=0)\n"
        "knox.to_frame().head(8)"
    ),
    new_markdown_cell("## The hotspot ledger: ranked places to follow from run to run"),
    new_code_cell(
        "from gis.hotspots import build_ledger\n\n"
        "ledger = build_ledger(gi, emerging=emerging)\n"
        "ledger.to_frame().head(10)"
    ),
    new_code_cell(
        "out = tempfile.mkdtemp() + '/hotspots.gpkg'\n"
        "hot.to_file(out, layer='gi')\n"
        "surface.hotspot_polygons().to_file(out, layer='kde')\n"
        "print('exported to', out)"
    ),
]

PLANNING = [
    new_markdown_cell(
        "# Grid planning (网格划分)\n\nDivide a street's communities into grids of a few "
        "hundred households, check the rules, compare two plans and publish one."
    ),
    new_code_cell(CONNECT),
    new_code_cell(
        "from sqlalchemy import text\n\n"
        "with engine.connect() as conn:\n"
        "    street = conn.execute(text(\"SELECT code, name FROM area WHERE level = 'street' "
        'ORDER BY code LIMIT 1")).one()\n'
        "street"
    ),
    new_code_cell(
        "from gis.partition import Rules, partition\n"
        "from gis.partition.store import buildings_under, communities_under\n"
        "from gis.places.areas import area_by_code\n\n"
        "with engine.connect() as conn:\n"
        "    area = area_by_code(conn, street.code)\n"
        "    communities = communities_under(conn, area['id'])\n"
        "    buildings = buildings_under(conn, area['id'])\n"
        "plan = partition(communities, buildings, min_households=60, max_households=120, seed=0)\n"
        "print(plan.report)"
    ),
    new_code_cell("plan.grids.drop(columns='geometry').head(10)"),
    new_markdown_cell("## Two plans in the database, compared"),
    new_code_cell(
        "from gis.partition.publish import diff_plans, publish_plan\n"
        "from gis.partition.store import create_plan\n\n"
        "small = create_plan(engine, street.code, name='60-120', rules=Rules(60, 120))\n"
        "large = create_plan(engine, street.code, name='100-200', rules=Rules(100, 200))\n"
        "with engine.connect() as conn:\n"
        "    diff = diff_plans(conn, large, small)\n"
        "print(f\"{diff['buildings_moved']} buildings ({diff['households_moved']} households) "
        'change grid")'
    ),
    new_code_cell(
        "published = publish_plan(engine, large, published_by='notebook')\n"
        "print(published['status'], published['incidents_relinked'], 'incidents re-linked')"
    ),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, cells in (("hotspots", HOTSPOTS), ("grid_planning", PLANNING)):
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        })  # fmt: skip
        nbformat.write(nb, OUT / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb")


if __name__ == "__main__":
    main()
