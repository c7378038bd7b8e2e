from egov_portal.entrypoints.main import main

main()
