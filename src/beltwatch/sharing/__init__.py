"""Markings, releasability policy, sanitisation and the audit log of releases.

* :class:`Policy` (:func:`load_policy`, default: the shipped, plainly
  illustrative ``default_policy.toml``): ordered levels, named groups of nations,
  partners with their clearance, sanitisation rules.
* :meth:`Policy.releasable` is the decision; :func:`release` is the one gate every
  export path (Python, CLI, later HTTP and stream) goes through; :func:`export`
  encodes, writes and audits.
* :meth:`Policy.combine` gives derived records the most restrictive combination
  of their inputs' markings.
* :func:`append_audit` / :func:`verify_audit_log`: append-only, hash-chained JSON lines.
* :class:`ElementFit`: how orbit states become SGP4 element sets for OMM exports
  (and for ``sgp4_elements`` sanitisation rules).
"""

from beltwatch.sharing._audit import AuditCheck, append_audit, verify_audit_log
from beltwatch.sharing._elements import ElementFit
from beltwatch.sharing._export import ExportResult, encode_release, export
from beltwatch.sharing._formats import (
    EncodeOptions,
    ProductFormat,
    format_names,
    formats_for,
    product_format,
    register_format,
)
from beltwatch.sharing._policy import (
    RECORD_KINDS,
    Partner,
    Policy,
    SanitisationRule,
    load_policy,
    policy_from_dict,
)
from beltwatch.sharing._records import load_records
from beltwatch.sharing._release import DIRECT, Decision, Release, record_id, release
from beltwatch.sharing._sanitise import REDACTED_SENSOR, sanitise

__all__ = [
    "DIRECT",
    "RECORD_KINDS",
    "REDACTED_SENSOR",
    "AuditCheck",
    "Decision",
    "ElementFit",
    "EncodeOptions",
    "ExportResult",
    "Partner",
    "Policy",
    "ProductFormat",
    "Release",
    "SanitisationRule",
    "append_audit",
    "encode_release",
    "export",
    "format_names",
    "formats_for",
    "load_policy",
    "load_records",
    "policy_from_dict",
    "product_format",
    "record_id",
    "register_format",
    "release",
    "sanitise",
    "verify_audit_log",
]
