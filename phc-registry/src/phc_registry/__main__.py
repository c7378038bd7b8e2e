from phc_registry.entrypoints.main import main

main()
