"""Environments: the base spec with an overlay applied (maps merge, lists replace, null removes)."""

from __future__ import annotations

from typing import Any

from stagespec.load.document import Document, Path


def merge(base: Any, overlay: Any) -> Any:
    """Apply `overlay` to `base`; neither is changed."""
    if not (isinstance(base, dict) and isinstance(overlay, dict)):
        return overlay
    merged = dict(base)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge(base.get(key), value)
    return merged


def environment_document(doc: Document, name: str) -> Document:
    """The document of one environment: merged data, with the overlay's own positions."""
    overlay = (doc.data.get("environments") or {}).get(name) or {}
    base = {k: v for k, v in doc.data.items() if k != "environments"}
    prefix: Path = ("environments", name)
    spans, key_spans = doc.overlay_spans(prefix)
    data = merge(base, overlay) if isinstance(overlay, dict) else base
    return Document(file=doc.file, text=doc.text, data=data, spans=spans, key_spans=key_spans)
