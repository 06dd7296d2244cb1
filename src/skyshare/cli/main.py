"""The ``skyshare`` command: a lazy group so that ``--help`` never imports the heavy parts."""

from __future__ import annotations

import importlib

import click

from skyshare import __version__

__all__ = ["cli", "main"]

#: command name -> (module, attribute, one-line help). Modules load only when run.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": ("skyshare.cli.serve", "serve", "Run the HTTP API, events and map."),
    "demo": ("skyshare.cli.demo", "demo", "Run a demo region with two parties on SQLite."),
    "party": ("skyshare.cli.party", "party", "Manage parties (add, list)."),
    "migrate": ("skyshare.cli.migrate", "migrate", "Create or upgrade the database schema."),
    "import": ("skyshare.cli.importer", "import_", "Import airspace restrictions from a file."),
    "detect": ("skyshare.cli.detect", "detect", "Detect tactical conflicts in a snapshot CSV."),
    "replay": ("skyshare.cli.replay", "replay", "Replay a recording and report encounters."),
    "keygen": ("skyshare.cli.keygen", "keygen", "Make an Ed25519 key pair for signing messages."),
    "message": ("skyshare.cli.message", "message", "Send, list and acknowledge hotline messages."),
    "audit": ("skyshare.cli.audit", "audit", "Verify the audit log; export your copy of it."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command = getattr(module, entry[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="skyshare")
def cli() -> None:
    """skyshare: share one airspace safely between operators who share no plans.

    Exit codes: 0 ok, 1 failure found, 2 bad input.
    """


def main() -> None:
    cli(prog_name="skyshare")
