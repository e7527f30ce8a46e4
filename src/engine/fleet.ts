/**
 * Fleet rules in one place: how many hosts are worked on at once (`forks`), rolling
 * batches (`serial`), when to stop starting new batches (`maxFailPercent`), and Ctrl-C
 * (start nothing new; what runs finishes).
 */

/** How hosts are scheduled. */
export interface FleetOptions {
  /** Hosts worked on at once. @default 50 */
  forks?: number;
  /** Batch size: a number or a percentage of the hosts (`"25%"`). @default all hosts */
  serial?: string | number;
  /** Stop starting batches once more than this percentage of hosts failed. */
  maxFailPercent?: number;
  /** Once aborted, no host is started. */
  signal?: AbortSignal;
}

/** Splits items into batches of `serial` (a count or a percentage). */
export function batches<T>(items: T[], serial?: string | number): T[][] {
  if (serial === undefined || items.length === 0) return [items];
  const size = batchSize(items.length, serial);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Parses `--serial`: `N` or `N%` of `total`, at least 1. */
export function batchSize(total: number, serial: string | number): number {
  const text = String(serial).trim();
  const match = /^(\d+)(%?)$/.exec(text);
  if (!match) throw new RangeError(`Invalid serial value: '${text}' (expected N or N%)`);
  const n = Number(match[1]);
  const size = match[2] ? Math.floor((total * n) / 100) : n;
  return Math.max(1, size);
}

/**
 * Runs `work` for every item, at most `forks` at once, batch after batch. Items not
 * started (after Ctrl-C or too many failures) are passed to `skip`. Results keep the
 * order of `items`.
 */
export async function runFleet<T, R>(
  items: T[],
  options: FleetOptions,
  work: (item: T) => Promise<R>,
  failed: (result: R) => boolean,
  skip: (item: T, reason: string) => R,
): Promise<R[]> {
  const results = new Map<T, R>();
  let failures = 0;
  let stopReason: string | undefined;
  for (const batch of batches(items, options.serial)) {
    if (options.signal?.aborted) stopReason ??= "cancelled before it started";
    if (stopReason) {
      for (const item of batch) results.set(item, skip(item, stopReason));
      continue;
    }
    await pool(batch, options.forks ?? 50, async (item) => {
      if (options.signal?.aborted) {
        results.set(item, skip(item, "cancelled before it started"));
        return;
      }
      const result = await work(item);
      if (failed(result)) failures++;
      results.set(item, result);
    });
    if (options.maxFailPercent !== undefined && (failures * 100) / items.length > options.maxFailPercent) {
      stopReason = `not started: more than ${options.maxFailPercent}% of hosts failed`;
    }
  }
  return items.map((item) => results.get(item)!);
}

/** Runs `work` over items with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** A function that runs tasks with at most `limit` in flight, queueing the rest in order. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** Makes a limiter shared by everyone who holds it (e.g. every host's uploads). */
export function limiter(limit: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** Takes one of the limiter's slots until the returned function is called (once or more). */
export function hold(limit: Limiter): Promise<() => void> {
  return new Promise((granted) => {
    void limit(() => new Promise<void>((release) => granted(() => release())));
  });
}
