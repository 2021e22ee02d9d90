"""The Typer app of the ``gmmkit`` command, its consoles and its error handling.

Expected failures are one ``Error: ...`` line on stderr with exit code 1,
never a traceback; warnings are ``Warning: ...`` lines.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from .. import __version__


class _HelpWithoutType:
    """Show ``--help`` as a flag, without a ``<bool>`` type in the help."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class Command(_HelpWithoutType, TyperCommand):
    """A ``gmmkit`` command (``cls=`` of ``app.command``)."""


class _Group(_HelpWithoutType, TyperGroup):
    pass


app = typer.Typer(
    cls=_Group,
    help="Gaussian mixture models fitted by EM.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


class CommandError(Exception):
    """A user-facing failure, reported as one line on stderr."""


def one_line(text: Any) -> str:
    """``text`` as one line: every run of whitespace becomes one space.

    Parameters
    ----------
    text : object
        A message, or an exception whose message it is.

    Returns
    -------
    line : str
    """
    return " ".join(str(text).split())


def handle_errors(command: Callable) -> Callable:
    """Report expected failures as ``Error: ...`` on stderr, exit code 1.

    ValueError covers gmmkit's DataError, ModelFileError and
    ComponentCollapseError; OSError covers files that cannot be written;
    ImportError a missing optional dependency. Warnings (e.g. a fit that did
    not converge) are shown as ``Warning: ...`` lines.

    Parameters
    ----------
    command : callable
        The function of a command.

    Returns
    -------
    wrapper : callable
        ``command`` with its failures and warnings reported.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = command(*args, **kwargs)
            except (CommandError, ValueError, OSError, ImportError) as error:
                _show_warnings(caught)
                typer.echo(f"Error: {one_line(error)}", err=True)
                raise typer.Exit(1) from None
        _show_warnings(caught)
        return result

    return wrapper


def _show_warnings(caught: list) -> None:
    seen = set()
    for item in caught:
        message = one_line(item.message)
        if message not in seen and not issubclass(item.category, DeprecationWarning):
            seen.add(message)
            typer.echo(f"Warning: {message}", err=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"gmmkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the version.",
            metavar="",
        ),
    ] = False,
) -> None:
    """Gaussian mixture models fitted by EM."""


def main() -> None:
    """Entry point of the ``gmmkit`` script."""
    app()
