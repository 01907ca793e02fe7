from vmeste.cli import main

main()
