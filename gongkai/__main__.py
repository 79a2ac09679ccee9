from gongkai.commands.cli import main

main()
