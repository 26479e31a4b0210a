"""The shared cache against a real bazel-remote on loopback: two machines, one server."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from connkit.engine.store.bazel_http import BazelHttpCache, ac_name, sha256_hex
from connkit.engine.store.layered import LayeredCache
from connkit.engine.store.local import LocalCache
from connkit.engine.store.settings import resolve_settings
from connkit.errors import UsageError
from tests.conftest import connkit_env, run_connkit
from tests.engine.store import flaky

pytestmark = pytest.mark.slow

PY = sys.executable
GEN = (
    "import glob,json,os;os.makedirs('out/gen',exist_ok=True)\n"
    "for p in sorted(glob.glob('spec/*.json')):\n"
    "    name=os.path.basename(p)[:-5]\n"
    "    open(f'out/gen/{name}.py','w').write(f'FIELDS = {sorted(json.load(open(p)))!r}\\n')\n"
    "print('generated', len(glob.glob('out/gen/*.py')))"
)
CONFIG = f"""
[[steps]]
id = "gen.models"
inputs = ["spec"]
outputs = ["out/gen"]
command = [{json.dumps(PY)}, "-c", {json.dumps(GEN)}]

[[steps]]
id = "gen.index"
deps = ["gen.models"]
inputs = ["out/gen"]
outputs = ["out/index.txt"]
command = ["sh", "-c", "ls out/gen > out/index.txt && echo indexed"]

[[steps]]
id = "check.bundle"
deps = ["gen.models"]
inputs = ["out/gen", "spec"]
outputs = ["out/bundle.tar"]
command = ["tar", "cf", "out/bundle.tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "out/gen"]

[[steps]]
id = "gen.blob"
inputs = ["spec"]
outputs = ["out/big.bin"]
command = [{json.dumps(PY)}, "-c", "import hashlib,os;os.makedirs('out',exist_ok=True);open('out/big.bin','wb').write(b''.join(hashlib.sha256(bytes([i % 256, i // 256])).digest() for i in range(60000)))"]
"""
STEP_IDS = {"gen.models", "gen.index", "check.bundle", "gen.blob"}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.fixture
def machine_a(tmp_path: Path) -> Path:
    """A workspace in git (outputs ignored), as a team's checkout is."""
    root = tmp_path / "a" / "ws"
    (root / "openmetadata-spec").mkdir(parents=True)
    (root / "openmetadata-spec" / ".keep").write_text("")
    (root / "spec").mkdir()
    for i in range(5):
        (root / "spec" / f"entity{i}.json").write_text(json.dumps({f"field{j}": j for j in range(i + 2)}))
    (root / "connkit.toml").write_text(CONFIG)
    (root / ".gitignore").write_text("out/\n.connkit/\n")
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-qm", "workspace", cwd=root)
    return root


def clone(source: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(source), str(dest)], check=True)
    return dest


def run_all(root: Path, *flags: str, **env: str) -> tuple[dict[str, str], subprocess.CompletedProcess]:
    proc = run_connkit("run", "all", "--json", "--logs", "none", *flags, cwd=root, env=connkit_env(**env))
    assert proc.returncode == 0, proc.stderr
    statuses = {s["id"]: s["status"] for s in json.loads(proc.stdout)["steps"]}
    return statuses, proc


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "out").rglob("*"))
        if p.is_file()
    }


def test_second_clone_restores_every_step_from_the_remote(machine_a, bazel_remote, tmp_path):
    statuses, proc = run_all(
        machine_a, "--remote-cache", bazel_remote.url, "--remote-cache-mode", "readwrite"
    )
    assert set(statuses.values()) == {"ran"} and set(statuses) == STEP_IDS
    assert "4 records" in proc.stderr and "stored" in proc.stderr

    machine_b = clone(machine_a, tmp_path / "b" / "ws")
    cache_b = tmp_path / "b" / "cache"
    assert not (machine_b / "out").exists()
    statuses, proc = run_all(machine_b, CONNKIT_CACHE_DIR=str(cache_b), CONNKIT_REMOTE_CACHE=bazel_remote.url)
    assert statuses == dict.fromkeys(STEP_IDS, "restored"), proc.stderr
    # The run's record (and history) says where each hit came from, and what it saved.
    steps = json.loads(proc.stdout)["steps"]
    assert {s["source"] for s in steps} == {"remote"} and all(s["saved"] > 0 for s in steps)
    assert tree(machine_b) == tree(machine_a)
    assert (machine_b / "out/gen/entity3.py").read_text().startswith("FIELDS = ['field0'")

    # Read-through: B's local store now holds everything, so B no longer needs the server.
    bazel_remote.stop()
    (machine_b / "out/index.txt").unlink()
    statuses, proc = run_all(machine_b, CONNKIT_CACHE_DIR=str(cache_b))
    assert {s["source"] for s in json.loads(proc.stdout)["steps"]} == {"local"}
    assert statuses == {
        "gen.models": "cached",
        "gen.index": "restored",
        "check.bundle": "cached",
        "gen.blob": "cached",
    }
    assert LocalCache(cache_b / "cache").stats().records == 4


