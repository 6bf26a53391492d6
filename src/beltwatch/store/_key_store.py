"""API keys (salted hashes only) and table counts."""

from __future__ import annotations

from sqlalchemy import func, select, update

from beltwatch.errors import InputError
from beltwatch.store import _keys
from beltwatch.store._base import StoreBase, maybe_time, now_tai_s
from beltwatch.store._convert import utc_time
from beltwatch.store._records import ApiKeyRecord
from beltwatch.store._schema import ApiKeyRow, Base


class KeyStore(StoreBase):
    """API keys (salted hashes only) and table counts."""

    # -- API keys -----------------------------------------------------------------

    def add_api_key(self, partner: str) -> tuple[str, str]:
        """A new key for ``partner``: ``(key_id, secret)``. The secret is not stored (only
        a salted hash): show it once."""
        if not partner:
            raise InputError("an API key needs a partner", field="partner")
        key_id = _keys.new_key_id()
        secret = _keys.new_secret(key_id)
        salt = _keys.new_salt()
        with self._session() as session, session.begin():
            session.add(
                ApiKeyRow(
                    key_id=key_id,
                    partner=partner,
                    salt=salt,
                    secret_hash=_keys.secret_hash(salt, secret),
                    created_tai_s=now_tai_s(),
                    revoked_tai_s=None,
                )
            )
        return key_id, secret

    def partner_for_key(self, secret: str) -> str | None:
        """The partner of a valid, unrevoked key's secret; None otherwise."""
        key_id = _keys.key_id_of(secret) if isinstance(secret, str) else None
        if key_id is None:
            return None
        with self._session() as session:
            row = session.get(ApiKeyRow, key_id)
        if row is None or row.revoked_tai_s is not None:
            return None
        return row.partner if _keys.secret_matches(row.salt, row.secret_hash, secret) else None

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke a key; False when no such active key exists."""
        with self._session() as session, session.begin():
            result = session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_tai_s.is_(None))
                .values(revoked_tai_s=now_tai_s())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def api_keys(self) -> list[ApiKeyRecord]:
        """Every key (never its secret), oldest first."""
        with self._session() as session:
            rows = list(
                session.scalars(
                    select(ApiKeyRow).order_by(ApiKeyRow.created_tai_s, ApiKeyRow.key_id)
                )
            )
        return [
            ApiKeyRecord(
                r.key_id, r.partner, utc_time(r.created_tai_s), maybe_time(r.revoked_tai_s)
            )
            for r in rows
        ]

    # -- summaries ----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self._session() as session:
            return {
                name: int(session.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in sorted(Base.metadata.tables.items())
            }
