import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientDir, generateClient } from '../../src/dev/client';
import { ensurePythonTool, OPENAPI_SPEC_VALIDATOR, projectRoot } from '../../src/dev/tools';

/**
 * The OpenAPI document, checked by tools nobody here wrote: the OpenAPI 3.1 schema (openapi-spec-validator)
 * and Redocly's lint rules. The committed copy, and the client generated from it, must be what the code says.
 */
const documentFile = path.join(clientDir(), 'openapi.json');

describe('the committed document and client', () => {
  it('are what the code generates now (run `npm run client:generate` after changing a route or schema)', () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'routeswit-client-'));
    try {
      generateClient(fresh);
      for (const file of ['openapi.json', path.join('src', 'schema.ts')]) {
        const committed = fs.readFileSync(path.join(clientDir(), file), 'utf8');
        expect({ file, same: fs.readFileSync(path.join(fresh, file), 'utf8') === committed }).toEqual({ file, same: true });
      }
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  }, 60_000);

  it('compiles as a package on its own under tsc --strict', () => {
    const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', path.join(clientDir(), 'tsconfig.json'), '--noEmit'], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: run.status, out: run.stdout.trim() }).toEqual({ status: 0, out: '' });
  }, 120_000);
});

describe('the document', () => {
  it('validates against the OpenAPI 3.1 specification', () => {
    const tool = ensurePythonTool(OPENAPI_SPEC_VALIDATOR);
    const run = spawnSync(tool.command, [...tool.args, documentFile], { env: tool.env, encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, out: run.stdout.trim() || run.stderr.trim() }).toEqual({ status: 0, out: `${documentFile}: OK` });
  }, 180_000);

  it('lints clean with Redocly: no error, and no warning beyond the documented ones', () => {
    const cli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
    const run = spawnSync(process.execPath, [cli, 'lint', documentFile, '--config', '.redocly.yaml', '--format=json'], {
      cwd: projectRoot(),
      encoding: 'utf8',
      timeout: 60_000,
      // No telemetry and no update check: tests talk to nothing off this machine.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' },
    });
    const report = JSON.parse(run.stdout) as { totals: { errors: number; warnings: number; ignored: number }; problems: Array<{ ruleId: string; message: string }> };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 2 });
  }, 60_000);
});
