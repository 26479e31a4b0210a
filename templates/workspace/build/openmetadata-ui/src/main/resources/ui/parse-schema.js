#!/usr/bin/env node
/*
 * Dereference the spec's connection schemas for the UI's service forms.
 *
 * The UI renders a connector's configuration form from its connection schema with every
 * `$ref` inlined. This copies the spec's JSON schema tree (so relative `$ref`s resolve the
 * same way whatever the spec's location), dereferences each schema under
 * entity/services/connections, and writes the results to
 * src/jsons/connectionSchemas/connections/<same relative path>.
 *
 * Usage (from this folder): yarn parse-schema [SPEC_SCHEMA_DIR]
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const $RefParser = require('@apidevtools/json-schema-ref-parser');

const HERE = __dirname;
const DEFAULT_SPEC = path.resolve(HERE, '../../../../../openmetadata-spec/src/main/resources/json/schema');
const CONNECTIONS = path.join('entity', 'services', 'connections');
const OUT_DIR = path.join(HERE, 'src', 'jsons', 'connectionSchemas', 'connections');

function jsonFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...jsonFiles(full));
    } else if (entry.name.endsWith('.json')) {
      found.push(full);
    }
  }
  return found.sort();
}

async function dereference(file) {
  // `circular: 'ignore'` keeps a self-referencing definition as its `$ref` instead of
  // producing an object JSON cannot serialise; connection schemas have none.
  return $RefParser.dereference(file, { dereference: { circular: 'ignore' } });
}

async function main() {
  const spec = path.resolve(process.argv[2] || DEFAULT_SPEC);
  if (!fs.existsSync(path.join(spec, CONNECTIONS))) {
    throw new Error(`no ${CONNECTIONS} under ${spec}: pass the spec's json/schema folder`);
  }
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-schema-'));
  try {
    fs.cpSync(spec, copy, { recursive: true });
    const root = path.join(copy, CONNECTIONS);
    const staging = `${OUT_DIR}.tmp-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    let count = 0;
    for (const file of jsonFiles(root)) {
      const schema = await dereference(file);
      const target = path.join(staging, path.relative(root, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
      count += 1;
    }
    // Replace the previous output in one move, so a failed run leaves the old one intact.
    fs.rmSync(OUT_DIR, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(OUT_DIR), { recursive: true });
    fs.renameSync(staging, OUT_DIR);
    console.log(`parse-schema: ${count} connection schemas written to ${path.relative(HERE, OUT_DIR)}`);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`parse-schema: ${error.message}`);
  process.exit(1);
});
