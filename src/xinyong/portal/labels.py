"""Codes as people read them: ``label("subject_kind", "natural_person")`` → 自然人 / Natural person.

Each domain maps the codes stored on the platform to English message ids, translated by gettext
(``i18n``). An unknown code is shown as it is (never an error: a new code must not break a page).
"""

from __future__ import annotations

from .i18n import gettext as _

LABELS: dict[str, dict[str, str]] = {
    # requests (/me/objections, /me/remedies, /me/restorations)
    "objection_step": {"note": "Noting", "decide": "Decision", "transfer": "Transfer to the providing unit",
                       "provider-decide": "Decision by the providing unit", "inform": "Telling you the decision"},
    "objection_party": {"center": "The Center", "provider": "The providing unit",
                        "credit-service": "The credit service establishment"},
    "objection_status": {"filed": "Filed", "noted": "Noted", "transferred": "Transferred", "decided": "Decided",
                         "closed": "Closed"},
    "objection_kind": {"error": "An error in a record", "omission": "An omission",
                       "unlawful-collection": "Unlawful collection or provision", "rights": "Other rights"},
    "objection_outcome": {"corrected": "Corrected", "upheld": "Upheld", "deleted": "Deleted",
                          "resolved": "Resolved", "rejected": "Rejected"},
    "remedy_status": {"pending": "Pending", "upheld": "Entry upheld", "revoked": "Entry revoked"},
    "remedy_decider": {"organ": "The listing organ", "reconsideration": "A reconsideration organ", "court": "A court"},
    "restoration_status": {"applied": "With the deciding organ", "granted": "Granted", "refused": "Refused"},
    "restoration_measure": {"fulfilled": "Obligations fulfilled", "deferral": "Deferral applied for",
                            "explanation": "Explained", "other": "Otherwise"},
    # commitments (/me/commitments, /unit/commitments: Art. 13.2)
    "commitment_form": {"commitment": "Credit commitment", "declaration": "Declaration",
                        "self_report": "Self-report"},
    "commitment_kind": {"approval_substitute": "Commitment in place of approval",
                        "deficiency_accepted": "Accepted with documents to follow",
                        "certification": "Commitment in place of a certificate",
                        "restoration": "Credit restoration commitment",
                        "industry_self_discipline": "Industry self-discipline commitment",
                        "voluntary": "Voluntary commitment", "other": "Other"},
    "commitment_status": {"declared": "With the accepting unit", "accepted": "Accepted: being fulfilled",
                          "declined": "Declined", "fulfilled": "Fulfilled", "partly_fulfilled": "Partly fulfilled",
                          "not_fulfilled": "Not fulfilled"},
    "commitment_disclosure": {"public": "Public", "scope": "Within a scope", "not_public": "Not public"},
    # /unit (portal/unit.py)
    "exchange_partner_kind": {"national": "the national sharing platform", "province": "another province's platform",
                              "city": "a system of the city's"},
    "exchange_act": {"correct": "corrections", "withdraw": "withdrawals", "revoke": "revocations",
                     "delete": "deletions", "restore": "restorations", "already_done": "already done", "unknown_record": "record not received",
                     "not_applicable": "not applicable", "unknown_action": "unknown act"},
    "batch_status": {"received": "Received", "queued": "Waiting for the worker", "running": "Importing",
                     "interrupted": "Interrupted", "done": "Done", "failed": "Failed"},
    "record_status": {"active": "In force", "withdrawn": "Withdrawn", "restored": "Credit restored",
                      "revoked": "Revoked", "ended": "Ended"},
    "record_action": {"correct": "Corrected", "withdraw": "Withdrawn", "revoke": "Revoked",
                      "restore": "Credit restored", "delete": "Deleted on a decision",
                      "objection-correct": "Corrected on an objection"},
    "record_action_done": {"correct": "The correction was recorded.", "withdraw": "The record was withdrawn.",
                           "revoke": "The revocation was recorded: the record is no longer served.",
                           "restore": "The credit restoration was recorded."},
    "revoked_by": {"organ": "The deciding organ", "reconsideration": "A reconsideration organ", "court": "A court"},
    "record_field": {"content": "Content", "facts": "Facts", "legal_basis": "Legal basis", "category": "Category",
                     "act_type": "Type of violation", "cert_name": "Certificate", "licence_no": "Licence number",
                     "valid_from": "Valid from", "valid_until": "Valid until", "procedure": "Procedure",
                     "severity": "Severity", "slight": "Slight", "conduct_date": "Date of the conduct",
                     "ended_on": "Ended on", "doc_date": "Decision date", "doc_org": "Issuing organ",
                     "doc_name": "Document name", "amount_yuan": "Amount (yuan)", "fine_wan": "Fine (10,000 yuan)",
                     "confiscated_wan": "Confiscated (10,000 yuan)", "remarks": "Remarks",
                     "legal_rep": "Legal representative", "subject_class": "Kind of subject",
                     "publicity_until": "Publicised until", "licence_affected": "Licence affected",
                     "source_unit": "Source unit", "amount_unit": "Unit of amount"},
    "subject_kind": {
        "natural_person": "Natural person",
        "organization": "Legal person or unincorporated organization",
        "government_organ": "Government organ",
    },
    "bool": {"true": "yes", "false": "no", "True": "yes", "False": "no"},
    # unitwork: a unit's objection steps, outcomes and the pre-decision check (Art. 28–36)
    "unitwork_step": {
        "note": "Note the objection", "transfer": "Transfer to the providing unit",
        "decide": "Decide", "provider-decide": "Decide (providing unit)", "inform": "Inform the objector",
    },
    "unitwork_party": {
        "center": "The Center", "provider": "The providing unit", "credit-service": "Credit service establishment",
    },
    # the oversight register (/oversight, xinyong.oversight.register)
    "oversight_state": {
        "attempt": "Attempt: no sanction", "open": "Open: no decision yet", "decided": "Decided",
        "order_pending": "Order to correct: deadline pending", "deadline_passed": "Order to correct: deadline passed",
    },
    "oversight_outcome": {
        "no_breach": "No breach", "interview": "Interview", "order_to_correct": "Order to correct",
        "warning": "Warning", "circulated_criticism": "Circulated criticism", "fine": "Fine",
        "corrected": "Corrected", "referred": "Referred to another law's authority",
    },
    "oversight_party": {
        "organ": "The organ (providing or inquiring unit)", "center": "The Center",
        "credit-service": "Credit service establishment", "staff": "Staff of an organ", "any": "Anyone",
    },
    "oversight_authority": {
        "supervisor": "The social credit supervisor",
        "superior-or-supervisor": "The organ's superior department or the social credit supervisor",
        "disciplining-organ": "The organ that disciplines the staff member",
        "infosec-authority": "The information-security authority",
        "pipl-authority": "The personal information protection authorities",
        "none": "None",
    },
    "oversight_kind": {
        "provider-late-step": "A providing unit late on its objection step",
        "outside-published-list": "An inquiry outside the organ's published list",
        "refused-inquiry": "Refused inquiries (attempts)",
        "center-inquiry": "The Center's inquiry for a unit from its console",
        "verification-failure": "An audit verification failed",
        "center-late-step": "The Center late on its objection step",
        "credit-service-late-step": "A credit service establishment late on its objection step",
        "late-deletion": "A deletion past its deadline",
        "late-restoration": "A restoration past its deadline",
        "staff-abuse": "Staff abusing their powers",
        "personal-information": "A breach another law sanctions (personal information)",
    },
    "unitwork_objection_kind": {
        "error": "Error in the information", "omission": "Omission",
        "unlawful-collection": "Unlawful collection or provision", "rights": "Infringement of lawful rights",
    },
    "unitwork_objection_status": {
        "filed": "Filed", "noted": "Noted", "transferred": "Transferred", "decided": "Decided", "closed": "Closed",
    },
    "unitwork_outcome": {
        "corrected": "Corrected", "upheld": "Upheld (no change)", "deleted": "Deleted",
        "resolved": "Resolved", "rejected": "Rejected",
    },
    "unitwork_path": {
        "center": "Within the Center's own scope (Art. 36.2(1))",
        "provider": "Within the providing unit's scope (Art. 36.2(2))",
    },
    "unitwork_basis_kind": {"regulation": "Set by the regulation", "platform-policy": "Platform policy"},
    "unitwork_measure_kind": {"incentive": "Incentive", "punishment": "Punishment", "restriction": "Restriction"},
    "unitwork_basis_level": {
        "law": "Law", "administrative-regulation": "Administrative regulation",
        "local-regulation": "Local regulation", "policy": "Policy document",
        "departmental-rule": "Departmental rule",
    },
    "unitwork_marker": {"under_objection": "Under objection", "restored": "Credit restored"},
    "unitwork_relation": {"subject": "The subject itself", "responsible": "As a responsible person (Art. 33)"},
    "shell_marker": {"under_objection": "Under objection", "restored": "Restored"},
    "shell_procedure": {"ordinary": "Ordinary procedure", "simplified": "Simplified procedure"},
    "shell_severity": {"slight": "Slight", "general": "General", "serious": "Serious"},
    "shell_field": {
        "category": "Category", "act_type": "Type of violation", "content": "Content", "facts": "Facts",
        "legal_basis": "Legal basis", "cert_name": "Certificate", "licence_no": "Licence number",
        "valid_from": "Valid from", "valid_until": "Valid until", "procedure": "Procedure", "severity": "Severity",
    },
    # console / oversight (portal/console.py, portal/oversight.py)
    "console_token_state": {"live": "In use", "expired": "Expired", "revoked": "Revoked"},
    "console_job_status": {"running": "Running", "ok": "Succeeded", "failed": "Failed"},
    "console_asker": {"public": "The public", "subject": "A subject (its own information)",
                      "console": "The platform's console", "unauthenticated": "Not signed in"},
    "console_item_state": {"proposed": "Proposed", "under-assessment": "Under assessment",
                           "public-comment": "Out for public comment", "approved": "Approved",
                           "published": "Published", "retired": "Retired"},
    "public_item_class": {"untrustworthy": "Untrustworthiness information", "neutral": "Other public credit information",
                          "positive": "Trustworthiness information"},
    "public_disclosure": {"public": "Public", "authorized": "With the subject's authorization",
                          "restricted": "Restricted: only where a law allows"},
    # the restricted kinds of Art. 14.2 (catalog field marks, consents)
    "restricted_kind": {"income": "Income", "deposits": "Deposits", "securities": "Securities",
                        "commercial-insurance": "Commercial insurance", "real-estate": "Real estate",
                        "tax-amount": "Tax amounts"},
    "public_item_state": {"proposed": "Proposed", "under-assessment": "Under assessment",
                          "public-comment": "Out for public comment", "approved": "Approved", "published": "Published",
                          "retired": "Retired"},
    "catalog_proposal_state": {"proposed": "Proposed", "in_draft": "In a draft", "published": "Published",
                               "withdrawn": "Withdrawn"},
    "catalog_draft_state": {"compiled": "Compiled", "out_for_comment": "Out for public comment",
                            "approved": "Approved by the deliberative body", "published": "Published"},
    "public_record_format": {"general": "general format", "CF": "administrative penalties, CF",
                             "XK": "administrative licences, XK"},
    "public_measure_kind": {"incentive": "Incentive (Art. 29)", "punishment": "Punishment (Art. 30)",
                            "restriction": "Restriction (Art. 31)"},
    "public_announced_in": {"gazette": "Shanghai Municipal People's Government Gazette",
                            "credit-shanghai": "Credit Shanghai website (信用上海)",
                            "national-memorandum": "A national memorandum on joint rewards and punishments"},
    "public_basis_level": {"law": "Law", "administrative-regulation": "Administrative regulation",
                           "local-regulation": "Local regulation", "policy": "Policy document",
                           "departmental-rule": "Departmental rule", "judicial-interpretation": "Judicial interpretation"},
    "public_list_kind": {"black": "List of seriously untrustworthy subjects", "red": "List of trustworthy subjects"},
    "public_list_state": {"draft": "Standard put out for comment", "published": "Published", "withdrawn": "Withdrawn"},
    # me (portal/me.py): the record content's fields on the subject's own page
    "me_field": {
        "legal_rep": "Legal representative", "act_type": "Type of violation", "facts": "Facts",
        "legal_basis": "Legal basis", "category": "Category", "content": "Content",
        "fine_wan": "Fine (10,000 yuan)", "confiscated_wan": "Confiscated gains (10,000 yuan)",
        "licence_affected": "Licence suspended or revoked", "valid_from": "Valid from", "valid_until": "Valid until",
        "publicity_until": "Published until", "doc_name": "Title of the document", "cert_name": "Certificate",
        "licence_no": "Licence number", "status": "Status", "remarks": "Remarks", "severity": "Severity",
        "procedure": "Procedure", "slight": "Slight violation", "other_ids": "Other codes",
    },
    "me_severity": {"slight": "Slight", "general": "General", "serious": "Serious"},
    "me_procedure": {"ordinary": "Ordinary procedure", "simplified": "Simplified procedure"},
    "unit_kind": {
        "administrative": "Administrative organ",
        "judicial": "Judicial organ",
        "public-enterprise": "Public enterprise",
        "public-institution": "Public institution",
        "credit-service": "Credit service establishment",
        "enterprise": "Enterprise",
        "operator": "The Center (operator)",
        "supervisor": "Supervisor (competent department for social credit)",
        "platform": "Another credit information platform",
    },
}


def label(domain: str, code) -> str:
    if code is None:
        return ""
    key = str(code)
    found = LABELS.get(domain, {}).get(key)
    return _(found) if found else key
