"""The gateway's adapters: registry file, database tables and repositories (journal, async state)."""
