"""The few calls the stack makes to its OpenMetadata server (httpx, from the host).

Waiting until ``/api/v1/system/version`` answers, logging in as the release's default admin
(basic auth), reading the ingestion bot's JWT through the API (it differs per fresh database),
and listing the entities a service holds, so ``stack.ingest`` can say what it created.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

import httpx

from connkit.errors import ConnkitError

#: The default admin of a basic-auth release (``AUTHORIZER_ADMIN_PRINCIPALS [admin]``,
#: ``AUTHORIZER_PRINCIPAL_DOMAIN openmetadata.org``); its password goes base64-encoded.
ADMIN_EMAIL = "admin@openmetadata.org"
ADMIN_PASSWORD = "admin"
BOT = "ingestion-bot"

#: Service type -> (its services collection, the collections of entities a service holds,
#: outermost first, each listed with the filter parameter the release's API takes).
ENTITIES = {
    "database": (
        "databaseServices",
        (("databases", "service"), ("databaseSchemas", "database"), ("tables", "databaseSchema")),
    ),
    "dashboard": ("dashboardServices", (("dashboards", "service"), ("charts", "service"))),
    "pipeline": ("pipelineServices", (("pipelines", "service"),)),
    "messaging": ("messagingServices", (("topics", "service"),)),
    "mlmodel": ("mlmodelServices", (("mlmodels", "service"),)),
    "storage": ("storageServices", (("containers", "service"),)),
    "search": ("searchServices", (("searchIndexes", "service"),)),
}


@dataclass(frozen=True)
class Server:
    url: str  # http://127.0.0.1:PORT

    def api(self, path: str) -> str:
        return f"{self.url}/api/v1/{path.lstrip('/')}"


def version(server: Server, timeout: float = 5.0) -> dict | None:
    try:
        response = httpx.get(server.api("system/version"), timeout=timeout)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def answers(url: str, timeout: float = 10.0) -> bool:
    """Whether ``url`` answers 200 (the admin port's /healthcheck, say)."""
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def serves_ui(server: Server, timeout: float = 30.0) -> bool:
    """Whether the server answers ``/`` with an HTML page (the UI's index.html from the UI jar's
    ``assets/``); a server built without the UI answers 404."""
    try:
        response = httpx.get(f"{server.url}/", timeout=timeout, follow_redirects=True)
    except httpx.HTTPError:
        return False
    kind = response.headers.get("content-type", "")
    return response.status_code == 200 and kind.startswith("text/html") and "<script" in response.text


def wait_version(server: Server, seconds: float) -> dict | None:
    """``/api/v1/system/version`` once it answers, or None after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        found = version(server)
        if found is not None or time.monotonic() > deadline:
            return found
        time.sleep(1)


def _check(response: httpx.Response, what: str) -> dict:
    if response.status_code >= 400:
        raise ConnkitError(f"{what}: the server answered {response.status_code}: {response.text[:300]}")
    return response.json()


def admin_token(server: Server) -> str:
    password = base64.b64encode(ADMIN_PASSWORD.encode()).decode()
    response = httpx.post(
        server.api("users/login"), json={"email": ADMIN_EMAIL, "password": password}, timeout=30
    )
    return _check(response, "logging in as the server's admin")["accessToken"]


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def bot_token(server: Server, admin: str, bot: str = BOT) -> str:
    """The bot's JWT: its user from ``/bots/name/{bot}``, then ``/users/token/{id}``."""
    found = _check(
        httpx.get(server.api(f"bots/name/{bot}"), headers=headers(admin), timeout=30), f"reading {bot}"
    )
    user_id = found["botUser"]["id"]
    token = _check(
        httpx.get(server.api(f"users/token/{user_id}"), headers=headers(admin), timeout=30),
        f"reading {bot}'s token",
    )
    return token["JWTToken"]


def entities(server: Server, token: str, service_type: str, service: str) -> list[str]:
    """Fully qualified names of what ``service`` holds (empty when it does not exist yet)."""
    collection, levels = ENTITIES.get(service_type, (f"{service_type}Services", ()))
    with httpx.Client(headers=headers(token), timeout=30) as client:
        if client.get(server.api(f"services/{collection}/name/{service}")).status_code != 200:
            return []
        names: list[str] = []
        previous: list[str] = []
        for entity, param in levels:
            parents = [service] if param == "service" else previous
            previous = [name for parent in parents for name in _list(client, server, entity, {param: parent})]
            names.extend(previous)
        return sorted(set(names))


def _list(client: httpx.Client, server: Server, entity: str, params: dict[str, str]) -> list[str]:
    names: list[str] = []
    after = None
    while True:
        query = {**params, "limit": "1000", **({"after": after} if after else {})}
        response = client.get(server.api(entity), params=query)
        if response.status_code != 200:
            return names
        data = response.json()
        names.extend(item["fullyQualifiedName"] for item in data.get("data", []))
        after = (data.get("paging") or {}).get("after")
        if not after:
            return names
