"""One error type: every error a user can act on is a Level0Error, and only the two edges translate it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import click
import pytest
from click.testing import CliRunner

import kb_search
import triage
from kb_search.errors import Level0Error
from triage.cli import Level0Group

# Exceptions that never reach a user: caught where they are raised, or the HTTP edge's own type.
INTERNAL = {"kb_search.publish.MissingGenerationError", "triage.web.errors.ApiError"}


def exception_classes() -> list[type[BaseException]]:
    found = []
    for package in (kb_search, triage):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.endswith("__main__"):
                continue
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, BaseException) and cls.__module__ == info.name:
                    found.append(cls)
    return found


def test_every_exception_of_both_packages_is_a_level0_error():
    classes = exception_classes()
    assert len(classes) > 15
    others = [f"{c.__module__}.{c.__name__}" for c in classes if not issubclass(c, Level0Error)]
    assert sorted(others) == sorted(INTERNAL)


def test_every_error_class_has_its_own_code():
    subclasses = [c for c in exception_classes() if issubclass(c, Level0Error) and c is not Level0Error]
    generic = [c.__name__ for c in subclasses if c.code == Level0Error.code]
    assert generic == []


def test_the_message_is_one_line():
    error = Level0Error("first line\nsecond line", code="x", status=503, exit_code=1)
    assert (str(error), error.code, error.status, error.exit_code) == ("first line", "x", 503, 1)
    assert str(Level0Error("", code="index_unavailable")) == "index unavailable"


@pytest.mark.parametrize("exit_code", [1, 2])
def test_the_cli_edge_prints_one_line_with_the_errors_exit_code(exit_code):
    @click.group(cls=Level0Group)
    def cli() -> None:
        pass

    @cli.command()
    def fail() -> None:
        raise Level0Error("the database is down\ntraceback-like detail", exit_code=exit_code)

    result = CliRunner().invoke(cli, ["fail"])
    assert result.exit_code == exit_code
    assert result.output.splitlines() == ["Error: the database is down"]


def test_the_http_edge_answers_the_errors_status_and_code(make_app):
    app = make_app()

    @app.get("/api/test-failure")
    def failure():
        raise Level0Error("the contract database is not reachable", code="database_unavailable", status=503)

    response = app.test_client().get("/api/test-failure")
    assert response.status_code == 503
    assert response.get_json() == {
        "error": {"code": "database_unavailable", "message": "the contract database is not reachable"}
    }
