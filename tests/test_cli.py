"""The command line."""

from typer.testing import CliRunner

from gmmkit import __version__
from gmmkit.cli import app

runner = CliRunner()


def test_demo_prints_the_two_eruption_regimes():
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "2-component full GMM" in result.output
    assert "54.4" in result.output and "79.9" in result.output  # the two waiting means
    assert "converged" in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
