"""The HTTP service: FastAPI under ``/api/v1``, the dashboard at ``/``.

* :func:`create_app` builds the app over a store (``beltwatch.store``), an optional
  stream (``beltwatch.stream``, for the live feed) and a releasability policy; nothing
  global. Keys (``X-API-Key`` or ``Authorization: Bearer``) map to a policy partner.
* Every record shown passes :func:`beltwatch.sharing.release` for the caller's partner;
  listings page over released records only, with sealed cursors; objects are listed
  only when one of their records is released (docs/service.md).
* Errors are RFC 9457 problem details (``application/problem+json``).
"""

from beltwatch.api._app import PREFIX, create_app, default_audit_log
from beltwatch.api._problems import PROBLEM_JSON, ProblemError
from beltwatch.api._service import DEFAULT_INGEST_PARTNERS, Service

__all__ = [
    "DEFAULT_INGEST_PARTNERS",
    "PREFIX",
    "PROBLEM_JSON",
    "ProblemError",
    "Service",
    "create_app",
    "default_audit_log",
]
