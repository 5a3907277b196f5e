import { parseArgs } from 'node:util';
import { loadConfigOrExit, type Config } from '../config';
import { createLogger } from '../logger';
import { Email } from '../schemas/common';
import { Role, ROLES } from '../schemas/users';
import { createUserWithLink } from '../services/users';
import { dbFromConfig, type Db } from '../db/knex';
import { listApiKeys } from '../db/apiKeys';
import { migrateLatest, openMigrationDb, migrateRollback, migrateUnlock, migrateWait, migrationStatus } from '../db/migrate';
import { createOrg, findOrg, listOrgs } from '../db/orgs';
import { generateKeySpec } from '../crypto/keyring';
import { ApiError } from '../errors';
import { isId } from '../ids';
import { OPERATOR_SCOPES, Scope } from '../schemas/apiKeys';
import { listOperatorKeys, revokeOperatorKey } from '../db/operatorKeys';
import { createOperatorKey } from '../services/operatorKeys';
import { createKey, revokeKey } from '../services/apiKeys';
import { createTemporal } from '../temporal/client';
import { ImportError, importLeads } from './importLeads';
import { BacktestCliError, backtestCli } from './backtest';
import { versions } from './versions';

const USAGE = `Routeswit admin CLI

  npm run routeswit -- orgs create <name>
  npm run routeswit -- orgs list
  npm run routeswit -- keys create --org <org_id> [--name <name>] [--restricted --scopes a,b]
  npm run routeswit -- keys create --operator [--name <name>]   (payloads:decode for the codec endpoint; in no organization)
  npm run routeswit -- keys list --org <org_id> | --operator
  npm run routeswit -- keys revoke <key_id>
  npm run routeswit -- keys generate-encryption-key [--id <key id>]   (a line for ENCRYPTION_KEYS)
  npm run routeswit -- users create --org <org_id> --email <email> [--role owner|admin|manager|viewer] [--name <name>]
                       (prints a single-use link where the person sets their password and signs in)
  npm run routeswit -- migrate [latest|status]   (latest also rebuilds indexes a stopped run left invalid)
  npm run routeswit -- migrate unlock   (frees the lock a killed migration left; then run migrate latest)
  npm run routeswit -- migrate wait [--timeout 600]   (until the database has this build's migrations)
  npm run routeswit -- migrate rollback [--all --yes]   (undoes the last batch; --all drops every table: data is lost)
  npm run routeswit -- doctor          (round trip: API client → Temporal → worker → Postgres)
  npm run routeswit -- versions promote [--build-id <id>]   (Worker Versioning: make a build current)
  npm run routeswit -- versions current
  npm run routeswit -- import <leads.csv> --key <api key> [--api http://localhost:3000] [--map field="Column"]…
                       [--rejected <report.csv>] [--no-progress]
                       (streams the CSV through POST /v1/leads/batch; run it again to resume after a stop)
  npm run routeswit -- backtest <ruleset id> --from <time> --to <time> --key <api key> [--api …] [--team t] [--source s]
                       [--limit n] [--no-progress]   (replays past leads through the ruleset; Ctrl-C cancels it)

Reads DATABASE_URL and the Temporal settings (TEMPORAL_ADDRESS, TEMPORAL_TLS_*, TEMPORAL_API_KEY, a profile) like the servers do.`;

class UsageError extends Error {}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function orgs(db: Db, args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const name = rest.join(' ').trim();
    if (!name) throw new UsageError('orgs create needs a name');
    print(await createOrg(db, name));
  } else if (sub === 'list') {
    print(await listOrgs(db));
  } else throw new UsageError(`unknown orgs command: ${sub ?? '(none)'}`);
}

async function users(db: Db, config: Config, args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new UsageError(`unknown users command: ${sub ?? '(none)'}`);
  const { values } = parseArgs({ args: rest, options: { org: { type: 'string' }, email: { type: 'string' }, role: { type: 'string', default: 'owner' }, name: { type: 'string' } } });
  if (!values.org || !isId('org', values.org) || !(await findOrg(db, values.org))) throw new UsageError('users create needs --org <existing org id>');
  const email = Email.safeParse(values.email);
  if (!email.success) throw new UsageError('users create needs --email <an email address>');
  const role = Role.safeParse(values.role);
  if (!role.success) throw new UsageError(`--role is one of ${ROLES.join(', ')}`);
  const made = await createUserWithLink({ db, config, logger: createLogger('warn', 'cli') }, values.org, email.data, role.data, values.name);
  print({ user: made.user, accept_url: made.acceptUrl });
  process.stderr.write(`Open the link to set a password and sign in (it works once, for ${config.INVITATION_HOURS} hours).\n`);
}

