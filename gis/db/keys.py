"""The key that protects ID numbers and phones at rest: where it comes from, whether it
fits the stored data, and rotating it.

A rotation re-encrypts every person's ID number and phone and recomputes the lookup
hashes under a new key in one transaction, batch by batch of ids with set-based SQL
(``sql/keys.sql``), checks every value against the new key, and commits only then:
a failure anywhere leaves the data under the old key. The new key is stored where the
current one comes from: the embedded cluster's key file is replaced once the
transaction has committed (``KeyFile``); a key from ``WANGGE_SECRET_KEY`` is the
operator's to set (``wangge keys rotate``, docs/personal-data.md).

Examples
--------
>>> check_new_key(generate_key(), old="x" * 40)
>>> check_new_key("x" * 40, old="x" * 40)
Traceback (most recent call last):
gis.errors.InvalidInput: the new key is the current key: a rotation needs another
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine

from gis.db.engine import secret_key
from gis.db.statements import query
from gis.errors import InvalidInput, SetupError
from gis.settings import DatabaseSettings

MIN_KEY_CHARS = 32
BATCH_SIZE = 10_000
# The embedded cluster's key file, beside the cluster (gis.db.engine.secret_key makes it).
KEY_FILE = "secret.key"
PENDING = ".new"  # a rotated key waiting for its transaction to commit


@dataclass(frozen=True)
class KeySource:
    """Where the current key comes from: ``WANGGE_SECRET_KEY`` or the embedded key file."""

    kind: Literal["environment", "file"]
    path: Path | None = None

    def describe(self) -> str:
        return "WANGGE_SECRET_KEY" if self.kind == "environment" else f"the key file {self.path}"


@dataclass(frozen=True)
class Rotation:
    """What a rotation re-encrypted, and how long it took."""

    persons: int
    id_numbers: int
    phones: int
    seconds: float


def key_source(settings: DatabaseSettings) -> KeySource:
    """Where ``gis.db.engine.secret_key`` takes the key from for ``settings``."""
    if settings.secret_key:
        return KeySource("environment")
    if settings.database_url:
        raise SetupError("set WANGGE_SECRET_KEY: it protects ID numbers and phones at rest")
    return KeySource("file", Path(settings.data_dir).absolute() / KEY_FILE)


def generate_key() -> str:
    """A new random key: 256 bits, URL-safe text (as the embedded cluster makes its own)."""
    return secrets.token_urlsafe(32)


def check_new_key(new: str, *, old: str) -> None:
    """Refuse a key too short or with spaces to be a random one, or the current key."""
    if len(new) < MIN_KEY_CHARS:
        raise InvalidInput(
            f"a key needs at least {MIN_KEY_CHARS} characters (such as `openssl rand "
            f"-base64 32` gives): this one has {len(new)}"
        )
    if any(c.isspace() or not c.isprintable() for c in new):
        raise InvalidInput("a key must be one line of printable characters without spaces")
    if secrets.compare_digest(new.encode(), old.encode()):
        raise InvalidInput("the new key is the current key: a rotation needs another")


def read_key_file(path: Path) -> str:
    """The key in ``path`` (one line; a final newline is dropped)."""
    try:
        return Path(path).read_text().rstrip("\r\n")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the key: {exc}") from None


def key_fits(conn: Connection, key: str) -> bool:
    """Whether ``key`` decrypts the stored persons (true when none are stored).

    Inside a transaction that will write persons, call it first: it waits for a
    rotation running meanwhile and then judges the key against its result.
    """
    return bool(conn.execute(query("gis.db", "keys", "key_fits"), {"key": key}).scalar())


def rotate(
    engine: Engine,
    old: str,
    new: str,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    say: Callable[[str], None] | None = None,
    before_commit: Callable[[], None] | None = None,
) -> Rotation:
    """Re-encrypt every person's ID number and phone from ``old`` to ``new`` and recompute
    the lookup hashes, in one transaction.

    ``progress(done, total)`` follows the batches, ``say`` gets a line per stage, and
    ``before_commit`` runs once everything is checked, inside the transaction: if it
    raises (storing the new key failed), nothing is changed.
    """
    check_new_key(new, old=old)
    tell = say or (lambda _: None)
    started = time.perf_counter()
    with engine.begin() as conn:
        tell("locking the persons against writes (a running load is waited for)")
        conn.execute(query("gis.db", "keys", "lock"))
        if not key_fits(conn, old):
            raise InvalidInput(
                "the current key does not decrypt the stored persons, so they cannot be "
                "re-encrypted; `wangge keys check` tells which key does"
            )
        extent = conn.execute(query("gis.db", "keys", "extent")).mappings().one()
        tell(f"re-encrypting {extent['id_numbers']:,} ID numbers and {extent['phones']:,} "
             f"phones of {extent['persons']:,} persons")  # fmt: skip
        _reencrypt(conn, old, new, extent, batch_size, progress)
        tell("checking every value against the new key")
        _verify(conn, new, extent)
        if before_commit is not None:
            before_commit()
        tell("committing")
    seconds = time.perf_counter() - started
    tell(f"rotated in {seconds:.1f} s: the stored persons are under the new key")
    return Rotation(extent["persons"], extent["id_numbers"], extent["phones"], seconds)


def rotate_into_file(
    engine: Engine, key_file: KeyFile, old: str, new: str, **options: object
) -> Rotation:
    """``rotate`` and store the new key in the embedded cluster's key file: staged before
    the commit, renamed over the key file after it.

    A failure before the commit removes the staged key; a failure of the commit itself
    (whose outcome the client cannot know) keeps it for ``wangge keys check``.
    """
    key_file.check_no_pending()
    staged = False

    def stage() -> None:
        nonlocal staged
        key_file.stage(new)
        staged = True

    try:
        result = rotate(engine, old, new, before_commit=stage, **options)  # type: ignore[arg-type]
    except Exception as exc:
        if not staged:
            key_file.discard()
            raise
        raise SetupError(
            f"the commit of the rotation failed and may or may not have happened: the new "
            f"key is kept in {key_file.pending}; run `wangge keys check`, which says which "
            "key the data are under"
        ) from exc
    key_file.promote()
    return result


@dataclass(frozen=True)
class KeyCheck:
    """Which key decrypts the stored persons: the current one, or a staged one."""

    source: KeySource
    persons: int
    current_fits: bool
    pending: Path | None  # a staged key file an interrupted rotation left
    pending_fits: bool | None


def check_keys(engine: Engine, settings: DatabaseSettings) -> KeyCheck:
    """Try the current key (and a staged one, if a rotation left it) on the stored persons."""
    source = key_source(settings)
    current = secret_key(settings)
    pending = KeyFile(source.path).pending if source.path else None
    if pending is not None and not pending.exists():
        pending = None
    with engine.connect() as conn:
        persons = conn.execute(query("gis.db", "keys", "extent")).mappings().one()["persons"]
        fits = key_fits(conn, current)
        pending_fits = None if pending is None else key_fits(conn, read_key_file(pending))
    return KeyCheck(source, persons, fits, pending, pending_fits)


def _reencrypt(conn, old, new, extent, batch_size, progress) -> None:
    conn.execute(query("gis.db", "keys", "lock_contacts"))
    conn.execute(query("gis.db", "keys", "reencrypt_contacts"), {"old": old, "new": new})
    if extent["first"] is None:
        return
    done, statement = 0, query("gis.db", "keys", "reencrypt")
    for lo in range(extent["first"], extent["last"] + 1, batch_size):
        params = {"old": old, "new": new, "lo": lo, "hi": lo + batch_size}
        done += conn.execute(statement, params).rowcount
        if progress is not None:
            progress(done, extent["persons"])


def _verify(conn, new, extent) -> None:
    found = conn.execute(query("gis.db", "keys", "verify"), {"new": new}).mappings().one()
    expected = (extent["id_numbers"], extent["phones"], 0)
    if (found["id_numbers"], found["phones"], found["wrong_hashes"]) != expected:
        raise SetupError(f"the re-encrypted persons do not check out ({dict(found)}); "
                         "nothing was changed")  # fmt: skip


class KeyFile:
    """The embedded cluster's key file, replaced in two steps around a rotation's commit.

    ``stage`` writes the new key beside it (``secret.key.new``, mode 0600, flushed to
    disk) inside the transaction; ``promote`` renames it over the key file once the
    transaction has committed; ``discard`` removes it when the rotation failed. A
    staged file found later means a rotation stopped between its commit and the
    rename: ``wangge keys check`` says which key fits the data.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.pending = self.path.with_name(self.path.name + PENDING)
        self._staged = False

    def check_no_pending(self) -> None:
        """Refuse to start while an earlier rotation's key waits in ``secret.key.new``."""
        if self.pending.exists():
            raise SetupError(
                f"{self.pending} exists: an earlier rotation stopped before storing its key "
                "there as the key file; run `wangge keys check`, which says what to do"
            )

    def stage(self, key: str) -> None:
        self.check_no_pending()
        fd = os.open(self.pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._staged = True
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
            fh.flush()
            os.fsync(fh.fileno())

    def promote(self) -> None:
        os.replace(self.pending, self.path)
        self._staged = False
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def discard(self) -> None:
        """Remove the key this object staged (never one an earlier rotation left)."""
        if self._staged:
            self.pending.unlink(missing_ok=True)
            self._staged = False
