"""Sealed ballots: how a ballot is kept while voting is open.

A cast ballot is stored as one ``sealed_ballots`` row: a random id, the tenant,
the evaluation and an AES-GCM ciphertext of the whole ballot (rater group and
lines) — nothing else. The key is the evaluation's *data key*: 32 random bytes
made when the evaluation opens, stored in ``ballot_keys`` wrapped (AES-GCM)
under a key derived with HKDF-SHA256 from the server's ``SECRET_KEY`` and the
tenant and evaluation ids. So the database alone (a dump, the WAL, dead tuples,
a log of statements) holds no readable ballot while voting is open; the voter's
claim and the sealed row may share a transaction, but the row tells nothing.

Plaintexts are padded to one length per evaluation, so a ciphertext's size
gives away neither the rater group nor whether the voter skipped their own line.

At the close (:mod:`.closing`) the pool is opened, written out as plain ballots
in random order in one transaction, and the sealed rows and the key deleted.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from decimal import Decimal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from appraisal.platform.db import db
from appraisal.platform.keys import NoSecretKey, derived_key
from appraisal.tenants.ballots.models import BallotKey, Evaluation, SealedBallot
from appraisal.tenants.ballots.services.common import BallotError

NONCE = 12
PAD_BLOCK = 1024
_SALT = b"appraisal.ballots.sealed.v1"


class SealBroken(BallotError):
    """A sealed ballot or the data key cannot be opened: the close is refused."""


def _context(evaluation: Evaluation) -> bytes:
    return f"appraisal-ballots:{evaluation.tenant_id}:{evaluation.id}".encode()


def _wrapping_key(evaluation: Evaluation) -> bytes:
    try:
        return derived_key(_SALT, _context(evaluation))
    except NoSecretKey as exc:
        raise BallotError(_("服务器未设置密钥（SECRET_KEY），不能进行匿名投票")) from exc


def _encrypt(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def _decrypt(key: bytes, blob: bytes, context: bytes) -> bytes:
    blob = bytes(blob)
    return AESGCM(key).decrypt(blob[:NONCE], blob[NONCE:], context)


def ensure_key(evaluation: Evaluation) -> None:
    """Make the evaluation's data key if it has none (at opening; and for an
    evaluation opened before sealing existed, at its first ballot). Safe under
    races: one key per evaluation, the other inserts do nothing."""
    if db.session.scalar(select(BallotKey.id).where(BallotKey.evaluation_id == evaluation.id)) is not None:
        return
    row = {
        "id": uuid.uuid4().hex,
        "tenant_id": evaluation.tenant_id,
        "evaluation_id": evaluation.id,
        "wrapped": _encrypt(_wrapping_key(evaluation), AESGCM.generate_key(bit_length=256), _context(evaluation)),
    }
    make = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        make(BallotKey).values(**row).on_conflict_do_nothing(index_elements=["tenant_id", "evaluation_id"])
    )


def _wrapped(evaluation: Evaluation) -> bytes | None:
    return db.session.scalar(select(BallotKey.wrapped).where(BallotKey.evaluation_id == evaluation.id))


def data_key(evaluation: Evaluation, *, make: bool = False) -> bytes:
    """The evaluation's data key, unwrapped (never kept beyond the call's
    caller). ``make``: create it first if the evaluation has none (casting)."""
    wrapped = _wrapped(evaluation)
    if wrapped is None and make:
        ensure_key(evaluation)
        wrapped = _wrapped(evaluation)
    if wrapped is None:
        raise SealBroken(_("本次测评的加密密钥不存在，无法处理选票"))
    try:
        return _decrypt(_wrapping_key(evaluation), wrapped, _context(evaluation))
    except (InvalidTag, ValueError):
        raise SealBroken(
            _(
                "本次测评的加密密钥无法解开（服务器密钥 SECRET_KEY 可能在投票期间被更换）。"
                "测评未结束，选票未作任何改动；请恢复原密钥后再结束测评"
            )
        ) from None


#: Room in every sealed ballot for the reasons the rules require (UTF-8 JSON
#: bytes): padded to the same length whether or not reasons were written, so
#: that the size does not tell who wrote how much (the reasons are readable
#: on the lines after the close).
REASONS_ROOM = 16 * 1024


def reasons_size(reasons: dict[int, str]) -> int:
    return sum(len(json.dumps(r, ensure_ascii=False).encode()) + 1 for r in reasons.values())


def pad_length(population: Sequence[int], *, reasons_room: bool = False) -> int:
    """One plaintext length for every ballot of the evaluation: room for a line
    per appraisee id of the ``population`` (and the reasons' room when the rules
    ask for reasons), rounded up to a block."""
    room = 64 + len(population) * (len(str(max(population, default=0))) + 14)  # [id,"100.00"], per line
    if reasons_room:
        room += REASONS_ROOM
    return -(-room // PAD_BLOCK) * PAD_BLOCK


def _line(appraisee_id: int, score: Decimal | None, reasons: dict[int, str]) -> list:
    line: list = [appraisee_id, None if score is None else str(score)]
    if appraisee_id in reasons:
        line.append(reasons[appraisee_id])
    return line


def seal(
    evaluation: Evaluation,
    key: bytes,
    rater_group_id: int,
    lines: dict[int, Decimal | None],
    pad_to: int,
    reasons: dict[int, str] | None = None,
) -> bytes:
    """The sealed ballot: ``{"g": group, "l": [[appraisee, "score" | null (不了解), reason?], …]}``."""
    body = json.dumps(
        {"g": rater_group_id, "l": [_line(a, s, reasons or {}) for a, s in sorted(lines.items())]},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    target = max(pad_to, -(-len(body) // PAD_BLOCK) * PAD_BLOCK)
    return _encrypt(key, body + b" " * (target - len(body)), _context(evaluation))


def add_sealed(
    evaluation: Evaluation,
    rater_group_id: int,
    lines: dict[int, Decimal | None],
    *,
    population: Sequence[int],
    reasons: dict[int, str] | None = None,
    reasons_room: bool = False,
) -> None:
    """Store one ballot, sealed (part of the caller's casting transaction);
    ``population``: the ids of every appraisee of the evaluation's population
    (they set the padded length, with ``reasons_room`` when the rules ask for
    reasons)."""
    blob = seal(
        evaluation,
        data_key(evaluation, make=True),
        rater_group_id,
        lines,
        pad_length(population, reasons_room=reasons_room),
        reasons,
    )
    db.session.add(
        SealedBallot(id=uuid.uuid4().hex, tenant_id=evaluation.tenant_id, evaluation_id=evaluation.id, sealed=blob)
    )
    db.session.flush()


def sealed_count(evaluation: Evaluation) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(SealedBallot).where(SealedBallot.evaluation_id == evaluation.id)
        )
        or 0
    )


Opened = tuple[int, list[tuple[int, Decimal | None, str | None]]]


def open_all(evaluation: Evaluation) -> list[Opened]:
    """Every sealed ballot of the evaluation, opened: (rater group id, lines of
    (appraisee id, score or None for 不了解, reason or None)).
    One that cannot be opened refuses the whole operation (never dropped)."""
    blobs = db.session.scalars(select(SealedBallot.sealed).where(SealedBallot.evaluation_id == evaluation.id)).all()
    if not blobs:
        return []
    key = data_key(evaluation)
    context = _context(evaluation)
    out = []
    for blob in blobs:
        try:
            body = json.loads(_decrypt(key, blob, context))
            out.append((int(body["g"]), [_opened_line(line) for line in body["l"]]))
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise SealBroken(
                _("有一张加密选票无法解开（数据可能已被篡改）。测评未结束，选票未作任何改动；请联系系统管理员")
            ) from None
    return out


def _opened_line(line: list) -> tuple[int, Decimal | None, str | None]:
    appraisee_id, score = int(line[0]), line[1]
    reason = str(line[2]) if len(line) > 2 and line[2] is not None else None
    return appraisee_id, None if score is None else Decimal(score), reason


def destroy(evaluation: Evaluation) -> None:
    """Delete the evaluation's sealed rows and its key (the close's last step)."""
    db.session.execute(
        delete(SealedBallot)
        .where(SealedBallot.evaluation_id == evaluation.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(BallotKey).where(BallotKey.evaluation_id == evaluation.id).execution_options(synchronize_session=False)
    )


def vacuum() -> None:
    """After a close has committed, on PostgreSQL: VACUUM the sealed tables so
    that the dead tuples holding the ciphertexts and the wrapped key are freed
    (best effort: autovacuum does it later anyway; WAL and old dumps keep them
    until rotated — see docs/admin-guide/ballots.md)."""
    if db.engine.dialect.name != "postgresql":
        return
    try:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM sealed_ballots, ballot_keys")
    except Exception:
        current_app.logger.warning("VACUUM of the sealed ballot tables failed; autovacuum will reclaim them")
