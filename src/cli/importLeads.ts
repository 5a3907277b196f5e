import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { jsonBytes, LEAD_BATCH_MAX, leadTooLarge, MAX_LEAD_BYTES } from '../schemas/leads';

/**
 * `npm run routeswit -- import leads.csv`: a CSV of any size streamed through POST /v1/leads/batch, up to 500
 * rows and 768 KB a request (the API takes 1 MB). Columns are lead fields by name (`email`, `first_name`,
 * `company`, …, `attributes.<name>`), or mapped with `--map field=Column Name`. Rows the API refuses, and rows
 * too large to be a lead, are written with their reasons to a report.
 * Resumable: after each answered batch the row count is saved beside the file, with the file's fingerprint
 * and a hash of the bytes imported so far; a second run of the same file starts after it (a changed file
 * starts over), and every batch carries an Idempotency-Key made from the file and its first row, so a batch
 * sent twice (the answer was lost when the run was stopped) creates nothing twice.
 */
export const LEAD_COLUMNS = ['email', 'first_name', 'last_name', 'company', 'domain', 'country', 'state', 'source', 'score', 'employees', 'industry', 'external_id'] as const;
const NUMERIC = new Set(['score', 'employees']);
/** A request's body stays under the API's 1 MB with room for the batch's own JSON. */
const MAX_BATCH_BYTES = 768 * 1024;
/**
 * Longer than any row worth reading: a row over a lead's 64 KB is reported as rejected, but past this the
 * file has a quote that is never closed (or is not a CSV), and reading on would hold the rest of it as one row.
 */
const MAX_RECORD_CHARS = 4 * 1024 * 1024;

export interface ImportOptions {
  file: string;
  baseUrl: string;
  apiKey: string;
  /** Lead field → CSV column, for columns not named like the field. */
  map?: Record<string, string>;
  /** Where refused rows go (row number, field, reason); default `<file>.rejected.csv`. */
  rejectedFile?: string;
  progress?: boolean;
}

export interface ImportReport {
  /** The state file beside it was for another file (or an older version of this one): the import started over. */
  restarted: boolean;
  rows: number;
  imported: number;
  duplicates: number;
  rejected: number;
  skipped: number;
  seconds: number;
  rejectedFile: string;
}

export class ImportError extends Error {}

interface Progress {
  rowsDone: number;
  imported: number;
  duplicates: number;
  rejected: number;
}

/** What is saved beside the file after each batch: how far the import got, and in which file. */
interface SavedState extends Progress {
  fingerprint: string;
  /** The file's bytes up to the end of row `rowsDone`, and their SHA-256: a resumed run checks both. */
  bytesDone: number;
  prefixSha256: string;
}

const NOTHING_DONE: Progress = { rowsDone: 0, imported: 0, duplicates: 0, rejected: 0 };

const stateFileOf = (file: string) => `${file}.import-state.json`;

/**
 * Written beside and renamed into place, which is atomic: an import killed while saving (a CI run caught one
 * mid-write) leaves the previous state, never half a file, so the next run still knows where to resume.
 */
function saveState(stateFile: string, progress: SavedState): void {
  fs.writeFileSync(`${stateFile}.tmp`, JSON.stringify(progress));
  fs.renameSync(`${stateFile}.tmp`, stateFile);
}

/** Which column feeds each lead field: the mapping first, then a column named like the field. */
function columnsFor(header: string[], map: Record<string, string>): Map<string, string> {
  const normalise = (c: string) => c.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const byName = new Map(header.map((c) => [normalise(c), c]));
  const out = new Map<string, string>();
  for (const [field, column] of Object.entries(map)) {
    if (![...LEAD_COLUMNS, 'attributes'].some((f) => field === f || field.startsWith('attributes.'))) throw new ImportError(`--map ${field}=…: not a lead field (${LEAD_COLUMNS.join(', ')}, attributes.<name>)`);
    if (!header.includes(column)) throw new ImportError(`--map ${field}=${column}: the file has no column "${column}" (it has: ${header.join(', ')})`);
    out.set(field, column);
  }
  for (const field of LEAD_COLUMNS) if (!out.has(field) && byName.has(field)) out.set(field, byName.get(field)!);
  for (const column of header) if (/^attributes\./i.test(column) && ![...out.values()].includes(column)) out.set(`attributes.${column.slice('attributes.'.length)}`, column);
  if (!out.has('email')) throw new ImportError(`the file has no email column: name one "email" or map it with --map email="<column>" (columns: ${header.join(', ')})`);
  return out;
}

