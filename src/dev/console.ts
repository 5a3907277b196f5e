import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './tools';

/**
 * The console (console/, React) is built by Vite into dist/console, which the API serves at /console. `npm run
 * build` builds it; `npm run dev` and the test run build it when any of its sources is newer than the build,
 * so nobody has to remember an extra command.
 */
const SOURCES = ['console/src', 'console/index.html', 'console/vite.config.mts', 'clients/typescript/src', 'src/routing/vocabulary.ts', 'src/lead/model.ts'];

export const consoleBuildDir = (): string => path.join(projectRoot(), 'dist', 'console');

function newestSource(file: string): number {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(file).map((f) => newestSource(path.join(file, f))));
}

export function consoleIsStale(): boolean {
  const built = path.join(consoleBuildDir(), 'index.html');
  if (!fs.existsSync(built)) return true;
  const root = projectRoot();
  return Math.max(...SOURCES.map((s) => newestSource(path.join(root, s)))) > fs.statSync(built).mtimeMs;
}

export function buildConsole(): void {
  const root = projectRoot();
  const vite = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', path.join(root, 'console', 'vite.config.mts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Under Jest NODE_ENV is 'test', which would bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** Builds the console when it is missing or older than its sources; says whether it did. */
export function ensureConsoleBuilt(): boolean {
  if (!consoleIsStale()) return false;
  buildConsole();
  return true;
}

if (require.main === module) {
  buildConsole();
  process.stdout.write(`console built in ${path.relative(process.cwd(), consoleBuildDir()) || '.'}\n`);
}
