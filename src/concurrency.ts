/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
export async function inBatches<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * Group commit: work submitted under one key while `inFlight` batches for that key are running waits and goes,
 * with everything else that arrived meanwhile, into the next batch (at most `maxBatch` items). An item that
 * arrives when fewer run starts at once, so it costs no latency when the load is light; under load one batch
 * pays once for what each item would have paid alone (locks, round trips), and a second batch in flight
 * prepares while the first holds the locks both need. `run` answers each item with its result or its error,
 * in order.
 */
interface Lane<T, R> {
  queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }>;
  running: number;
}

export class GroupCommit<T, R> {
  private readonly lanes = new Map<string, Lane<T, R>>();

  constructor(
    private readonly run: (key: string, items: T[]) => Promise<Array<R | Error>>,
    private readonly opts: { maxBatch: number; inFlight: number },
  ) {}

  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let lane = this.lanes.get(key);
      if (!lane) this.lanes.set(key, (lane = { queue: [], running: 0 }));
      lane.queue.push({ item, resolve, reject });
      if (lane.running < this.opts.inFlight) void this.drain(key, lane);
    });
  }

  private async drain(key: string, lane: Lane<T, R>): Promise<void> {
    lane.running++;
    // Items submitted in the same tick join this batch.
    await Promise.resolve();
    while (lane.queue.length) {
      const batch = lane.queue.splice(0, this.opts.maxBatch);
      try {
        const results = await this.run(key, batch.map((b) => b.item));
        batch.forEach((b, i) => (results[i] instanceof Error ? b.reject(results[i]) : b.resolve(results[i] as R)));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    lane.running--;
    if (!lane.running) this.lanes.delete(key);
  }
}

/**
 * Calls `fn` for each item, handing the event loop back every `slice` items: for work over a large input
 * (100,000 list values) that would otherwise hold every other request of the process for a few hundred ms.
 */
export async function inSlices<T>(items: readonly T[], slice: number, fn: (item: T, index: number) => void): Promise<void> {
  for (let start = 0; start < items.length; start += slice) {
    if (start) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(items.length, start + slice);
    for (let i = start; i < end; i++) fn(items[i]!, i);
  }
}

/**
 * Synchronous work that may take tens of milliseconds (a lead evaluated against a ruleset, up to its budget)
 * runs here, and a turn of the event loop ends once it has run TURN_MS, so the loop polls I/O (other requests,
 * heartbeats, timers) between each two heavy pieces. Pieces that became ready together (the attempts of one
 * batch, simulations whose rows arrived in the same poll) would otherwise run back to back and hold every other
 * request for their sum: one organization's batch of 32 leads at a 30 ms budget each held a worker for a second.
 * Light pieces still share a turn.
 *
 * Pieces queue per tenant (the organization they serve), and tenants take pieces in rotation: first come
 * first served across the process let one organization's burst of heavy simulations and leads sit in front of
 * another organization's one light lead, which then waited for the whole burst. Now it waits for at most one
 * piece of each other tenant with work queued. Within a tenant, pieces run in the order submitted.
 */
const TURN_MS = 5;
const queues = new Map<string, Array<() => void>>();
// Tenants with pieces queued, in the order they next get one.
const ring: string[] = [];
let turning = false;

function runOne(): void {
  const tenant = ring.shift()!;
  const queue = queues.get(tenant)!;
  queue.shift()!();
  if (queue.length) ring.push(tenant);
  else queues.delete(tenant);
}

function nextTurn(): void {
  const until = performance.now() + TURN_MS;
  do runOne();
  while (ring.length && performance.now() < until);
  // An immediate queued from inside one runs on the loop's next iteration, after its poll for I/O.
  if (ring.length) setImmediate(nextTurn);
  else turning = false;
}

export function ownTurn<T>(fn: () => T, tenant = ''): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const piece = () => {
      try {
        resolve(fn());
      } catch (err) {
        reject(err);
      }
    };
    const queue = queues.get(tenant);
    if (queue) queue.push(piece);
    else {
      queues.set(tenant, [piece]);
      ring.push(tenant);
    }
    if (!turning) {
      turning = true;
      setImmediate(nextTurn);
    }
  });
}
