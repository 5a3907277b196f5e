// Runs in the image's build stage, after `npm prune --omit=dev`: removes what the runtime never loads.
// The Temporal SDK's native bridge ships prebuilt binaries for five platforms (about 140 MB) and its Rust
// sources; the runtime needs the one for the platform the image is built for.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const bridge = path.dirname(require.resolve('@temporalio/core-bridge/package.json'));
const { getPrebuiltTargetName } = require(path.join(bridge, 'common.js'));
const keep = getPrebuiltTargetName();
let freed = 0;
const size = (p) => {
  const s = fs.statSync(p);
  return s.isDirectory() ? fs.readdirSync(p).reduce((n, e) => n + size(path.join(p, e)), 0) : s.size;
};
const remove = (p) => {
  if (!fs.existsSync(p)) return;
  freed += size(p);
  fs.rmSync(p, { recursive: true, force: true });
};
for (const target of fs.readdirSync(path.join(bridge, 'releases'))) if (target !== keep) remove(path.join(bridge, 'releases', target));
for (const sources of ['sdk-core', 'src', 'bridge-macros', 'Cargo.toml', 'Cargo.lock', 'scripts']) remove(path.join(bridge, sources));
if (!fs.existsSync(path.join(bridge, 'releases', keep, 'index.node'))) throw new Error(`no prebuilt Temporal bridge for ${keep}`);
process.stdout.write(`pruned ${(freed / 1024 / 1024).toFixed(0)} MB; kept the Temporal bridge for ${keep}\n`);
