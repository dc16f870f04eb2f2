"""The ORM models, one module per table family. Importing this package registers them all."""

from .audit import AuditCheckpoint, AuditEvent
from .catalog import CatalogAssessment, CatalogComment, CatalogDraft, CatalogItem, CatalogProposal, CatalogVersion
from .commitment import CreditCommitment  # noqa: F401
from .exchange import (ExchangeExport, ExchangeImport, ExchangeObjection, ExchangePartner,  # noqa: F401
                       ExchangeReceived)
from .inquiry import Authorization, ConsentNotice, InquiryLog
from .notice import Notice, NoticeMail, SubjectContact  # noqa: F401
from .listing import CreditList, ListComment, ListEntry, ListEntryPerson, ListRemedy  # noqa: F401
from .measure import Measure, MeasureApplication, MeasureCheck  # noqa: F401
from .objection import Objection, ObjectionRecord, ObjectionStep  # noqa: F401
from .oversight import OversightDecision  # noqa: F401
from .publication import ServiceNorm  # noqa: F401
from .record import Batch, BatchReject, Record, RecordAction, RecordHistory, RecordTombstone
from .report import CreditReport, CreditReportPdf  # noqa: F401
from .restoration import RestorationApplication  # noqa: F401
from .subject import Subject, SubjectChange, SubjectIdentifier  # noqa: F401
from .unit import Officer, Unit, UnitInquiryItem, UnitInquiryList, UnitProvides, UnitToken
from .websession import WebSession  # noqa: F401
from .worker import AuditVerification, WorkerJob  # noqa: F401

__all__ = [
    "AuditCheckpoint",
    "AuditEvent",
    "Authorization",
    "ConsentNotice",
    "InquiryLog",
    "Officer",
    "Batch",
    "BatchReject",
    "CatalogAssessment",
    "CatalogComment",
    "CatalogDraft",
    "CatalogItem",
    "CatalogProposal",
    "CatalogVersion",
    "Record",
    "RecordAction",
    "RecordHistory",
    "RecordTombstone",
    "Subject",
    "Unit",
    "UnitInquiryItem",
    "UnitInquiryList",
    "UnitProvides",
    "UnitToken",
]
