import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="The demo tenant.")


@demo_cli.command("load")
def load():
    """Load (or refresh) the demo tenant and print the demo logins."""
    click.echo("demo loader not written yet")
