"""Alembic migrations of the store (`monitor db upgrade`); see `monitor.store.migrate`."""
