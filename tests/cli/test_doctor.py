"""`connkit doctor` as a person runs it, on PATHs built here: the real tools where this machine
has them, a tool taken away, fakes standing in for what is absent or for a wrong version;
registries served on 127.0.0.1 (or refused by a proxy), a self-signed registry trusted
through SSL_CERT_FILE, and a full disk (a tmpfs)."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import certifi
import pytest

from tests.conftest import connkit_env, run_connkit
from tests.om_workspace import build_connector_workspace
from tests.tools import REPO

UI = Path("openmetadata-ui/src/main/resources/ui")

#: Stand-ins printing what the real tools print, for tools this machine lacks.
FAKES = {
    "git": "echo 'git version 2.43.0'",
    "make": "echo 'GNU Make 4.3'",
    "mvn": "echo 'Apache Maven 3.9.6'; echo 'Java version: 17.0.2, vendor: fake'",
    "java": "echo 'openjdk version \"17.0.2\" 2024-01-16' >&2",
    "node": "echo v20.11.0",
    "yarn": "echo 1.22.22",
    "debootstrap": "echo 'debootstrap 1.0.128'",
    "dot": "echo 'dot - graphviz version 2.43.0 (0)' >&2",
    "docker": ('case "$1" in version) echo 24.0.7;; compose) echo 2.24.5;; *) exit 1;; esac'),
}
TOOLS = tuple(FAKES)


def fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def build_path(tmp: Path, *, remove: tuple[str, ...] = (), fakes: dict[str, str] | None = None) -> str:
    """A PATH holding every command the current one has (as links), less ``remove``, with
    ``fakes`` in front."""
    shadow, front = tmp / "shadow", tmp / "fakes"
    shadow.mkdir()
    front.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not folder or not Path(folder).is_dir():
            continue
        for entry in Path(folder).iterdir():
            if entry.name in remove or (shadow / entry.name).exists() or (shadow / entry.name).is_symlink():
                continue
            if entry.is_file() and os.access(entry, os.X_OK):
                (shadow / entry.name).symlink_to(entry)
    for name, body in (fakes or {}).items():
        fake(front, name, body)
    return f"{front}{os.pathsep}{shadow}"


def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True)
    compose = subprocess.run(["docker", "compose", "version"], capture_output=True)
    return probe.returncode == 0 and compose.returncode == 0


def absent_fakes() -> dict[str, str]:
    """Fakes for the tools this machine does not have (docker: when its engine is not up)."""
    found = {name: body for name, body in FAKES.items() if shutil.which(name) is None}
    if "docker" not in found and not engine_answers():
        found["docker"] = FAKES["docker"]
    return found


class _Registry(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


def serve(tls: ssl.SSLContext | None = None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def registry():
    """One local server standing in for PyPI, npm and Maven Central."""
    server = serve()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workspace(tmp_path: Path, registry: str | None = None, pom: str | None = None) -> Path:
    """An assembled-like workspace: the build glue workspace.create writes (Makefile, spec pom),
    a UI package with the parse-schema script, one connector; Maven pointed at ``registry``."""
    ws = build_connector_workspace(tmp_path / "ws").root
    shutil.copy(REPO / "templates/workspace/build/Makefile", ws / "Makefile")
    shutil.copy(
        REPO / "templates/workspace/build/openmetadata-spec/pom.xml", ws / "openmetadata-spec/pom.xml"
    )
    if pom is not None:
        (ws / "openmetadata-spec/pom.xml").write_text(pom)
    (ws / UI / "package.json").write_text(json.dumps({"scripts": {"parse-schema": "node parse-schema.js"}}))
    if registry:
        (ws / ".mvn").mkdir()
        (ws / ".mvn/maven.config").write_text("-s .mvn/settings.xml\n")
        (ws / ".mvn/settings.xml").write_text(
            "<settings><mirrors><mirror><id>m</id><mirrorOf>*</mirrorOf>"
            f"<url>{registry}/maven2</url></mirror></mirrors></settings>\n"
        )
    return ws


def doctor(cwd: Path, path: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return run_connkit("doctor", *args, cwd=cwd, env=connkit_env(PATH=path, **env))


def registry_env(url: str) -> dict[str, str]:
    return {"PIP_INDEX_URL": f"{url}/simple", "npm_config_registry": url}


def by_name(proc: subprocess.CompletedProcess) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(proc.stdout)["checks"]}


def test_a_tool_taken_off_path_is_reported_with_its_fix_and_exit_1(tmp_path, registry):
    ws = workspace(tmp_path, registry)
    path = build_path(
        tmp_path, remove=("mvn", "mvnDebug"), fakes={k: v for k, v in absent_fakes().items() if k != "mvn"}
    )
    text = doctor(ws, path, **registry_env(registry))
    assert text.returncode == 1, text.stdout + text.stderr
    line = next(line for line in text.stdout.splitlines() if " Maven " in line)
    assert line.split()[0] == "missing" and "generate.java" in line
    assert "apt-get install maven" in text.stdout and "brew install maven" in text.stdout
    assert "problem(s): Maven" in text.stdout
    checks = by_name(doctor(ws, path, "--json", **registry_env(registry)))
    maven = checks["Maven"]
    assert maven["state"] == "missing" and maven["required"] and maven["needed_for"] == "generate.java"
    assert (
        maven["fix"]["debian"].endswith("apt-get install maven")
        and maven["fix"]["macos"] == "brew install maven"
    )
    assert all(c["state"] == "ok" for name, c in checks.items() if name != "Maven"), checks


def test_everything_present_is_ok_and_exit_0(tmp_path, registry):
    ws = workspace(tmp_path, registry)
    path = build_path(tmp_path, fakes=absent_fakes())
    proc = doctor(ws, path, "--json", **registry_env(registry))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] and report["failed"] == [] and report["workspace"] == str(ws)
    checks = {c["name"]: c for c in report["checks"]}
    assert set(checks) >= {
        "git", "make", "Maven", "JDK", "ANTLR", "Node.js", "yarn 1", "uv", "Python", "Docker engine",
        "Docker Compose v2", "debootstrap", "Graphviz dot", "PyPI", "npm", "Maven Central", "disk",
    }  # fmt: skip
    assert checks["make"]["needed_for"] == "generate.python"
    assert checks["yarn 1"]["needed_for"] == "generate.ui, generate.ui.deps"
    assert checks["PyPI"]["detail"].startswith(f"{registry}/simple/pip/ (PIP_INDEX_URL)")
    assert checks["Maven Central"]["detail"].startswith(
        f"{registry}/maven2/org/antlr/antlr4/maven-metadata.xml"
    )
    assert checks["ANTLR"]["detail"].startswith("no Makefile recipe runs antlr4")
    assert all(c["fix"] is None for c in checks.values())
    text = doctor(ws, path, **registry_env(registry))
    assert text.returncode == 0 and "this machine has everything the workflow needs" in text.stdout


def test_wrong_versions_and_a_silent_engine_are_named(tmp_path, registry):
    pom = (REPO / "templates/workspace/build/openmetadata-spec/pom.xml").read_text()
    pom = pom.replace(
        "<properties>", "<properties>\n    <maven.compiler.release>99</maven.compiler.release>", 1
    )
    ws = workspace(tmp_path, registry, pom=pom)
    fakes = {
        **absent_fakes(),
        "yarn": "echo 4.1.0",
        "docker": "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1",
    }
    proc = doctor(ws, build_path(tmp_path, fakes=fakes), "--json", **registry_env(registry))
    assert proc.returncode == 1
    checks = by_name(proc)
    jdk = checks["JDK"]
    assert jdk["state"] == "wrong version"
    assert "needs 99 or newer (openmetadata-spec/pom.xml: maven.compiler.release 99)" in jdk["detail"]
    assert jdk["fix"]["debian"].endswith("apt-get install openjdk-99-jdk-headless")
    assert checks["yarn 1"]["state"] == "wrong version"
    assert checks["yarn 1"]["fix"]["debian"].endswith("npm install --global yarn@1")
    assert checks["Docker engine"]["state"] == "not answering"
    assert "Cannot connect to the Docker daemon" in checks["Docker engine"]["detail"]
    assert "systemctl start docker" in checks["Docker engine"]["fix"]["note"]
    failed = json.loads(proc.stdout)["failed"]
    assert set(failed) == {"JDK", "yarn 1", "Docker engine", "Docker Compose v2"}


def test_an_optional_tool_missing_only_warns(tmp_path, registry):
    ws = workspace(tmp_path, registry)
    fakes = {k: v for k, v in absent_fakes().items() if k != "dot"}
    proc = doctor(ws, build_path(tmp_path, remove=("dot",), fakes=fakes), **registry_env(registry))
    assert proc.returncode == 0, proc.stdout
    line = next(line for line in proc.stdout.splitlines() if "Graphviz dot" in line)
    assert line.split()[:2] == ["missing", "(optional)"]
    assert "apt-get install graphviz" in proc.stdout and "brew install graphviz" in proc.stdout
    assert "1 optional missing: Graphviz dot" in proc.stdout


def test_a_tool_no_step_of_the_workspace_runs_is_not_needed_there(tmp_path, registry):
    ws = workspace(tmp_path, registry)
    (ws / "openmetadata-spec/pom.xml").unlink()  # no generate.java: nothing runs Maven
    fakes = {k: v for k, v in absent_fakes().items() if k != "mvn"}
    proc = doctor(
        ws, build_path(tmp_path, remove=("mvn", "mvnDebug"), fakes=fakes), "--json", **registry_env(registry)
    )
    assert proc.returncode == 0, proc.stdout
    maven = by_name(proc)["Maven"]
    assert maven["state"] == "missing" and not maven["required"] and maven["needed_for"] == ""
    assert json.loads(proc.stdout)["warnings"] == ["Maven"]


def test_registries_go_through_the_proxy_and_trust_ssl_cert_file(tmp_path):
    """A proxy that refuses makes every registry fail (so HTTPS_PROXY is used); a registry with
    a self-signed certificate answers once SSL_CERT_FILE names it, and fails without."""
    path = build_path(tmp_path, fakes=absent_fakes())
    outside = tmp_path / "nowhere"
    outside.mkdir()
    proxy = f"http://127.0.0.1:{closed_port()}"
    proc = doctor(outside, path, "--json", HTTPS_PROXY=proxy, https_proxy=proxy, NO_PROXY="", no_proxy="")
    assert proc.returncode == 1
    checks = by_name(proc)
    for name in ("PyPI", "npm", "Maven Central"):
        assert checks[name]["state"] == "not answering" and "via HTTPS_PROXY" in checks[name]["detail"]
        assert "HTTPS_PROXY" in checks[name]["fix"]["debian"]

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = serve(tls)
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}"
        trusted = by_name(
            doctor(outside, path, "--json", PIP_INDEX_URL=f"{url}/simple", SSL_CERT_FILE=str(cert))
        )
        assert trusted["PyPI"]["state"] == "ok", trusted["PyPI"]
        untrusted = by_name(
            doctor(outside, path, "--json", PIP_INDEX_URL=f"{url}/simple", SSL_CERT_FILE=certifi.where())
        )
        assert untrusted["PyPI"]["state"] == "not answering"
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted["PyPI"]["detail"]
    finally:
        server.shutdown()


def test_outside_a_workspace_the_machine_is_checked_and_the_rest_named(tmp_path, registry):
    outside = tmp_path / "nowhere"
    outside.mkdir()
    path = build_path(tmp_path, fakes=absent_fakes())
    proc = doctor(outside, path, **registry_env(registry))
    assert proc.returncode == 0, proc.stdout
    assert "no workspace here: checking the machine" in proc.stdout
    assert "Outside a workspace ANTLR, Python are not checked" in proc.stdout
    checks = by_name(doctor(outside, path, "--json", **registry_env(registry)))
    assert checks["Python"]["state"] == checks["ANTLR"]["state"] == "needs a workspace"
    assert checks["Maven"]["state"] == "ok" and checks["Maven"]["needed_for"] == "the default workspace"
    bad = doctor(outside, path, CONNKIT_WORKSPACE=str(outside))
    assert bad.returncode == 2 and "CONNKIT_WORKSPACE" in bad.stderr


def test_a_full_disk_under_the_download_cache_fails(tmp_path, registry):
    mount = tmp_path / "small"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.decode().strip()}); needs root")
    try:
        ws = workspace(tmp_path, registry)
        path = build_path(tmp_path, fakes=absent_fakes())
        proc = doctor(
            ws, path, "--json", CONNKIT_DOWNLOAD_CACHE=str(mount / "downloads"), **registry_env(registry)
        )
        assert proc.returncode == 1
        disks = [c for c in json.loads(proc.stdout)["checks"] if c["name"] == "disk"]
        low = [c for c in disks if c["state"] == "low"]
        assert len(low) == 1 and f"download cache {mount}/downloads" in low[0]["detail"]
        assert "CONNKIT_DOWNLOAD_CACHE=" in low[0]["fix"]["debian"]
        assert any(c["state"] == "ok" and "workspace cache" in c["detail"] for c in disks)
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.slow
def test_on_the_real_checkout_the_tree_says_what_it_needs(om_checkout):
    proc = run_connkit("doctor", "--json", cwd=om_checkout.root, env=om_checkout.env())
    checks = by_name(proc)
    assert "pom.xml: maven-compiler-plugin <source> 11" in checks["JDK"]["detail"]
    assert "pom.xml: requireMavenVersion 3.8" in checks["Maven"]["detail"]
    assert "org.antlr:antlr4:4.9.2:jar:complete" in checks["ANTLR"]["detail"] and checks["ANTLR"]["required"]
    assert "engines.yarn ^1.22.0" in checks["yarn 1"]["detail"]
    assert checks["Python"]["state"] == "ok" and "tests on 3.7, 3.8, 3.9" in checks["Python"]["detail"]
