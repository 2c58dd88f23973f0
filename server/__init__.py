"""The rosterbook import server: a Flask app factory in the flaskr style.

Flask and the rest of the stack are imported when the app is made, not with the package: the
console script lives in server/cli.py, and `rosterbook validate` or `build` need none of it.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The app. Settings come from the environment (see server.settings); test_config overrides them."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from addin.files.limits import ReadLimits

    from .memory_request import InMemoryRequest
    from .private_files import private_folder
    from .settings import ServerSettings, database_url, load_secret_key

    settings = ServerSettings()
    test_config = dict(test_config or {})
    instance = test_config.pop("INSTANCE_PATH", None) or settings.instance_path
    app = Flask(__name__, instance_path=str(Path(instance).resolve()) if instance else None,
                instance_relative_config=True, template_folder=str(ROOT / "templates"))
    app.request_class = InMemoryRequest  # uploads never in a temporary file
    instance_path = Path(app.instance_path)
    private_folder(instance_path)
    app.config.from_mapping(
        DATABASE_URL=database_url(settings.database_url, instance_path),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        MAX_BATCH_ROWS=settings.max_batch_rows,
        READ_LIMITS=ReadLimits.from_env(),  # the same reading limits as `rosterbook validate`, from the same variables
        UPLOAD_MINUTES=settings.upload_minutes,
        CONNECTION_LIMIT=settings.connection_limit,
        CHANNEL_TIMEOUT=settings.channel_timeout,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        TRUSTED_PROXIES=settings.trusted_proxies,
        DB_POOL_SIZE=settings.db_pool_size,
        SECRET_KEY=settings.secret_key,
        PASSWORD_KEY=settings.password_key,
        PASSWORD_RETENTION=settings.password_retention,
        JSON_SORT_KEYS=False,
    )
    app.config.update(test_config)
    if "DATABASE_URL" in test_config:
        app.config["DATABASE_URL"] = database_url(test_config["DATABASE_URL"], instance_path)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = load_secret_key(instance_path)
    app.json.sort_keys = False

    from . import access_log, after_response, db, errors, web
    from .passwords import EXTENSION, keeper_from_config
    from .api import bp as api_bp
    from .xlwings_endpoints import bp as xlwings_bp

    access_log.init_app(app)  # first: its timer starts before any other hook
    db.init_app(app)
    after_response.init_app(app)
    app.extensions[EXTENSION] = keeper_from_config(app.config, instance_path)
    errors.register(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(xlwings_bp)
    web.init_app(app)  # the admins' pages, CSRF on forms, security headers
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # The client's address, scheme and host as the proxies in front saw them: the last
        # PROXIES values of each X-Forwarded-* header, which those proxies wrote themselves.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
    return app


__all__ = ["create_app"]
