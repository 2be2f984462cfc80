#!/usr/bin/env python3
"""Fetch the page's JavaScript/CSS from the npm registry into api/static/vendor/.

Pinned versions, checked against their registry integrity hashes, so the pages
need no CDN at run time and work on an isolated intranet. Stdlib only: it runs
before the virtual environment exists and needs neither node nor npm.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = os.environ.get("WANGGE_NPM_REGISTRY", "https://registry.npmjs.org")
VENDOR = Path(__file__).resolve().parents[1] / "api" / "static" / "vendor"

# name, version, sha512 integrity, {file or folder/ in the package: place in vendor/}
ASSETS = [
    (
        "maplibre-gl",
        "5.24.1",
        "HyiYBwtsbk3L1n1EPLJHWqdoyMiF80n7tEYXFZyu2m1TjvaNx6KMLiFeDdmszt1/mq2zvsR1TJuX/NMu5BonXQ==",
        {"dist/maplibre-gl.js": "maplibre-gl.js", "dist/maplibre-gl.css": "maplibre-gl.css"},
    ),
    (  # Chinese labels on machines without a CJK font (OFL), split by unicode-range
        "@fontsource-variable/noto-sans-sc",
        "5.3.1",
        "UB96JJ17HyD5ehEU7Em0hDdh7fvTMB4B4Hzmq5c4QaNwwSLqTrdM2S+coySeBqCkXwh0DxqXT0b0wMrmzorFpQ==",
        {
            "index.css": "noto-sans-sc/index.css",
            "LICENSE": "noto-sans-sc/LICENSE",
            "files/": "noto-sans-sc/files/",
        },
    ),
    (  # drawing on the map (the planner page's box, lasso and split line), MIT
        "terra-draw",
        "1.35.0",
        "uQI8lcPiUMqwVV29CexTfvT/AM4lGHtA+xWraW4njVExiM1+eGvRetYOBXmXEmgy5pL4X2dmjwMRH8JEYVtbgw==",
        {"dist/terra-draw.umd.js": "terra-draw.umd.js"},
    ),
    (  # terra-draw's MapLibre GL adapter, MIT
        "terra-draw-maplibre-gl-adapter",
        "1.4.1",
        "qZ/bc9bVPnyt0keLVTofV8xiTPkdkbO6RzqrfNLe9zH/edW5PsjvJw97m1EksPZeXNJtFxsVbhi12cPaoNiWfg==",
        {"dist/terra-draw-maplibre-gl-adapter.umd.js": "terra-draw-maplibre-gl-adapter.umd.js"},
    ),
    (  # camera streams (HLS) on the command page, loaded when a stream is opened, Apache-2.0
        "hls.js",
        "1.7.4",
        "3GlxGdPvT2YHvQYOt+yOzT/DEior/qJVNIylHA77kgeoBTdQQqi70GwefNEUmHQeNGyjC8U62+bruqW/Tpm+tg==",
        {
            "dist/hls.min.mjs": "hls.min.mjs",
            "dist/hls.worker.js": "hls.worker.js",
            "LICENSE": "hls.js-LICENSE",
        },
    ),
    (  # the assessment panel's small trend charts on the command page, MIT
        "uplot",
        "1.6.32",
        "KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==",
        {
            "dist/uPlot.esm.js": "uPlot.esm.js",
            "dist/uPlot.min.css": "uPlot.min.css",
            "LICENSE": "uPlot-LICENSE",
        },
    ),
]


def fetch(name: str, version: str, integrity: str, files: dict[str, str]) -> None:
    stamp = VENDOR / f".{name.replace('/', '_')}-{version}"
    if stamp.exists() and all((VENDOR / f).exists() for f in files.values()):
        return
    url = f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"
    print(f"fetch-assets: downloading {name}@{version}", file=sys.stderr)
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        raise SystemExit(f"fetch-assets: {name}@{version} does not match its integrity hash")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = {m.name.removeprefix("package/"): m for m in tar.getmembers() if m.isfile()}
        for source, target in files.items():
            chosen = [
                n for n in members if n == source or (source.endswith("/") and n.startswith(source))
            ]
            if not chosen:
                raise SystemExit(f"fetch-assets: {name}@{version} has no {source}")
            for member_name in chosen:
                path = (
                    VENDOR / target / member_name.removeprefix(source)
                    if source.endswith("/")
                    else VENDOR / target
                )
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(tar.extractfile(members[member_name]).read())
    stamp.touch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    for asset in ASSETS:
        fetch(*asset)


if __name__ == "__main__":
    main()
