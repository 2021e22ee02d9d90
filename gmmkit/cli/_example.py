"""``gmmkit example``: run one of the worked examples, or list them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .._paths import prepare_out
from ._app import CommandError, console, one_line
from ._files import refuse_stdout


def example(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME", help="Which example; leave out to list them all."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="Folder for its figures."),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Small sizes: seconds, not minutes.", metavar=""),
    ] = False,
) -> None:
    """Run one of the worked examples (the same as python examples/NAME.py)."""
    # Not under handle_errors: the example's own warnings and exit status pass
    # through unchanged.
    from .. import examples

    if name is None:
        console.print(_examples_table(examples.EXAMPLES))
        return
    try:
        module = examples.load(name)
        if output is not None:
            refuse_stdout(output, "the example's figures", "a folder")
            prepare_out(output, create=False)
    except (CommandError, ValueError, OSError) as error:
        typer.echo(f"Error: {one_line(error)}", err=True)
        raise typer.Exit(1) from None
    argv = ["--quick"] if quick else []
    if output is not None:
        argv += ["--out", str(output)]
    try:
        status = module.main(argv)
    except OSError as error:  # e.g. the folder vanished or filled up mid-run
        typer.echo(f"Error: {one_line(error)}", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(status)


def _examples_table(summaries: dict[str, str]) -> Table:
    """The examples by name, each with what it shows."""
    table = Table(title="gmmkit examples: gmmkit example NAME [--out DIR]")
    table.add_column("name")
    table.add_column("what it shows")
    for key, summary in summaries.items():
        table.add_row(key, summary)
    return table
