"""Database URLs: passwords are refused wherever they are written, and never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamreport.errors import DataSourceError
from kamreport.sources.dburl import database_url, mask_url


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://kam:s3cret@db/erp",
        "postgresql://kam@db/erp?password=s3cret",
        "postgresql://kam@db/erp?sslmode=require&PASSWORD=s3cret",
    ],
)
def test_a_literal_password_is_refused_and_not_repeated(url):
    with pytest.raises(DataSourceError) as caught:
        database_url(url, Path("."))
    assert "contains a password" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_mask_hides_user_and_query_passwords():
    assert mask_url("postgresql://kam:pw@db/erp") == "postgresql://kam:***@db/erp"
    assert mask_url("postgresql://kam@db/erp?password=pw&sslmode=require") == (
        "postgresql://kam@db/erp?password=***&sslmode=require"
    )


def test_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("KAM_DB_PASSWORD", "from-env")
    url = database_url("postgresql://kam:${KAM_DB_PASSWORD}@db/erp", Path("."))
    assert url.password == "from-env"
    assert url.drivername == "postgresql+psycopg"