async function keys(db: Db, args: string[]): Promise<void> {
  if (args[0] === 'generate-encryption-key') {
    const { values } = parseArgs({ args: args.slice(1), options: { id: { type: 'string' } } });
    process.stdout.write(`${generateKeySpec(values.id)}\n`);
    process.stderr.write('Put it first in ENCRYPTION_KEYS (keep older keys listed after it until nothing encrypted with them is read).\n');
    return;
  }
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      name: { type: 'string' },
      restricted: { type: 'boolean', default: false },
      scopes: { type: 'string' },
      operator: { type: 'boolean', default: false },
    },
  });
  const [sub, id] = positionals;
  if (sub === 'create' && values.operator) {
    if (values.org || values.restricted || values.scopes) throw new UsageError('an operator key belongs to no organization and has its one scope: keys create --operator [--name <name>]');
    print(await createOperatorKey({ db }, values.name ?? 'operator key created by the admin CLI'));
    process.stderr.write('The secret above is shown only this once; store it now.\n');
  } else if (sub === 'list' && values.operator) {
    print((await listOperatorKeys(db)).map(({ token_hash: _hash, ...rest }) => rest));
  } else if (sub === 'create') {
    if (!values.org || !isId('org', values.org) || !(await findOrg(db, values.org))) throw new UsageError('keys create needs --org <existing org id>');
    let scopes: Scope[] | undefined;
    if (values.restricted || values.scopes) {
      if (!values.restricted || !values.scopes) throw new UsageError('a restricted key needs both --restricted and --scopes a,b');
      scopes = values.scopes.split(',').map((s) => {
        const parsed = Scope.safeParse(s.trim());
        if (!parsed.success) throw new UsageError(`unknown scope "${s}"; known: ${Scope.options.join(', ')}`);
        if (OPERATOR_SCOPES.includes(parsed.data)) throw new UsageError(`${parsed.data} is an operator scope, kept outside every organization: keys create --operator`);
        return parsed.data;
      });
    }
    const key = await createKey({ db }, values.org, { name: values.name ?? 'created by the admin CLI', scopes }, { maxKeys: loadConfigOrExit().MAX_API_KEYS_PER_ORG });
    print(key);
    process.stderr.write('The secret above is shown only this once; store it now.\n');
  } else if (sub === 'list') {
    if (!values.org) throw new UsageError('keys list needs --org <org id>');
    const rows = await listApiKeys(db, values.org, {}, undefined, 10_000);
    print(rows.map(({ token_hash: _hash, ...rest }) => rest));
  } else if (sub === 'revoke') {
    if (id && isId('operatorKey', id)) return print(await revokeOperatorKey(db, id));
    if (!id || !isId('key', id)) throw new UsageError('keys revoke needs a key id (key_… or opk_…)');
    // Operator keys moved out of a tenant keep their key_ id.
    const operatorKey = await revokeOperatorKey(db, id);
    print(operatorKey ?? (await revokeKey({ db }, null, id)));
  } else throw new UsageError(`unknown keys command: ${sub ?? '(none)'}`);
}


async function migrate(db: Db, args: string[]): Promise<void> {
  const sub = args[0] ?? 'latest';
  if (sub === 'latest') print({ applied: await migrateLatest(db) });
  else if (sub === 'unlock') {
    const wasLocked = await migrateUnlock(db);
    print({ unlocked: wasLocked });
    process.stderr.write(wasLocked ? 'The migration lock a stopped run left is free again: run migrate latest.\n' : 'The migration lock was not taken.\n');
  } else if (sub === 'wait') {
    const { values } = parseArgs({ args: args.slice(1), options: { timeout: { type: 'string', default: '600' } } });
    await migrateWait(db, Number(values.timeout), (pending) => process.stderr.write(`waiting for ${pending.length} migration(s): ${pending[0]}…\n`));
    print({ current: true });
  }
  else if (sub === 'rollback') {
    const { values } = parseArgs({ args: args.slice(1), options: { all: { type: 'boolean', default: false }, yes: { type: 'boolean', default: false } } });
    if (values.all && !values.yes) throw new UsageError('migrate rollback --all drops every Routeswit table and its data; add --yes if that is what you want');
    print({ rolled_back: await migrateRollback(db, values.all) });
  }
  else if (sub === 'status') print(await migrationStatus(db));
  else throw new UsageError(`unknown migrate command: ${sub}`);
}

