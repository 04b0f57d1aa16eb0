"""Schema versions: an empty database is migrated, and migrating again changes nothing."""
import models
from core.database import close_database, schema_status
from models import db
from tests.helpers import connected, reset_postgres


def test_migrations_from_empty_and_rerun(app, runner):
    """Does init-db build every table, and is a second run a no-op?"""
    with connected(app):
        tables = set(db.get_tables())
        for model in models.MODELS:
            assert model._meta.table_name in tables
            columns = {c.name for c in db.get_columns(model._meta.table_name)}
            assert columns == {f.column_name for f in model._meta.sorted_fields}, model
        assert all(applied for _, applied in schema_status())
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Applied migrations" not in result.output
    assert "up to date" in result.output


def test_init_db_on_a_fresh_instance(tmp_path):
    """Does init-db on a brand-new instance create the database and the default station?"""
    import os
    from app import create_app
    from models import Station
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        reset_postgres(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url},
                     instance_path=str(tmp_path / "fresh"))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "0001_initial" in result.output
    with connected(app):
        assert Station.select().count() == 1
    close_database(app.extensions["database"])
