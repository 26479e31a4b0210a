"""The auth fields of a new connection schema, shaped like the release's own connectors.

Each chosen auth type is one alternative. Where the release has shared auth schemas
(``connections/database/common/basicAuth.json`` and friends, 1.2+) an alternative refers to
them; where it has none (1.1 inlines ``username``/``password`` in each connection) the fields
are written inline. One inline alternative is written flat, as the release's connectors do;
several become an ``authType`` ``oneOf``. Database connectors keep ``username`` at the top
level, as upstream's do. A sample value for each alternative comes from the schema it uses,
so the scaffolded tests' config satisfies that release's credential schemas.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connkit.openmetadata.scaffold.options import ScaffoldOptions
from connkit.openmetadata.scaffold.samples import sample_of_file

CREDENTIALS = "../../../../security/credentials"
USERNAME_AUTHS = ("basic", "iam", "azure", "jwt")  # database alternatives that go with a username


@dataclass(frozen=True)
class Alternative:
    auth: str  # "basic", or "token" for token/oauth (and jwt outside databases)
    schema: dict[str, Any]  # {"$ref": ...} or an inline object schema
    sample: dict[str, Any]  # a value the alternative accepts
    definition: str = ""  # its name under the connection's definitions, when inline

    @property
    def inline(self) -> bool:
        return "$ref" not in self.schema


@dataclass(frozen=True)
class AuthSchema:
    properties: dict[str, Any]  # what the auth adds to the connection's properties
    definitions: dict[str, Any]  # inline alternatives of an authType, by name (referenced from it)
    required: tuple[str, ...]
    sample: dict[str, Any]  # config values that satisfy those properties
    common_url: bool  # the release's SQLAlchemy URL builder can read these fields

    @property
    def flat_fields(self) -> tuple[str, ...]:
        return tuple(p for p in self.properties if p != "authType")


def build(opts: ScaffoldOptions, refs: dict[str, str], schema_root: Path, label: str) -> AuthSchema:
    """The auth properties for ``opts``; ``refs`` are the shared auth schemas of the release."""
    connections = schema_root / "entity" / "services" / "connections" / opts.service_type
    alternatives = _alternatives(opts, refs, connections, label)
    properties: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    required: list[str] = []
    sample: dict[str, Any] = {}
    database = opts.service_type == "database"
    if database and any(a in opts.auth_types for a in USERNAME_AUTHS):
        properties["username"] = _string("Username", f"Username to connect to {label}.")
        required.append("username")
        sample["username"] = "admin"
    if len(alternatives) == 1 and alternatives[0].inline:
        only = alternatives[0]
        properties.update(only.schema["properties"])
        required.extend(only.schema["required"])
        sample.update(only.sample)
    elif alternatives:
        # Inline alternatives become named definitions: older model generators name every
        # inline oneOf item alike (AuthTypeItem), so the models would overwrite each other.
        for a in alternatives:
            if a.inline:
                definitions[a.definition] = a.schema
        properties["authType"] = {
            "title": "Auth Configuration Type",
            "description": "Choose Auth Config Type.",
            "mask": True,
            "oneOf": [
                {"$ref": f"#/definitions/{a.definition}"} if a.inline else a.schema for a in alternatives
            ],
        }
        required.append("authType")
        sample["authType"] = alternatives[0].sample
    flat_password = "username" in properties and "password" in properties
    shared_basic = "username" in properties and bool(alternatives) and not alternatives[0].inline
    return AuthSchema(
        properties, definitions, tuple(required), sample, common_url=flat_password or shared_basic
    )


def _alternatives(
    opts: ScaffoldOptions, refs: dict[str, str], connections: Path, label: str
) -> list[Alternative]:
    auths = opts.auth_types
    out: list[Alternative] = []
    if opts.service_type == "database":
        for auth in ("basic", "iam", "azure", "jwt"):
            if auth not in auths:
                continue
            if auth in refs:
                out.append(Alternative(auth, {"$ref": refs[auth]}, sample_of_file(connections / refs[auth])))
            else:
                out.append(_inline(auth, label, connections))
        if "token" in auths or "oauth" in auths:
            out.append(_inline("token", label, connections))
        return out
    if "basic" in auths:
        out.append(_inline("basic_user", label, connections))
    if {"token", "oauth", "jwt"} & set(auths):
        out.append(_inline("token", label, connections))
    for auth in ("iam", "azure"):
        if auth in auths:
            out.append(_inline(auth, label, connections))
    return out


def _inline(kind: str, label: str, connections: Path) -> Alternative:
    """An alternative written in the connection itself, with the fields upstream's connectors use."""
    password = _string("Password", f"Password to connect to {label}.", secret=True)
    if kind == "basic_user":
        username = _string("Username", f"Username to connect to {label}.")
        values = {"username": "admin", "password": "secret"}
        return _object("basic", "Basic Auth", {"username": username, "password": password}, values)
    if kind == "basic":
        return _object("basic", "Basic Auth", {"password": password}, {"password": "secret"})
    if kind == "token":
        token = _string("API Token", f"Token to authenticate with {label}.", secret=True)
        return _object("token", "Token Auth", {"token": token}, {"token": "secret-token"})
    if kind == "jwt":
        jwt = _string("JWT", f"JSON Web Token to authenticate with {label}.", secret=True)
        return _object("jwt", "JWT Auth", {"jwt": jwt}, {"jwt": "secret-jwt"})
    field, title, file = {
        "iam": ("awsConfig", "AWS Credentials", "awsCredentials.json"),
        "azure": ("azureConfig", "Azure Credentials", "azureCredentials.json"),
    }[kind]
    ref = f"{CREDENTIALS}/{file}"
    value = {field: {"title": f"{title} Configuration", "$ref": ref}}
    return _object(kind, f"{title} Auth", value, {field: sample_of_file(connections / ref)})


def _object(auth: str, title: str, properties: dict[str, Any], sample: dict[str, Any]) -> Alternative:
    schema: dict[str, Any] = {
        "title": title,
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return Alternative(auth, schema, {k: sample[k] for k in properties}, f"{auth}Auth")


def _string(title: str, description: str, secret: bool = False) -> dict[str, Any]:
    field: dict[str, Any] = {"title": title, "description": description, "type": "string"}
    if secret:
        field["format"] = "password"
    return field
