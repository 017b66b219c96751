"""Browser libraries installed by `npm ci` at the repo root, served from node_modules/ at run time.

Only the files the page needs are reachable (a table, not the whole of node_modules).
POLICYKG_NODE_MODULES points elsewhere, e.g. for an installed (non-editable) package.
"""
from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

# url name -> path inside node_modules
FILES = {
    "yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}


def node_modules() -> Path | None:
    if env := os.environ.get("POLICYKG_NODE_MODULES"):
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        if (parent / "node_modules").is_dir():
            return parent / "node_modules"
    return None


def file_in(folder: Path, name: str) -> FileResponse:
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or not path.is_file():
        raise HTTPException(404, f"{name}: no such file")
    return FileResponse(path)


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/vendor/{name}")
    def vendor_file(name: str) -> FileResponse:
        root = node_modules()
        if name not in FILES:
            raise HTTPException(404, f"{name}: not a served library file")
        if root is None or not (root / FILES[name]).is_file():
            raise HTTPException(404, f"{name}: not installed; run `npm ci` at the repository root")
        return FileResponse(root / FILES[name])

    return r
