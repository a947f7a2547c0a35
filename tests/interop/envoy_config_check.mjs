// Checks an Envoy config (JSON on stdin, converted from YAML by
// tests/deploy/check_ext_authz_examples.py) against Envoy's own protos
// (@grpc/grpc-js-xds's deps/envoy-api): every key is a field of its message
// (proto or JSON name), every "@type" names a known message, and enum
// values exist. Struct and map values are not descended into.
//
//   node envoy_config_check.mjs <root message, e.g.
//        envoy.config.bootstrap.v3.Bootstrap> < config.json
// Prints "ok: N fields" or the problems, exit 1.
import { readFileSync, accessSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const includes = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']
  .map((d) => join(deps, d)).concat(['/usr/include']);
const root = new protobuf.Root();
root.resolvePath = (origin, target) => {
  for (const dir of includes) {
    try { accessSync(join(dir, target)); return join(dir, target); } catch { /* next */ }
  }
  return protobuf.util.path.resolve(origin, target);
};
const doc = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
let fields = 0;
const loaded = new Set();

// Loads the .proto that defines `fullName` (Envoy's layout: package path +
// a file in it), trying every file of the package's directory.
function lookupType(fullName) {
  let t = root.lookup(fullName);
  if (t) return t;
  const parts = fullName.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const dir = parts.slice(0, i).join('/');
    for (const inc of includes) {
      let files = [];
      try { files = require('node:fs').readdirSync(join(inc, dir)); } catch { continue; }
      for (const f of files.filter((x) => x.endsWith('.proto'))) {
        const p = join(dir, f);
        if (loaded.has(p)) continue;
        loaded.add(p);
        try { root.loadSync(p, { keepCase: true }); } catch (e) { /* unrelated file */ }
        t = root.lookup(fullName);
        if (t) return t;
      }
    }
  }
  return null;
}

function camel(s) { return s.replace(/_([a-z])/g, (_, c) => c.toUpperCase()); }

function checkMessage(type, value, path) {
  if (type.fullName === '.google.protobuf.Any') {
    const url = value['@type'];
    if (typeof url !== 'string') { problems.push(`${path}: Any without @type`); return; }
    const inner = lookupType(url.replace(/^type\.googleapis\.com\//, ''));
    if (!inner) { problems.push(`${path}: unknown @type ${url}`); return; }
    const rest = { ...value };
    delete rest['@type'];
    checkMessage(inner, rest, `${path}<${inner.name}>`);
    return;
  }
  if (['.google.protobuf.Struct', '.google.protobuf.Value', '.google.protobuf.Duration',
    '.google.protobuf.Timestamp'].includes(type.fullName) || type.fullName.startsWith('.google.protobuf.') && type.fullName.endsWith('Value')) {
    return;  // JSON forms of well-known types
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${path}: expected a ${type.name} object`);
    return;
  }
  type.resolveAll();
  for (const [key, v] of Object.entries(value)) {
    const f = type.fields[key] || Object.values(type.fields).find((x) => camel(x.name) === key);
    if (!f) { problems.push(`${path}.${key}: no such field in ${type.fullName.slice(1)}`); continue; }
    fields++;
    const items = f.repeated && Array.isArray(v) ? v : [v];
    if (f.map) {
      if (f.resolvedType instanceof protobuf.Type) {
        for (const [k, mv] of Object.entries(v)) checkMessage(f.resolvedType, mv, `${path}.${key}[${k}]`);
      }
      continue;
    }
    for (const [i, item] of items.entries()) {
      const p = f.repeated ? `${path}.${key}[${i}]` : `${path}.${key}`;
      if (f.resolvedType instanceof protobuf.Type) checkMessage(f.resolvedType, item, p);
      else if (f.resolvedType instanceof protobuf.Enum && !(item in f.resolvedType.values)) {
        problems.push(`${p}: ${item} is not a ${f.resolvedType.name}`);
      }
    }
  }
}

const rootName = process.argv[2];
const rootType = lookupType(rootName);
if (!rootType) {
  console.error(`unknown root message ${rootName}`);
  process.exit(1);
}
checkMessage(rootType, doc, rootName.split('.').pop());
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`ok: ${fields} fields exist in Envoy's protos`);