def test_read_mode_never_uploads(machine_a, bazel_remote, tmp_path):
    statuses, _ = run_all(machine_a, "--remote-cache", bazel_remote.url, "--remote-cache-mode", "read")
    assert set(statuses.values()) == {"ran"}
    machine_b = clone(machine_a, tmp_path / "b" / "ws")
    statuses, _ = run_all(
        machine_b, "--remote-cache", bazel_remote.url, CONNKIT_CACHE_DIR=str(tmp_path / "b" / "cache")
    )
    assert set(statuses.values()) == {"ran"}


def test_config_names_the_remote_cache(machine_a, bazel_remote, tmp_path):
    config = machine_a / "connkit.toml"
    config.write_text(f'remote_cache = "{bazel_remote.url}"\n' + config.read_text())
    git("commit", "-qam", "share the cache", cwd=machine_a)
    run_all(machine_a)
    machine_b = clone(machine_a, tmp_path / "b" / "ws")
    statuses, _ = run_all(machine_b, CONNKIT_CACHE_DIR=str(tmp_path / "b" / "cache"))
    assert statuses == dict.fromkeys(STEP_IDS, "restored")
    # `none` switches a configured cache off for one run.
    statuses, _ = run_all(
        clone(machine_a, tmp_path / "c" / "ws"),
        CONNKIT_CACHE_DIR=str(tmp_path / "c" / "cache"),
        CONNKIT_REMOTE_CACHE="none",
    )
    assert set(statuses.values()) == {"ran"}


def test_stopped_server_warns_once_and_the_build_succeeds_locally(machine_a, bazel_remote):
    url = bazel_remote.url
    bazel_remote.stop()
    statuses, proc = run_all(machine_a, "--remote-cache", url)
    assert set(statuses.values()) == {"ran"}
    assert proc.stderr.count("remote cache unavailable") == 1, proc.stderr
    statuses, _ = run_all(machine_a, "--remote-cache", url)
    assert set(statuses.values()) == {"cached"}


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers: the slow-remote case."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


def test_slow_server_times_out_once_and_the_build_goes_on(machine_a, silent_server):
    statuses, proc = run_all(machine_a, "--remote-cache", silent_server, CONNKIT_REMOTE_CACHE_TIMEOUT="0.5")
    assert set(statuses.values()) == {"ran"}
    assert proc.stderr.count("remote cache unavailable") == 1, proc.stderr
    assert "Timeout" in proc.stderr


def test_tampered_remote_blob_is_rejected_and_the_step_reruns(machine_a, bazel_remote, tmp_path):
    run_all(machine_a, "--remote-cache", bazel_remote.url)
    # Bit rot on the server's disk, same size, so only a content check can notice.
    target = (machine_a / "out/gen/entity2.py").read_bytes()
    stored = [p for p in (bazel_remote.data / "cas.v2").rglob("*-*") if target in p.read_bytes()]
    assert stored  # the models' pack (and the bundle holding the same file)
    for path in stored:
        path.chmod(0o644)
        path.write_bytes(path.read_bytes().replace(target, target.replace(b"field", b"FIELD")))

    machine_b = clone(machine_a, tmp_path / "b" / "ws")
    statuses, proc = run_all(
        machine_b, "--remote-cache", bazel_remote.url, CONNKIT_CACHE_DIR=str(tmp_path / "bc")
    )
    assert statuses["gen.models"] == "ran", proc.stderr
    assert "rejected remote blob" in proc.stderr
    assert (machine_b / "out/gen/entity2.py").read_bytes() == target


