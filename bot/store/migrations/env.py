"""Alembic environment: always handed a live connection by bot.store.migrate."""

from alembic import context

from bot.store.migrate import include_name
from bot.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic CLI
    raise SystemExit("run migrations with `alsbot db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
    include_name=include_name,
)
context.run_migrations()
