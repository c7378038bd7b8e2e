"""The gateway's domain: registry and access rules, journal hash chain, async message states.

Pure model and rules (no HTTP, AMQP, SQL or XML transport): ``registry``, ``passwords``, ``journal``,
``async_messages``, ``errors``.
"""
