"""Import a plan drawn elsewhere (grids as GeoJSON or GeoPackage, or a building → grid
CSV) as a new draft of an area, checked by the same validator as every plan.

The file is bounded twice before it is parsed: by the app's body limit
(WANGGE_API_MAX_BODY_BYTES) and by ``gis.partition.plan_files`` (bytes, rows, grids).
Its rows are checked against the area here; a refused file is a 422 naming file, row
and field, and nothing is stored or queued. Building the draft tessellates the area's
buildings, seconds for a street, so it is a job (``plan_import``): poll it as a plan
job; its result names the new draft.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from api.auth import PlanWriter
from api.dependencies import AREA_CODE
from api.schemas.jobs import Job
from api.schemas.problems import BODY, DATABASE, INPUT, problems
from gis.accounts.scope import check_area
from gis.partition import Rules
from gis.partition.import_job import check_file, job_params
from gis.partition.plan_files import MAX_BYTES, read_plan_file
from gis.places.areas import area_by_code

router = APIRouter(prefix="/api/v1", tags=["plans"], responses=DATABASE | INPUT)


@router.post("/plans/import", status_code=202, response_model=Job, responses=BODY | problems(404))
async def post_import(
    request: Request,
    response: Response,
    user: PlanWriter,
    file: Annotated[
        UploadFile,
        File(
            description=(
                "Grids (.geojson or .gpkg, a code column, polygons) or a building → grid CSV "
                "(.csv, columns building_code, grid_code); at most "
                f"{MAX_BYTES // 1_048_576} MiB and the app's body limit."
            )
        ),
    ],
    area: Annotated[str, Form(pattern=AREA_CODE, description="Area code (12 digits).")],
    name: Annotated[str, Form(min_length=1, max_length=200)] = "imported plan",
    min_households: Annotated[int, Form(ge=1, le=100_000)] = Rules.min_households,
    max_households: Annotated[int, Form(ge=1, le=100_000)] = Rules.max_households,
) -> dict:
    """Start making a draft of ``area`` from a plan file (a job); a bad file is refused
    now, naming file, row and field. The job's result is ``{plan_id, ok, broken_rules}``."""
    db = request.app.state.database
    await db.run(check_area, user, area)  # 403 outside the scope
    await db.run(area_by_code, area)  # 404 for an unknown area, before the file is read
    rules = Rules(min_households=min_households, max_households=max_households)
    data = await file.read(MAX_BYTES + 1)
    plan_file = await run_in_threadpool(read_plan_file, file.filename or "file", data)
    await db.run(check_file, area, plan_file)
    params = job_params(area, name, rules, plan_file, user.name)
    return await request.app.state.jobs.submit("plan_import", params, response, owner=user)
