from connkit.cli.program import main

main()
