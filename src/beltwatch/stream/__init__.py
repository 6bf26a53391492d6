"""The near-real-time feed: records published as they are made, consumed durably.

* :func:`open_stream` by URL: None or ``memory://`` is the in-process stream
  (:class:`MemoryStream` on a :class:`MemoryBroker`), ``nats://host:port`` is NATS
  JetStream (:class:`NatsStream`); both meet the one :class:`Stream` contract.
* Records travel as ``(kind, record)`` with ``kind`` one of
  :data:`beltwatch.sharing.RECORD_KINDS`, on subjects ``<prefix>.<kind>.<key>``
  (:func:`subject_for`), as lossless JSON (:func:`encode_record` /
  :func:`decode_record`) with their markings in the payload and in headers; an
  unmarked record is refused. Messages are de-duplicated by id (default
  :func:`beltwatch.sharing.record_id`).
* :func:`partner_feed`: what one partner may receive, through
  :func:`beltwatch.sharing.release`; :func:`consume_into`: at-least-once delivery into
  a sink (the store), undecodable messages to ``<prefix>.deadletter.<kind>``;
  :func:`relay_partner_feed` republishes a partner's feed on its own subjects.
* :func:`publish_records`: a synchronous publish for batch code.

docs/stream.md describes subjects, message format, headers and consumers.
"""

from beltwatch.stream._base import (
    Consumer,
    Delivery,
    Stream,
    StreamError,
    dead_letter,
    subject_matches,
)
from beltwatch.stream._codec import (
    DEFAULT_PREFIX,
    HEADER_KIND,
    HEADER_MARKING,
    HEADER_MSG_ID,
    HEADER_SCHEMA,
    dead_letter_subject,
    decode_record,
    decode_records,
    encode_record,
    subject_for,
    subject_token,
)
from beltwatch.stream._consume import (
    ConsumeResult,
    PartnerFeed,
    consume_into,
    partner_feed,
    relay_partner_feed,
)
from beltwatch.stream._memory import MemoryBroker, MemoryStream
from beltwatch.stream._nats import NatsStream
from beltwatch.stream._open import open_stream, publish_records

__all__ = [
    "DEFAULT_PREFIX",
    "HEADER_KIND",
    "HEADER_MARKING",
    "HEADER_MSG_ID",
    "HEADER_SCHEMA",
    "ConsumeResult",
    "Consumer",
    "Delivery",
    "MemoryBroker",
    "MemoryStream",
    "NatsStream",
    "PartnerFeed",
    "Stream",
    "StreamError",
    "consume_into",
    "dead_letter",
    "dead_letter_subject",
    "decode_record",
    "decode_records",
    "encode_record",
    "open_stream",
    "partner_feed",
    "publish_records",
    "relay_partner_feed",
    "subject_for",
    "subject_matches",
    "subject_token",
]
