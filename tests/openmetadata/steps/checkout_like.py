"""A small tree shaped like a real 1.1 checkout for the fast toolchain tests: a root Makefile
whose recipes format, generate and reinstall the way that release's do, setup.py pins, a
pre-commit config, a reactor pom with a code-analysis profile, and a UI package with
lifecycle scripts. Written for these tests (nothing copied); the checkout tier runs the real one.
"""

from __future__ import annotations

import json
from pathlib import Path

from connkit.openmetadata.workspace import Workspace

MAKEFILE = """\
PY_SOURCE ?= ingestion/src

install:  ## reinstall (non-editable)
\tpython -m pip install ingestion/

install_dev:  ## dev extra
\tpython -m pip install "ingestion[dev]/"

py_format:  ## format
\tpycln ingestion/ openmetadata-airflow-apis/ --extend-exclude $(PY_SOURCE)/metadata/generated
\tisort ingestion/ openmetadata-airflow-apis/ --skip $(PY_SOURCE)/metadata/generated --profile black --multi-line 3
\tblack ingestion/ openmetadata-airflow-apis/ --extend-exclude $(PY_SOURCE)/metadata/generated

py_format_check:  ## check
\tpycln ingestion/ openmetadata-airflow-apis/ --diff --extend-exclude $(PY_SOURCE)/metadata/generated
\tisort --check-only ingestion/ openmetadata-airflow-apis/ --skip $(PY_SOURCE)/metadata/generated --profile black
\tblack --check --diff ingestion/ openmetadata-airflow-apis/ --extend-exclude $(PY_SOURCE)/metadata/generated
\tPYTHONPATH="${PYTHONPATH}:./ingestion/plugins" pylint --fail-under=10 $(PY_SOURCE)/metadata || (echo "$$?"; exit 1)

generate:  ## models
\t@echo "generating"
\tmkdir -p ingestion/src/metadata/generated
\techo "${PWD}" > ingestion/src/metadata/generated/pwd.txt
\t$(MAKE) py_antlr js_antlr
\t$(MAKE) install

py_antlr:
\tantlr4 -Dlanguage=Python3 -o ingestion/src/metadata/generated/antlr ${PWD}/openmetadata-spec/src/main/antlr4/*.g4

js_antlr:
\tantlr4 -Dlanguage=JavaScript -o openmetadata-ui/src/main/resources/ui/src/generated/antlr ${PWD}/x.g4

install_antlr_cli:
\tcurl https://www.antlr.org/download/antlr-4.9.3-complete.jar >> /usr/local/bin/antlr4
"""

SETUP_PY = """\
base = {"antlr4-python3-runtime==4.9.2", "pydantic~=1.10"}
dev = {
    "black==22.3.0",
    "datamodel-code-generator==0.15.0",
    "isort",
    "pycln",
    "pylint",
}
setup(name="openmetadata-ingestion", version="1.1.0.0.dev0", extras_require={"dev": list(dev)})
"""

PRE_COMMIT = """\
repos:
  - repo: https://example.invalid/black
    rev: 22.3.0
    hooks:
      - id: black
  - repo: https://example.invalid/isort
    rev: 5.12.0
    hooks:
      - id: isort
        args: ["--profile", "black"]
  - repo: https://example.invalid/pycln
    rev: v1.2.4
    hooks:
      - id: pycln
"""

ROOT_POM = """\
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <groupId>org.open-metadata</groupId>
  <artifactId>platform</artifactId>
  <version>1.1.0-SNAPSHOT</version>
  <modules>
    <module>openmetadata-spec</module>
    <module>common</module>
    <module>openmetadata-service</module>
  </modules>
  <profiles>
    <profile>
      <id>static-code-analysis</id>
      <activation><property><name>!skipCodeAnalysis</name></property></activation>
      <build><plugins><plugin><artifactId>sonar-maven-plugin</artifactId></plugin></plugins></build>
    </profile>
    <profile>
      <id>other</id>
      <activation><property><name>!quick</name></property></activation>
    </profile>
  </profiles>
</project>
"""