def own_document(entry: dict) -> dict:
    own = next(f for f in entry["outputFiles"] if f["path"] == ".connkit/record.json")
    return json.loads(base64.b64decode(own["contents"]))


def with_document(entry: dict, doc: dict) -> dict:
    raw = json.dumps(doc).encode()
    for f in entry["outputFiles"]:
        if f["path"] == ".connkit/record.json":
            f["contents"] = base64.b64encode(raw).decode()
            f["digest"] = {"hash": sha256_hex(raw), "sizeBytes": str(len(raw))}
    return entry


def test_poisoned_action_entry_is_rejected(machine_a, bazel_remote, tmp_path):
    """An AC entry is not content addressed: one pointing a record at another real blob
    (valid for the server) must still fail connkit's BLAKE3 check."""
    run_all(machine_a, "--remote-cache", bazel_remote.url)
    record = next(r for _, r in LocalCache(machine_a / ".connkit/cache").records() if r.step == "gen.models")
    client = httpx.Client(base_url=bazel_remote.url)
    name = ac_name(record.key)
    entry = client.get(f"/ac/{name}", headers={"Accept": "application/json"}).json()
    doc = own_document(entry)
    pack = doc["packs"][0]
    evil = client.get(f"/cas/{pack['sha']}").content.replace(b"FIELDS = ", b"import os")
    assert len(evil) == pack["size"]
    assert client.put(f"/cas/{sha256_hex(evil)}", content=evil).status_code == 200
    pack["sha"] = sha256_hex(evil)
    for f in entry["outputFiles"]:
        if f["path"] == ".connkit/pack/0":
            f["digest"]["hash"] = sha256_hex(evil)
    assert client.put(f"/ac/{name}", json=with_document(entry, doc)).status_code == 200

    machine_b = clone(machine_a, tmp_path / "b" / "ws")
    statuses, proc = run_all(
        machine_b, "--remote-cache", bazel_remote.url, CONNKIT_CACHE_DIR=str(tmp_path / "bc")
    )
    assert statuses["gen.models"] == "ran"
    assert statuses["gen.blob"] == "restored"
    assert "rejected remote blob" in proc.stderr
    assert b"import os" not in (machine_b / "out/gen/entity0.py").read_bytes()


def test_entry_naming_another_key_is_refused(machine_a, bazel_remote, tmp_path):
    run_all(machine_a, "--remote-cache", bazel_remote.url)
    records = [r for _, r in LocalCache(machine_a / ".connkit/cache").records()]
    a, b = records[0], records[1]
    client = httpx.Client(base_url=bazel_remote.url)
    entry = client.get(f"/ac/{ac_name(a.key)}", headers={"Accept": "application/json"}).json()
    assert client.put(f"/ac/{ac_name(b.key)}", json=entry).status_code == 200
    remote = BazelHttpCache(bazel_remote.url)
    assert remote.get_entry(b.key) is None
    assert remote.get_entry(a.key).record == a


def test_the_server_holds_real_action_results(machine_a, bazel_remote):
    """bazel-remote validates /ac by default: our entries are ActionResults it accepts, listing
    each CAS blob they need; small outputs travel in one pack, big ones alone."""
    run_all(machine_a, "--remote-cache", bazel_remote.url)
    records = {r.step: r for _, r in LocalCache(machine_a / ".connkit/cache").records()}
    client = httpx.Client(base_url=bazel_remote.url)

    def entry_of(step: str) -> dict:
        name = ac_name(records[step].key)
        return client.get(f"/ac/{name}", headers={"Accept": "application/json"}).json()

    models = entry_of("gen.models")
    assert own_document(models)["record"]["key"] == records["gen.models"].key
    [pack] = [f for f in models["outputFiles"] if f["path"].startswith(".connkit/pack/")]
    packed = client.get(f"/cas/{pack['digest']['hash']}").content
    assert (machine_a / "out/gen/entity3.py").read_bytes() in packed

    big = (machine_a / "out/big.bin").read_bytes()
    assert len(big) > 1 << 20
    singles = [f for f in entry_of("gen.blob")["outputFiles"] if f["path"].startswith(".connkit/blob/")]
    assert [f["digest"]["hash"] for f in singles] == [hashlib.sha256(big).hexdigest()]


