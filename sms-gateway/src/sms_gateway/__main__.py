"""``python -m sms_gateway``: start the SMS gateway mock."""

from sms_gateway.entrypoints.main import main

main()
