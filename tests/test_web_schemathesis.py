"""schemathesis generates requests from the OpenAPI document: no input may produce a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")

from attunement.config import Settings  # noqa: E402
from attunement.services import TEST_MASTER_KEY  # noqa: E402
from attunement.web.app import create_app  # noqa: E402

FOLDER = Path(tempfile.mkdtemp(prefix="attune-schemathesis-"))
APP = create_app(
    Settings(
        data_dir=FOLDER, database_url=f"sqlite:///{FOLDER / 'api.db'}", master_key=TEST_MASTER_KEY, seed=1
    )
)
_accounts = APP.state.services.accounts
_accounts.sign_up("fuzz", "a long enough password")
TOKEN = _accounts.create_token("fuzz", "schemathesis", ["read", "practice", "analyze"]).secret
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_a_server_error(case: object) -> None:
    from schemathesis.checks import not_a_server_error

    case.call_and_validate(  # type: ignore[attr-defined]
        headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error]
    )