def htpasswd_line(user: str, password: str) -> str:
    digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()
    return f"{user}:{{SHA}}{digest}\n"


def test_credentials_come_from_the_environment_and_are_never_written(
    machine_a, bazel_remote_binary, tmp_path
):
    from .conftest import BazelRemote

    secret = "s3cret-Pa55word"
    (tmp_path / "htpasswd").write_text(htpasswd_line("ci", secret))
    server = BazelRemote(
        bazel_remote_binary,
        tmp_path / "data",
        tmp_path / "log",
        extra_args=("--htpasswd_file", str(tmp_path / "htpasswd")),
    )
    server.start()
    try:
        statuses, proc = run_all(
            machine_a,
            "--remote-cache",
            server.url,
            CONNKIT_REMOTE_CACHE_USER="ci",
            CONNKIT_REMOTE_CACHE_PASSWORD="wrong",
        )
        assert set(statuses.values()) == {"ran"}
        assert proc.stderr.count("remote cache unavailable") == 1 and "401" in proc.stderr
        assert "wrong" not in proc.stderr

        run_all(
            machine_a,
            "--force",
            "--remote-cache",
            server.url,
            CONNKIT_REMOTE_CACHE_USER="ci",
            CONNKIT_REMOTE_CACHE_PASSWORD=secret,
        )
        machine_b = clone(machine_a, tmp_path / "b" / "ws")
        statuses, proc = run_all(
            machine_b,
            "--remote-cache",
            server.url,
            CONNKIT_CACHE_DIR=str(tmp_path / "bc"),
            CONNKIT_REMOTE_CACHE_USER="ci",
            CONNKIT_REMOTE_CACHE_PASSWORD=secret,
        )
        assert statuses == dict.fromkeys(STEP_IDS, "restored")
        assert secret not in proc.stderr + proc.stdout
        for folder in (machine_a / ".connkit", tmp_path / "bc"):
            for path in folder.rglob("*"):
                if path.is_file():
                    assert secret.encode() not in path.read_bytes(), path
        refused = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"{server.url}/ac/{'0' * 64}"],
            capture_output=True,
            text=True,
        )
        assert refused.stdout == "401"
    finally:
        server.stop()


def test_settings_precedence_and_refusals():
    env = {"CONNKIT_REMOTE_CACHE": "http://env:1", "CONNKIT_REMOTE_CACHE_MODE": "read"}
    assert resolve_settings("http://flag:1", None, "http://cfg:1", environ=env).url == "http://flag:1"
    assert resolve_settings(None, None, "http://cfg:1", environ=env).url == "http://env:1"
    assert resolve_settings(None, None, "http://cfg:1/", environ={}).url == "http://cfg:1"
    assert resolve_settings(None, None, None, environ={}) is None
    assert resolve_settings(None, None, "http://cfg:1", environ={"CONNKIT_REMOTE_CACHE": "none"}) is None
    assert resolve_settings(None, None, "http://cfg:1", environ=env).mode == "read"
    assert resolve_settings(None, "readwrite", "http://cfg:1", environ=env).mode == "readwrite"
    assert resolve_settings(None, None, "http://cfg:1", environ={}).mode == "readwrite"
    with pytest.raises(UsageError, match="credentials"):
        resolve_settings("http://user:pw@host:1", None, None, environ={})
    with pytest.raises(UsageError, match="http"):
        resolve_settings("ftp://host", None, None, environ={})
    with pytest.raises(UsageError, match="mode"):
        resolve_settings("http://host:1", "write", None, environ={})


def test_bearer_token_is_sent(tmp_path):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(404)

    remote = BazelHttpCache(
        "http://cache.invalid",
        environ={"CONNKIT_REMOTE_CACHE_TOKEN": "tok"},
        transport=httpx.MockTransport(handler),
    )
    cache = LayeredCache(LocalCache(tmp_path / "store"), remote, warn=lambda m: None)
    assert cache.get_record("0" * 64) is None
    assert seen == ["Bearer tok"]