function leadOf(row: Record<string, string>, columns: Map<string, string>): Record<string, unknown> {
  const lead: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [field, column] of columns) {
    const raw = row[column]?.trim() ?? '';
    if (raw === '') continue;
    const value = NUMERIC.has(field) && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    if (field.startsWith('attributes.')) attributes[field.slice('attributes.'.length)] = value;
    else lead[field] = value;
  }
  if (Object.keys(attributes).length) lead.attributes = attributes;
  return lead;
}

/**
 * SHA-256 of a file's first bytes, read as the import advances: each save hashes only the bytes since the
 * last one, so a state file can always say what the rows it counts were.
 */
class PrefixHash {
  private readonly hash = createHash('sha256');
  private hashed = 0;
  constructor(private readonly fd: number) {}

  upTo(bytes: number): string {
    const buf = Buffer.alloc(64 * 1024);
    while (this.hashed < bytes) {
      const n = fs.readSync(this.fd, buf, 0, Math.min(buf.length, bytes - this.hashed), this.hashed);
      if (n <= 0) break;
      this.hash.update(buf.subarray(0, n));
      this.hashed += n;
    }
    return this.hash.copy().digest('hex');
  }
}

/** Where a previous run of this same file stopped; nothing when there was none, or the file has changed since. */
function resumePoint(file: string, stateFile: string, id: string): { saved: Progress; bytesDone: number; changed: boolean } {
  if (!fs.existsSync(stateFile)) return { saved: NOTHING_DONE, bytesDone: 0, changed: false };
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Partial<SavedState>;
  const fd = fs.openSync(file, 'r');
  try {
    const same = state.fingerprint === id && typeof state.bytesDone === 'number' && new PrefixHash(fd).upTo(state.bytesDone) === state.prefixSha256;
    if (!same) return { saved: NOTHING_DONE, bytesDone: 0, changed: true };
    return { saved: { rowsDone: state.rowsDone ?? 0, imported: state.imported ?? 0, duplicates: state.duplicates ?? 0, rejected: state.rejected ?? 0 }, bytesDone: state.bytesDone!, changed: false };
  } finally {
    fs.closeSync(fd);
  }
}

/** The file's identity for idempotency keys: its size and first megabyte, so an edited file is a new import. */
function fingerprint(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(1024 * 1024);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return createHash('sha256').update(String(fs.fstatSync(fd).size)).update(head.subarray(0, n)).digest('hex').slice(0, 16);
  } finally {
    fs.closeSync(fd);
  }
}

interface BatchAnswer {
  results: Array<{ index: number; id?: string; duplicate?: boolean; error?: { message: string; details?: Array<{ path: string; message: string }> } }>;
}

async function send(o: ImportOptions, key: string, leads: Array<Record<string, unknown>>): Promise<BatchAnswer> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${o.baseUrl.replace(/\/$/, '')}/v1/leads/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ leads }),
    }).catch((err: unknown) => err as Error);
    if (!(res instanceof Error) && res.status === 200) return (await res.json()) as BatchAnswer;
    // Retry-After also comes with a 409 whose first request (an earlier run's) is still being answered.
    const retriable = res instanceof Error || res.status >= 500 || res.headers.has('retry-after');
    if (!retriable || attempt >= 8) {
      const why = res instanceof Error ? res.message : `HTTP ${res.status} ${(await res.text()).slice(0, 300)}`;
      throw new ImportError(`the API refused a batch (${why}); run the same command again to resume`);
    }
    await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
  }
}

