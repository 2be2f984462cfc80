"""Key rotation (`wangge keys rotate`): every value survives under the new key, lookups work
with it, the old key stops working, and any failure on the way changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from gis.db.engine import secret_key
from gis.db.keys import KeyFile, check_keys, key_fits, key_source, rotate, rotate_into_file
from gis.db.migrate import upgrade
from gis.errors import InvalidInput
from gis.load import load_frame
from gis.settings import DatabaseSettings
from tests.common import reachable_tmpdir, small_areas, small_buildings, small_people

WANGGE = str(Path(sys.executable).with_name("wangge"))
OLD = "old-key-" + "o" * 40
NEW = "new-key-" + "n" * 40
DECRYPT = (
    "SELECT code, pgp_sym_decrypt(id_number_enc, :k) AS id_number, "
    "pgp_sym_decrypt(phone_enc, :k) AS phone, id_number_masked, phone_masked "
    "FROM person ORDER BY code"
)
STORED = "SELECT id, id_number_enc, id_number_hash, phone_enc, id_number_masked FROM person"
FIND = "SELECT code FROM person WHERE id_number_hash = encode(hmac(:id, :k, 'sha256'), 'hex')"


def populate(engine, key: str, n: int = 30) -> None:
    households, persons = small_people(n, seed=4)
    persons.loc[3, "phone"] = None  # a person without a phone
    load_frame(engine, "areas", small_areas())
    load_frame(engine, "buildings", small_buildings())
    load_frame(engine, "households", households)
    load_frame(engine, "persons", persons, key=key)


@pytest.fixture
def people(make_database):
    """A database of 30 persons under OLD."""
    engine = create_engine(make_database("wangge_keys"))
    upgrade(engine)
    populate(engine, OLD)
    yield engine
    engine.dispose()


def decrypted(engine, key: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(DECRYPT), {"k": key}).mappings()]


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(STORED + " ORDER BY id"))]


def fits(engine, key: str) -> bool:
    with engine.connect() as conn:
        return key_fits(conn, key)


def test_after_rotation_the_new_key_reads_and_finds_everything(people) -> None:
    before = decrypted(people, OLD)
    seen, stages = [], []
    done = rotate(people, OLD, NEW, batch_size=7, progress=lambda d, t: seen.append((d, t)),
                  say=stages.append)  # fmt: skip
    assert (done.persons, done.id_numbers, done.phones) == (30, 30, 29)
    assert decrypted(people, NEW) == before  # the masks are unchanged too
    assert seen[-1] == (30, 30) and len(seen) >= 4 and seen == sorted(seen)
    assert any("re-encrypting 30 ID numbers and 29 phones" in s for s in stages)
    someone = before[5]
    with people.connect() as conn:
        found = conn.execute(text(FIND), {"id": someone["id_number"], "k": NEW}).scalars().all()
        lost = conn.execute(text(FIND), {"id": someone["id_number"], "k": OLD}).scalars().all()
    assert found == [someone["code"]] and lost == []
    assert fits(people, NEW) and not fits(people, OLD)
    with pytest.raises(DBAPIError, match="Wrong key"):
        decrypted(people, OLD)


def test_a_load_with_the_old_key_is_refused_after_rotation(people) -> None:
    rotate(people, OLD, NEW)
    _, persons = small_people(30, seed=4)
    with pytest.raises(InvalidInput, match="does not decrypt the persons already stored"):
        load_frame(people, "persons", persons.head(2), key=OLD)
    load_frame(people, "persons", persons.head(2), key=NEW)
    assert fits(people, NEW)


def test_a_failure_halfway_changes_nothing(people) -> None:
    before = stored(people)

    def fail(done: int, total: int) -> None:
        if done >= 10:
            raise RuntimeError("simulated failure")

    with pytest.raises(RuntimeError, match="simulated"):
        rotate(people, OLD, NEW, batch_size=5, progress=fail)
    assert stored(people) == before

    def refuse() -> None:
        raise OSError("the key could not be stored")

    with pytest.raises(OSError):
        rotate(people, OLD, NEW, before_commit=refuse)
    assert stored(people) == before and fits(people, OLD)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (OLD, "short", "at least 32 characters"),
        (OLD, "a key with spaces in it, long enough to pass", "without spaces"),
        (OLD, OLD, "the new key is the current key"),
        ("w" * 40, NEW, "the current key does not decrypt the stored persons"),
    ],
    ids=["short", "spaces", "same", "wrong-current-key"],
)
def test_bad_keys_change_nothing(people, old: str, new: str, message: str) -> None:
    before = stored(people)
    with pytest.raises(InvalidInput, match=message):
        rotate(people, old, new)
    assert stored(people) == before


def test_the_key_file_is_replaced_only_after_the_commit(people, tmp_path: Path) -> None:
    settings = DatabaseSettings(database_url=None, secret_key=None, data_dir=tmp_path)
    source, made = key_source(settings), secret_key(settings)  # made once, kept in the file
    assert source.kind == "file" and source.path.read_text() == made
    source.path.write_text(OLD)
    key_file = KeyFile(source.path)

    def fail(done: int, total: int) -> None:
        raise RuntimeError("simulated failure")

    with pytest.raises(RuntimeError):
        rotate_into_file(people, key_file, OLD, NEW, progress=fail)
    assert source.path.read_text() == OLD and not key_file.pending.exists()
    rotate_into_file(people, key_file, OLD, NEW)
    assert source.path.read_text() == NEW and not key_file.pending.exists()
    assert source.path.stat().st_mode & 0o777 == 0o600
    assert fits(people, NEW)


def test_a_rotation_cut_off_after_its_commit_is_found(people, tmp_path: Path) -> None:
    """Data under the staged key, the key file still old: `keys check` says to finish."""
    settings = DatabaseSettings(database_url=None, secret_key=None, data_dir=tmp_path)
    key_file = KeyFile(key_source(settings).path)
    key_file.path.write_text(OLD)
    rotate(people, OLD, NEW, before_commit=lambda: key_file.stage(NEW))  # never promoted
    with pytest.raises(Exception, match="earlier rotation"):
        rotate_into_file(people, key_file, OLD, "another-" + "k" * 40)
    assert key_file.pending.read_text() == NEW  # an earlier rotation's key is never removed
    found = check_keys(people, settings)
    assert not found.current_fits and found.pending_fits and found.persons == 30


# -- the command --------------------------------------------------------------------------


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("WANGGE_")} | env
    return subprocess.run([WANGGE, *args], capture_output=True, text=True, env=full,
                          stdin=subprocess.DEVNULL, timeout=300, check=False)  # fmt: skip


@pytest.mark.parametrize("command", [["keys"], ["keys", "rotate"], ["keys", "check"]], ids=str)
def test_help(command: list[str]) -> None:
    result = run(*command, "--help", env={})
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_rotating_a_key_from_the_environment(people, tmp_path: Path) -> None:
    url = people.url.render_as_string(hide_password=False)
    env = {"WANGGE_DATABASE_URL": url, "WANGGE_SECRET_KEY": OLD}
    before = decrypted(people, OLD)
    refused = run("keys", "rotate", env=env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "--new-key-file FILE" in refused.stderr and "--yes" in refused.stderr
    assert fits(people, OLD)

    new_key = tmp_path / "new.key"
    new_key.write_text(NEW + "\n")
    new_key.chmod(0o600)
    brought = run("keys", "rotate", "--new-key-file", str(new_key), env=env)
    assert brought.returncode == 0, brought.stderr
    assert brought.stdout == "" and NEW not in brought.stderr  # a brought key is not echoed
    assert "set WANGGE_SECRET_KEY to the new key (in " in brought.stderr
    assert "committing" in brought.stderr and decrypted(people, NEW) == before

    assert run("keys", "check", env=env).returncode == 1  # the old key no longer fits
    env["WANGGE_SECRET_KEY"] = NEW
    checked = run("keys", "check", env=env)
    assert checked.returncode == 0 and "decrypts the 30 stored persons" in checked.stdout

    generated = run("keys", "rotate", "--yes", env=env)
    assert generated.returncode == 0, generated.stderr
    printed = generated.stdout.strip()
    assert len(generated.stdout.splitlines()) == 1 and len(printed) >= 32
    assert decrypted(people, printed) == before


def test_rotating_the_embedded_clusters_key_file() -> None:
    data = reachable_tmpdir("wangge-keys-") / "data"
    env = {"WANGGE_DATA_DIR": str(data)}
    try:
        assert run("db", "up", env=env).returncode == 0
        url = run("db", "url", env=env).stdout.strip()
        engine = create_engine(url)
        key_path = data / "secret.key"
        old = secret_key(DatabaseSettings(database_url=None, secret_key=None, data_dir=data))
        populate(engine, old, n=12)
        before = decrypted(engine, old)
        rotated = run("keys", "rotate", "--yes", env=env)
        assert rotated.returncode == 0, rotated.stderr
        new = key_path.read_text()
        assert new != old and new not in rotated.stdout + rotated.stderr
        assert decrypted(engine, new) == before and not fits(engine, old)
        assert "decrypts the 12 stored persons" in run("keys", "check", env=env).stdout
        engine.dispose()
    finally:
        run("db", "down", env=env)
        subprocess.run(["rm", "-rf", str(data.parent)], check=False)


def test_reporter_contacts_of_incidents_are_rotated_too(people) -> None:
    with people.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO incident (code, category, source, reported_at, geom, "
                "reporter_contact_enc) VALUES ('K1', 'other', 'hotline', now(), "
                "ST_SetSRID(ST_MakePoint(121.305, 28.555), 4326), "
                "pgp_sym_encrypt('13800001111', :k, 'compress-algo=0, s2k-mode=1'))"
            ),
            {"k": OLD},
        )
    rotate(people, OLD, NEW)
    with people.connect() as conn:
        contact = conn.execute(
            text(
                "SELECT pgp_sym_decrypt(reporter_contact_enc, :k) FROM incident WHERE code = 'K1'"
            ),
            {"k": NEW},
        ).scalar()
    assert contact == "13800001111"