def module_pom(artifact: str, *deps: str) -> str:
    refs = "".join(f"<dependency><artifactId>{d}</artifactId></dependency>" for d in deps)
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><parent><artifactId>platform</artifactId>'
        f"</parent><artifactId>{artifact}</artifactId><dependencies>{refs}</dependencies></project>"
    )


UI_SCRIPTS = {
    "preinstall": "cd ../../../../.. && yarn install --frozen-lockfile",
    "postinstall": "yarn run build-check",
    "json2ts": "sh json2ts.sh",
    "js-antlr": "antlr4 -Dlanguage=JavaScript -o src/generated/antlr x.g4",
    "parse-conn-schema": "node parseConnectionSchema && rm -rf connTemp",
}


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def build(root: Path) -> Workspace:
    write(root, "Makefile", MAKEFILE)
    write(root, "ingestion/setup.py", SETUP_PY)
    write(root, "ingestion/setup.cfg", "[isort]\nprofile = black\n")
    write(
        root,
        "ingestion/src/metadata/__init__.py",
        '__path__ = __import__("pkgutil").extend_path(__path__, __name__)\n',
    )
    write(root, "ingestion/src/metadata/ingestion/__init__.py", "")
    write(root, "ingestion/src/metadata/ingestion/source/__init__.py", "")
    write(root, "ingestion/src/metadata/ingestion/source/dashboard/__init__.py", "")
    write(root, "ingestion/src/metadata/ingestion/source/dashboard/dashboard_service.py", "X = 1\n")
    write(root, "openmetadata-airflow-apis/setup.py", "")
    write(root, ".pre-commit-config.yaml", PRE_COMMIT)
    write(root, "pom.xml", ROOT_POM)
    write(root, "openmetadata-spec/pom.xml", module_pom("openmetadata-spec", "common", "jackson"))
    write(root, "common/pom.xml", module_pom("common"))
    write(root, "common/src/main/java/A.java", "class A {}\n")
    write(root, "openmetadata-service/pom.xml", module_pom("openmetadata-service", "openmetadata-spec"))
    schemas = "openmetadata-spec/src/main/resources/json/schema"
    write(root, f"{schemas}/type/basic.json", "{}\n")
    write(root, f"{schemas}/entity/services/connections/connectionBasicType.json", "{}\n")
    write(root, "openmetadata-spec/src/main/antlr4/Fqn.g4", "grammar Fqn;\n")
    ui = "openmetadata-ui/src/main/resources/ui"
    write(root, f"{ui}/package.json", json.dumps({"scripts": UI_SCRIPTS}))
    write(root, f"{ui}/yarn.lock", "# yarn lockfile v1\n")
    write(root, f"{ui}/parseConnectionSchema.js", "")
    write(root, "package.json", json.dumps({"devDependencies": {"quicktype": "^15"}}))
    write(root, "yarn.lock", "# yarn lockfile v1\n")
    return Workspace(root)


def add_connector(
    ws: Workspace, service_type: str, name: str, module: str, refs: tuple[str, ...] = ()
) -> None:
    """A scaffolded-looking connector whose schema ``$ref``s the given files (relative)."""
    schema = {"properties": {f"p{i}": {"$ref": ref} for i, ref in enumerate(refs)}}
    folder = f"openmetadata-spec/src/main/resources/json/schema/entity/services/connections/{service_type}"
    write(ws.root, f"{folder}/{module}Connection.json", json.dumps(schema))
    package = f"ingestion/src/metadata/ingestion/source/{service_type}/{name}"
    write(ws.root, f"{package}/__init__.py", "")
    write(ws.root, f"{package}/metadata.py", "X = 1\n")
    write(ws.root, f"{package}/CONNECTOR_CONTEXT.md", "# brief\n")
    write(
        ws.root,
        f"ingestion/tests/unit/topology/{service_type}/test_{name}.py",
        "def test_x():\n    assert 1\n",
    )
