from commands.catalog import SUBCOMMANDS
from commands.routes import ROUTES


def test_every_subcommand_in_the_spec_has_a_handler():
    assert set(ROUTES) == {sub.name for sub in SUBCOMMANDS}
