"""Configuration comes from the environment inside create_app; imports have no side effects."""

import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.platform.app import create_app
from appraisal.platform.config import ConfigError


def test_secret_key_is_required_in_production(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(env={"APPRAISAL_ENV": "production"})


def test_settings_are_read_from_the_environment(tmp_path):
    app = create_app(
        env={
            "APPRAISAL_ENV": "production",
            "SECRET_KEY": "k" * 32,
            "DATABASE_URL": "postgresql://u@db/x",
            "REDIS_URL": "redis://r:6379/0",
            "UPLOAD_DIR": str(tmp_path),
        }
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert app.config["REDIS_URL"] == "redis://r:6379/0"
    assert app.config["UPLOAD_DIR"] == str(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_defaults_are_the_embedded_ones():
    app = create_app(env={"APPRAISAL_ENV": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/appraisal.db")
    assert app.config["REDIS_URL"] is None
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_importing_modules_has_no_side_effects(tmp_path):
    """Importing every module (with no settings at all) creates nothing, registers
    nothing and raises nothing; only create_app does work."""
    code = (
        "import pkgutil, importlib, appraisal\n"
        "from sqlalchemy import event\n"
        "from sqlalchemy.orm import Session\n"
        "names = [m.name for m in pkgutil.walk_packages(appraisal.__path__, 'appraisal.')\n"
        "         if not m.name.endswith('__main__')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "from appraisal.platform import tenancy\n"
        "assert not event.contains(Session, 'do_orm_execute', tenancy._scope_statement)\n"
        "print(len(names))\n"
    )
    project = Path(__file__).resolve().parents[2]
    before = sorted(p.name for p in (project / "instance").glob("*")) if (project / "instance").exists() else []
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project)},
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 20
    after = sorted(p.name for p in (project / "instance").glob("*")) if (project / "instance").exists() else []
    assert before == after
