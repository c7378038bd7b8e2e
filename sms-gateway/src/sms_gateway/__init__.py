"""sms-gateway: the mobile operator's SMS gateway, as a mock (port 8107).

Systems (the portal) send SMS with ``POST /api/messages``; what "arrived on the phone" is read from
the outbox (``GET /api/outbox``); a citizen's answer to an SMS is posted to ``POST /api/replies``
and polled by the sender with ``GET /api/replies``. Messages are kept in SQLite
(``var/sms-gateway/db.sqlite``) or ``DATABASE_URL``.
"""
