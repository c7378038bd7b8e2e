from enis_mock.entrypoints.main import main

main()
