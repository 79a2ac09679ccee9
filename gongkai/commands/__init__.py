"""commands: what a clerk runs (cli, serve, archive, report, pack, hooks, new); nothing imports them."""
