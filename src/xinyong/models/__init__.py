"""The ORM models, one module per table family. Importing this package registers them all."""

from .audit import AuditEvent
from .catalog import CatalogItem
from .record import Batch, BatchReject, Record, RecordHistory
from .subject import Subject
from .unit import Unit, UnitInquiryItem, UnitProvides, UnitToken

__all__ = [
    "AuditEvent",
    "Batch",
    "BatchReject",
    "CatalogItem",
    "Record",
    "RecordHistory",
    "Subject",
    "Unit",
    "UnitInquiryItem",
    "UnitProvides",
    "UnitToken",
]
