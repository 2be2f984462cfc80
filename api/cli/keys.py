"""`wangge keys ...`: the key protecting ID numbers and phones at rest (check, rotate).

A rotation is all or nothing (``gis.db.keys.rotate``), and the new key goes where the
current one comes from. The embedded cluster's key file is replaced once the data are
under the new key. A key from WANGGE_SECRET_KEY is the operator's to set: either they
bring it (``--new-key-file``, e.g. made with ``openssl rand -base64 32`` and already in
their secret store), or wangge makes one and prints it once on stdout, before the
commit, so a key that could not be printed is never the one the data are under.
Either way the command asks first, or needs ``--yes``. See docs/personal-data.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from api.cli.common import engine, say, settings
from gis.errors import InvalidInput

keys_app = typer.Typer(
    help="The key protecting ID numbers and phones at rest: check it, rotate it."
)

RESTART = (
    "restart every wangge process (API, job workers) now: they still hold the old key, "
    "which no longer decrypts anything"
)


@keys_app.command("rotate")
def keys_rotate(
    new_key_file: Annotated[
        Path | None,
        typer.Option(
            "--new-key-file",
            help="Rotate to the key in this file (one line, at least 32 characters) instead "
            "of a generated one. With WANGGE_SECRET_KEY: a key you have already stored.",
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Rotate without asking (scripts).")] = False,
    batch_size: Annotated[
        int, typer.Option(min=100, max=1_000_000, help="Persons re-encrypted per statement.")
    ] = 10_000,
) -> None:
    """Re-encrypt every person's ID number and phone under a new key, all or nothing.

    The new key is stored where the current one comes from: the embedded cluster's key
    file, or, for WANGGE_SECRET_KEY, the operator (docs/personal-data.md)."""
    from gis.db.engine import secret_key
    from gis.db.keys import (
        KeyFile,
        check_new_key,
        generate_key,
        key_source,
        read_key_file,
        rotate,
        rotate_into_file,
    )

    cfg = settings()
    source, old = key_source(cfg), secret_key(cfg)
    key_file = KeyFile(source.path) if source.path else None
    if key_file is not None:
        key_file.check_no_pending()
    new = read_key_file(new_key_file) if new_key_file else generate_key()
    check_new_key(new, old=old)
    if new_key_file is not None and new_key_file.stat().st_mode & 0o077:
        say(f"warning: {new_key_file} can be read by other users; remove it once stored")
    _confirm(source.describe(), yes or (new_key_file is not None and key_file is None))
    say(f"the current key comes from {source.describe()}")
    with _progress() as update:
        options = {"batch_size": batch_size, "progress": update, "say": say}
        if key_file is not None:
            rotate_into_file(engine(), key_file, old, new, **options)
        else:  # a generated key is printed before the commit; a brought one is not
            show = None if new_key_file else _print(new)
            rotate(engine(), old, new, before_commit=show, **options)
    if key_file is not None:
        say(f"the new key is in {key_file.path}; {RESTART}")
    else:
        where = f"in {new_key_file}" if new_key_file else "printed above"
        say(f"set WANGGE_SECRET_KEY to the new key ({where}) wherever wangge runs, and {RESTART}")


@keys_app.command("check")
def keys_check() -> None:
    """Say whether the current key decrypts the stored persons (exit 1 if not)."""
    from gis.db.keys import check_keys

    found = check_keys(engine(), settings())
    what = f"the {found.persons:,} stored persons"
    if found.current_fits:
        typer.echo(f"the key from {found.source.describe()} decrypts {what}")
        if found.pending is not None:
            typer.echo(f"{found.pending} is left from a rotation that did not commit: remove it")
        return
    if found.pending_fits:
        typer.echo(
            f"{what} are under the key in {found.pending}: a rotation committed but did not "
            f"store its key; finish it with: mv {found.pending} {found.source.path}"
        )
    else:
        typer.echo(f"the key from {found.source.describe()} does not decrypt {what}")
    raise typer.Exit(1)


def _confirm(source: str, given: bool) -> None:
    """Go on if the command line said so, else ask on a terminal, else refuse."""
    if given:
        return
    if not sys.stdin.isatty():
        how = "--yes"
        if source == "WANGGE_SECRET_KEY":
            how = "--new-key-file FILE (a key you have stored) or --yes (a key printed once)"
        raise InvalidInput(f"rotating the key of {source} needs {how}, or a terminal to ask on")
    typer.confirm(
        f"Re-encrypt every person's ID number and phone under a new key, replacing the key "
        f"of {source}? Running wangge processes must then be restarted",
        abort=True,
    )


def _print(key: str) -> Callable[[], None]:
    """Print the new key on stdout, alone, before the commit: if it cannot be printed,
    the rotation rolls back."""

    def show() -> None:
        say("the new key, shown this once (store it now; the old one stops working):")
        typer.echo(key)
        sys.stdout.flush()

    return show


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal, nothing otherwise (the stage lines are the log)."""
    bar = tqdm(desc="re-encrypting", unit="person", leave=False, disable=not sys.stderr.isatty())

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
