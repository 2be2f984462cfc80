"""Web pages, served with all their assets by wangge itself (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.schemas.base import body_of
from api.schemas.problems import problems
from gis.errors import SetupError

STATIC = Path(__file__).resolve().parents[1] / "static"
VENDOR_FILES = ("maplibre-gl.js", "maplibre-gl.css", "noto-sans-sc/index.css")

router = APIRouter(tags=["pages"])


def _page(name: str) -> FileResponse:
    missing = [f for f in VENDOR_FILES if not (STATIC / "vendor" / f).exists()]
    if missing:
        raise SetupError(
            f"the page's assets are missing ({', '.join(missing)}): "
            "run `make setup` (it runs scripts/fetch_assets.py)"
        )
    return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})


@router.get(
    "/",
    response_class=FileResponse,
    responses={200: body_of("text/html", "The page.", fmt=""), **problems(503)},
)
def drilldown() -> FileResponse:
    """The drill-down map: district → street → community → grid → building → household."""
    return _page("index.html")