def test_packs_split_at_their_size_limit(machine_a, bazel_remote, tmp_path, monkeypatch):
    from connkit.engine.config import load_config
    from connkit.engine.execute import run_steps
    from connkit.engine.options import RunOptions
    from connkit.engine.project import Folder
    from connkit.engine.report import SilentReporter
    from connkit.engine.store import layered
    from connkit.engine.store.settings import RemoteSettings

    monkeypatch.setattr(layered, "PACK_SIZE", 120)
    settings = RemoteSettings(bazel_remote.url)

    def run_here(root: Path, store: Path) -> dict[str, str]:
        ws = Folder(root)
        cache = layered.backend_for(store, settings)
        try:
            result = run_steps(
                ws, load_config(ws).steps, (), RunOptions(), reporter=SilentReporter(), cache=cache
            )
        finally:
            cache.close()
        return {s.id: s.status.value for s in result.steps}

    assert set(run_here(machine_a, machine_a / ".connkit/cache").values()) == {"ran"}
    record = next(r for _, r in LocalCache(machine_a / ".connkit/cache").records() if r.step == "gen.models")
    entry = httpx.get(
        f"{bazel_remote.url}/ac/{ac_name(record.key)}", headers={"Accept": "application/json"}
    ).json()
    assert len(own_document(entry)["packs"]) >= 3
    machine_b = clone(machine_a, tmp_path / "b" / "ws")
    assert run_here(machine_b, tmp_path / "b" / "store") == dict.fromkeys(STEP_IDS, "restored")
    assert tree(machine_b) == tree(machine_a)


@pytest.mark.parametrize(
    "fault", [flaky.drop_every_third, flaky.bursts_of_503], ids=["drop-third", "503-bursts"]
)
def test_a_flaky_remote_is_retried_and_never_gives_a_false_hit(machine_a, bazel_remote, tmp_path, fault):
    """Write back through the faulty front, then restore a fresh clone through it: every
    request that failed was asked again, the remote stayed on, and every output is A's."""
    with flaky.flaky_proxy(bazel_remote.url, fault) as (url, counter):
        statuses, proc = run_all(machine_a, "--remote-cache", url)
        assert set(statuses.values()) == {"ran"}
        assert "4 records" in proc.stderr and "stored" in proc.stderr
        machine_b = clone(machine_a, tmp_path / "b" / "ws")
        statuses, proc = run_all(
            machine_b, "--remote-cache", url, CONNKIT_CACHE_DIR=str(tmp_path / "b" / "cache")
        )
        assert statuses == dict.fromkeys(STEP_IDS, "restored"), proc.stderr
        assert "remote cache unavailable" not in proc.stderr
        assert counter.faults >= 3, "the front never failed a request: the test proves nothing"
    assert tree(machine_b) == tree(machine_a)


def test_a_remote_that_went_down_is_asked_again_after_its_cool_down(tmp_path):
    import stamina

    from connkit.engine.store import layered

    calls, up, clock = [], [False], [1000.0]

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if not up[0]:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(404)

    warnings: list[str] = []
    remote = BazelHttpCache("http://cache.invalid", transport=httpx.MockTransport(handler))
    cache = LayeredCache(LocalCache(tmp_path / "store"), remote, warn=warnings.append, clock=lambda: clock[0])
    stamina.set_testing(True, attempts=1)
    try:
        assert cache.get_record("a" * 64) is None and len(calls) == 1
        assert not cache.available and len(warnings) == 1
        clock[0] += layered.COOLDOWN_S / 2
        assert cache.get_record("b" * 64) is None and len(calls) == 1  # still cooling down: not asked
        up[0] = True
        clock[0] += layered.COOLDOWN_S
        assert cache.available
        assert cache.get_record("c" * 64) is None and len(calls) == 2  # asked again, and it answered
        assert cache.available and len(warnings) == 1
    finally:
        stamina.set_testing(False)


def test_the_remote_is_reached_through_the_environments_proxy(machine_a, bazel_remote):
    """HTTP(S)_PROXY as a corporate network sets it: every request goes through the proxy."""
    with flaky.flaky_proxy(bazel_remote.url, lambda n: None) as (proxy, counter):
        env = {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
        statuses, proc = run_all(machine_a, "--remote-cache", bazel_remote.url, **env)
        assert set(statuses.values()) == {"ran"} and "4 records" in proc.stderr
        assert counter.n > 0
