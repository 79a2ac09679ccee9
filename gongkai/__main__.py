from gongkai.commands.start import run

run()
