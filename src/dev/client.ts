import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openApiDocument } from './openapi';
import { projectRoot } from './tools';

/**
 * The typed client in clients/typescript is generated, never written by hand: the OpenAPI document the API
 * serves (openapi.json, also what Redocly and Schemathesis read) and its types (src/schema.ts, by
 * openapi-typescript). `npm run client:generate` rewrites both; a test fails when the committed ones are stale.
 */
export const clientDir = (): string => path.join(projectRoot(), 'clients', 'typescript');

export function generateClient(outDir = clientDir()): void {
  const documentFile = path.join(outDir, 'openapi.json');
  fs.mkdirSync(path.join(outDir, 'src'), { recursive: true });
  fs.writeFileSync(documentFile, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
  const cli = path.join(path.dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
  // Defaults do not make a field required: requests may leave it out; responses list such fields as required.
  // Its own lint warnings (the two intended ones, see .redocly.lint-ignore.yaml) would only be noise here.
  execFileSync(process.execPath, [cli, documentFile, '--output', path.join(outDir, 'src', 'schema.ts'), '--default-non-nullable=false'], { stdio: 'pipe' });
}

if (require.main === module) {
  generateClient(process.argv[2] ?? clientDir());
  process.stdout.write(`client generated in ${path.relative(process.cwd(), process.argv[2] ?? clientDir()) || '.'}\n`);
}
