import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { listDigests, listValuesWithDigests } from '../db/lists';
import { listReferences, type RulesetDefinition } from '../routing/schema';

type Value = string | number;

/**
 * The current values of organizations' lists, kept by content (the SHA-256 stored with them), for the API's
 * simulations: one over a draft that names a 100,000-value list read and parsed its megabyte of JSON on every call
 * (tens of milliseconds on the event loop, in one piece), and compiled a new set of it. Now it reads each list's
 * digest, and the values only when they changed. The same array comes back for the same content, so the
 * compiled matcher built from it (routing/conditions.ts) is reused too. Bounded by the values held in total,
 * oldest out first.
 */
export class ListValuesCache {
  private readonly byDigest = new Map<string, Value[]>();
  private held = 0;

  constructor(private readonly maxValues = 2_000_000) {}

  /** The values, as they are now, of the named lists a ruleset's conditions use that exist, by name. */
  async currentListsOf(db: Db | Knex.Transaction, orgId: string, definition: RulesetDefinition): Promise<Record<string, Value[]>> {
    const names = [...new Set(listReferences(definition).map((l) => l.name))];
    const digests = await listDigests(db, orgId, names);
    const out: Record<string, Value[]> = {};
    const missing: string[] = [];
    for (const [name, sha] of digests) {
      const values = this.take(orgId, sha);
      if (values) out[name] = values;
      else missing.push(name);
    }
    for (const row of await listValuesWithDigests(db, orgId, missing)) out[row.name] = this.keep(orgId, row.values_sha256, row.values);
    return out;
  }

  private take(orgId: string, sha: string): Value[] | undefined {
    const key = `${orgId}:${sha}`;
    const values = this.byDigest.get(key);
    if (values) {
      // Most recently used last, so the oldest is first out.
      this.byDigest.delete(key);
      this.byDigest.set(key, values);
    }
    return values;
  }

  private keep(orgId: string, sha: string, values: Value[]): Value[] {
    if (values.length > this.maxValues) return values;
    const key = `${orgId}:${sha}`;
    const old = this.byDigest.get(key);
    if (old) return old;
    while (this.held + values.length > this.maxValues) {
      const [oldest, gone] = this.byDigest.entries().next().value!;
      this.byDigest.delete(oldest);
      this.held -= gone.length;
    }
    this.byDigest.set(key, values);
    this.held += values.length;
    return values;
  }
}
