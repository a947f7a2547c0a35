'use strict';
// npm pack's prepack: copies the repository's proto/ tree (tokend.v1 and
// the google.rpc protos it ships) and LICENSE into the package, so that the
// packed tarball carries them; postpack (--clean) removes the copies again.
const fs = require('fs');
const path = require('path');

const dest = path.join(__dirname, '..', 'proto');
const license = path.join(__dirname, '..', 'LICENSE');
if (process.argv.includes('--clean')) {
  fs.rmSync(dest, {recursive: true, force: true});
  fs.rmSync(license, {force: true});
  process.exit(0);
}

// The repository root: TOKEND_REPO_ROOT, else two levels up (client_stubs/node).
const root = process.env.TOKEND_REPO_ROOT || path.join(__dirname, '..', '..', '..');
const src = path.join(root, 'proto');
fs.rmSync(dest, {recursive: true, force: true});
function copy(from, to) {
  for (const entry of fs.readdirSync(from, {withFileTypes: true})) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copy(a, b);
    } else if (entry.name.endsWith('.proto')) {
      fs.mkdirSync(to, {recursive: true});
      fs.copyFileSync(a, b);
    }
  }
}
copy(src, dest);
fs.copyFileSync(path.join(root, 'LICENSE'), license);
