from __future__ import annotations

from pydantic import Field

from ..schemas import InModel, ReadModel


class ExportIn(InModel):
    since: str | None = Field(None, max_length=64, description="The watermark of the last export received "
                              "(its manifest's `watermark`); none: everything the platform may receive")


class ExportBundle(InModel):
    manifest: str = Field(..., max_length=1_000_000, description="The manifest's exact text (what was signed)")
    signature: str = Field(..., max_length=200, description="The Ed25519 signature of the manifest (base64url)")
    files: dict[str, str] = Field(..., description="Each file the manifest lists, by name: its text (JSON Lines)")


class ExportRead(ReadModel):
    export_id: int
    watermark: str
    manifest: str
    signature: str
    files: dict[str, str]


class ImportedFileRead(ReadModel):
    batch_id: str
    rows: int
    accepted: int
    already_present: int
    rejected: int


class ImportRead(ReadModel):
    import_id: int | None
    already_imported: bool
    files: dict[str, ImportedFileRead]
    changes: dict[str, int]
    objections_received: int
    decisions_received: int
    notices: list[str]
