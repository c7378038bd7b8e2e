"""``python -m nuc_mock``: start the test CA."""

from nuc_mock.entrypoints.main import main

main()
