import gc

# Importing the commands makes many objects and no garbage: no collections
# meanwhile, and all of them straight to the oldest generation after.
gc.disable()
from gongkai.commands.cli import run  # noqa: E402

gc.freeze()
gc.unfreeze()
gc.enable()
run()
