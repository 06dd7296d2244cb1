"""``skyshare keygen``: make a party's Ed25519 key pair for signing hotline messages."""

from __future__ import annotations

from pathlib import Path

import click

from skyshare.cli._common import reports_errors

__all__ = ["keygen"]


@click.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Private key file to write (mode 0600); the public key goes to OUT.pub.",
)
@click.option("--force", is_flag=True, help="Replace OUT and OUT.pub if they exist.")
@reports_errors
def keygen(out: Path, force: bool) -> None:
    """Make an Ed25519 key pair and print the public key (base64 of its raw 32 bytes).

    Register the public key with `skyshare party add NAME --public-key OUT.pub` or
    `PUT /v1/parties/me/key`. Keep OUT secret: it signs your messages. Refuses to replace an
    existing file unless --force is given (exit 2).
    """
    from skyshare.audit.signing import generate_private_key, public_key_b64, write_key_pair

    key = generate_private_key()
    pub_path = write_key_pair(out, key, overwrite=force)
    click.echo(f"wrote {out} (private, mode 0600) and {pub_path}", err=True)
    click.echo(public_key_b64(key))