export async function importLeads(o: ImportOptions): Promise<ImportReport> {
  if (!fs.existsSync(o.file)) throw new ImportError(`no such file: ${o.file}`);
  const started = Date.now();
  const stateFile = stateFileOf(o.file);
  const rejectedFile = o.rejectedFile ?? `${o.file}.rejected.csv`;
  const id = fingerprint(o.file);
  const { saved, changed } = resumePoint(o.file, stateFile, id);
  const progress = { ...saved };
  if (!saved.rowsDone) fs.writeFileSync(rejectedFile, stringify([['row', 'field', 'reason']]));
  const size = fs.statSync(o.file).size;
  const fd = fs.openSync(o.file, 'r');
  const prefix = new PrefixHash(fd);
  // On stderr, so stdout keeps only the summary; without a terminal it prints a line every few seconds.
  const bar = o.progress
    ? new SingleBar(
        { format: 'importing [{bar}] {percentage}% | {rows} rows | {imported} imported, {rejected} rejected | {eta_formatted} left', hideCursor: true, stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2000 },
        Presets.shades_classic,
      )
    : null;
  bar?.start(size, 0, { rows: 0, imported: 0, rejected: 0 });

  const parser = fs.createReadStream(o.file).pipe(parse({ columns: true, bom: true, skip_empty_lines: true, info: true, max_record_size: MAX_RECORD_CHARS }));
  let columns: Map<string, string> | undefined;
  let batch: Array<{ row: number; lead: Record<string, unknown> }> = [];
  let batchBytes = 0;
  let rowNumber = 0;
  let bytes = 0;
  const refused: string[][] = [];

  const save = () => {
    if (refused.length) fs.appendFileSync(rejectedFile, stringify(refused.splice(0)));
    saveState(stateFile, { ...progress, fingerprint: id, bytesDone: bytes, prefixSha256: prefix.upTo(bytes) });
    bar?.update(bytes, { rows: progress.rowsDone, imported: progress.imported, rejected: progress.rejected });
  };

  const flush = async () => {
    if (!batch.length) return;
    // Keyed by the batch's first row: batches end where rows and bytes say, the same way on every run of a file.
    const answer = await send(o, `import-${id}-r${batch[0]!.row}`, batch.map((b) => b.lead));
    for (const r of answer.results) {
      const row = batch[r.index]!.row;
      if (r.error) {
        progress.rejected++;
        for (const d of r.error.details ?? [{ path: '', message: r.error.message }]) refused.push([String(row), d.path.replace(/^leads\[\d+\]\.?/, ''), d.message]);
      } else if (r.duplicate) progress.duplicates++;
      else progress.imported++;
    }
    progress.rowsDone = batch.at(-1)!.row;
    batch = [];
    batchBytes = 0;
    save();
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { bytes: number } }>) {
      columns ??= columnsFor(Object.keys(record), o.map ?? {});
      rowNumber++;
      if (rowNumber <= saved.rowsDone) continue;
      const lead = leadOf(record, columns);
      const leadBytes = jsonBytes(lead);
      if (leadBytes > MAX_LEAD_BYTES) {
        // Too large for any request to carry as a lead: refused here, as the API would refuse it.
        await flush();
        progress.rejected++;
        progress.rowsDone = rowNumber;
        refused.push([String(rowNumber), '', leadTooLarge(leadBytes)]);
        bytes = info.bytes;
        save();
        continue;
      }
      if (batch.length === LEAD_BATCH_MAX || batchBytes + leadBytes > MAX_BATCH_BYTES) await flush();
      batch.push({ row: rowNumber, lead });
      batchBytes += leadBytes + 1;
      bytes = info.bytes;
    }
    await flush();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'CSV_MAX_RECORD_SIZE') throw new ImportError(`${o.file}: row ${rowNumber + 2} is longer than ${MAX_RECORD_CHARS / 1024 / 1024} MB: the file probably has a quote that is never closed`);
    if (code?.startsWith('CSV_')) throw new ImportError(`${o.file}: ${(err as Error).message}`);
    throw err;
  } finally {
    bar?.stop();
    fs.closeSync(fd);
  }
  fs.rmSync(stateFile, { force: true });
  return { restarted: changed, rows: rowNumber, ...progress, skipped: saved.rowsDone, seconds: (Date.now() - started) / 1000, rejectedFile };
}
