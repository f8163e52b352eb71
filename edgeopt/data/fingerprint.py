"""A cheap fingerprint of a dataset source, so a changed file or folder invalidates the cached data stage."""

from __future__ import annotations

from pathlib import Path


def source_fingerprint(cfg, recipe_dir: Path) -> dict:
    if cfg.source == "digits":
        import sklearn

        return {"sklearn": sklearn.__version__}
    path = recipe_dir / cfg.path
    if path.is_file():
        st = path.stat()
        return {"file": str(path.resolve()), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    if path.is_dir():
        entries = sorted(
            (str(p.relative_to(path)), p.stat().st_size, p.stat().st_mtime_ns) for p in path.rglob("*") if p.is_file()
        )
        from edgeopt.hashing import sha256_json

        return {"folder": str(path.resolve()), "files": len(entries), "listing_sha256": sha256_json(entries)}
    return {"missing": str(path)}
