import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { bundleOptions, tracedBundlePath } from './worker';

/**
 * `npm run build` prebundles the workflows so a production worker starts without webpack: dist/workflow-bundle.js
 * is picked up by the worker automatically, and workflow-bundle.traced.js beside it when tracing is on.
 */
async function main(): Promise<void> {
  const out = process.argv[2] ?? path.resolve(__dirname, '..', '..', 'workflow-bundle.js');
  const noop = () => undefined;
  const logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
  for (const [file, traced] of [[out, false], [tracedBundlePath(out), true]] as const) {
    const { code } = await bundleWorkflowCode({ ...bundleOptions(traced), logger });
    fs.writeFileSync(file, code);
    process.stdout.write(`workflow bundle written to ${file} (${(code.length / 1024).toFixed(0)} KiB)\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
