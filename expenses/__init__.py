"""The travel-claim service: the Flask application factory."""

from flask import Flask

from expenses.config import configure


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    configure(app, test_config)
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from expenses import formatting, i18n, security, text
    from expenses.extensions import csrf, db

    db.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    text.init_app(app)
    formatting.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from expenses.api import bp as api
    from expenses.errors import init_app as init_errors
    from expenses.web import account, admin, audit, auth, documents, files, mentor, payments, review, rounds

    for blueprint in (
        auth.bp,
        account.bp,
        mentor.bp,
        review.bp,
        payments.bp,
        audit.bp,
        admin.bp,
        rounds.bp,
        files.bp,
        documents.bp,
        api,
    ):
        app.register_blueprint(blueprint)
    init_errors(app)


def _register_commands(app: Flask) -> None:
    from expenses import cli

    cli.init_app(app)
