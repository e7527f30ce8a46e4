/**
 * The safety net for fleets still running when the controller exits without calling `stop()`:
 * on `unload` each fleet is killed synchronously and its temp dir removed; on SIGINT, SIGTERM
 * or SIGHUP fleets are stopped and the process exits. (Even without this, a host's init exits
 * when the controller dies, because its lifeline pipe closes; only the temp dir would stay.)
 */

/** What the safety net needs of a fleet. */
export interface Stoppable {
  stop(): Promise<void>;
  /** Kills and removes everything synchronously; for `unload`, where nothing async runs. */
  stopNow(): void;
}

const SIGNALS = [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const;
const live = new Set<Stoppable>();
const listeners = SIGNALS.map(([signal, code]) => [signal, () => onSignal(code)] as const);
let exiting = false;

/** Watches `fleet` until `untrack()`. */
export function track(fleet: Stoppable): void {
  if (live.size === 0) {
    globalThis.addEventListener("unload", onUnload);
    for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);
  }
  live.add(fleet);
}

/** Stops watching `fleet`; the listeners go with the last fleet. */
export function untrack(fleet: Stoppable): void {
  if (!live.delete(fleet) || live.size > 0) return;
  globalThis.removeEventListener("unload", onUnload);
  for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
}

function onUnload(): void {
  for (const fleet of live) fleet.stopNow();
}

async function onSignal(code: number): Promise<void> {
  if (!exiting) {
    exiting = true;
    await Promise.allSettled([...live].map((fleet) => fleet.stop()));
  }
  Deno.exit(code);
}
