from gbd_fl_mock.entrypoints.main import main

main()