async function doctor(): Promise<void> {
  const config = loadConfigOrExit();
  const temporal = createTemporal(config);
  try {
    const started = Date.now();
    const result = await temporal.client.workflow.execute('diagnosticsWorkflow', {
      taskQueue: temporal.taskQueue,
      workflowId: `diagnostics-${started}`,
      workflowExecutionTimeout: '30 seconds',
    });
    print({ ok: true, round_trip_ms: Date.now() - started, result });
  } finally {
    await temporal.close();
  }
}

/** Talks to the API only (a key and its URL), as any integration would: no database access needed. */
async function runImport(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      key: { type: 'string' },
      api: { type: 'string', default: process.env.ROUTESWIT_API_URL ?? 'http://localhost:3000' },
      map: { type: 'string', multiple: true, default: [] },
      rejected: { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  const apiKey = values.key ?? process.env.ROUTESWIT_API_KEY;
  if (!file) throw new UsageError('import needs a CSV file');
  if (!apiKey) throw new UsageError('import needs an API key with leads:write: --key, or ROUTESWIT_API_KEY');
  const map: Record<string, string> = {};
  for (const m of values.map) {
    const eq = m.indexOf('=');
    if (eq < 1) throw new UsageError(`--map ${m}: write it as field=Column`);
    map[m.slice(0, eq).trim()] = m.slice(eq + 1);
  }
  try {
    const r = await importLeads({ file, baseUrl: values.api, apiKey, map, rejectedFile: values.rejected, progress: !values['no-progress'] });
    process.stdout.write(
      `${r.rows} rows: ${r.imported} leads imported, ${r.duplicates} already there, ${r.rejected} rejected (reasons in ${r.rejectedFile})` +
        `${r.skipped ? `; resumed after row ${r.skipped}` : ''}${r.restarted ? '; the file had changed since the last run, so it was imported from its first row' : ''}; ${r.seconds.toFixed(1)} s\n`,
    );
    return r.rejected ? 3 : 0;
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    process.stderr.write(`import: ${err.message}\n`);
    return 1;
  }
}

async function runBacktest(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      key: { type: 'string' },
      api: { type: 'string', default: process.env.ROUTESWIT_API_URL ?? 'http://localhost:3000' },
      from: { type: 'string' },
      to: { type: 'string' },
      team: { type: 'string' },
      source: { type: 'string' },
      limit: { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
    },
  });
  const apiKey = values.key ?? process.env.ROUTESWIT_API_KEY;
  if (!positionals[0] || !values.from || !values.to) throw new UsageError('backtest needs a ruleset id, --from and --to');
  if (!apiKey) throw new UsageError('backtest needs an API key with rules:write: --key, or ROUTESWIT_API_KEY');
  const body = { from: values.from, to: values.to, ...(values.team ? { team: values.team } : {}), ...(values.source ? { source: values.source } : {}), ...(values.limit ? { limit: Number(values.limit) } : {}) };
  try {
    const { text } = await backtestCli({ rulesetId: positionals[0], body, baseUrl: values.api, apiKey, progress: !values['no-progress'] });
    process.stdout.write(text);
    return 0;
  } catch (err) {
    if (!(err instanceof BacktestCliError)) throw err;
    process.stderr.write(`backtest: ${err.message}\n`);
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (!group || group === 'help' || group === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return group ? 0 : 2;
  }
  if (group === 'doctor') {
    await doctor();
    return 0;
  }
  if (group === 'import') return runImport(rest);
  if (group === 'versions') {
    process.stdout.write(`${await versions(loadConfigOrExit(), rest)}\n`);
    return 0;
  }
  if (group === 'backtest') return runBacktest(rest);
  const config = loadConfigOrExit();
  const db = group === 'migrate' ? await openMigrationDb(config) : dbFromConfig(config, { poolMax: 2, applicationName: 'routeswit-cli' });
  try {
    if (group === 'orgs') await orgs(db, rest);
    else if (group === 'keys') await keys(db, rest);
    else if (group === 'users') await users(db, config, rest);
    else if (group === 'migrate') await migrate(db, rest);
    else throw new UsageError(`unknown command: ${group}`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    else if (err instanceof ApiError) process.stderr.write(`${err.code}: ${err.message}\n`);
    else process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
