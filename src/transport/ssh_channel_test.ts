import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { EventEmitter } from "node:events";
import { Buffer } from "node:buffer";
import { Duplex, type DuplexOptions, Readable } from "node:stream";
import {
  type ChannelInput,
  driveChannel,
  openChannel,
  Slots,
  type SshChannel,
  type SshClient,
} from "./ssh_channel.ts";

/** A fake exec channel: a Duplex with ssh2's `stderr`, `signal()` and `close()`. */
function fakeChannel(options: DuplexOptions): SshChannel {
  return Object.assign(new Duplex(options), { stderr: new Readable({ read() {} }), signal() {}, close() {} });
}

/** A fake client: each exec hands `channel()` to its callback, then calls `started` with it. */
function fakeClient(channel: () => SshChannel, started: (channel: SshChannel) => void = () => {}): SshClient {
  return Object.assign(new EventEmitter(), {
    exec(_command: string, callback: (error: Error | undefined, channel: SshChannel) => void) {
      const opened = channel();
      callback(undefined, opened);
      started(opened);
    },
    end() {},
  });
}

/** Opens a channel on `client`, lets a tick pass (as a slot or a retry would), and drives it. */
async function runOn(client: SshClient, input?: ChannelInput) {
  const opened = await openChannel(client, "command");
  await new Promise((resolve) => setTimeout(resolve, 0));
  return await driveChannel(opened, {
    input,
    cancelled: () => new Error("cancelled"),
    lost: () => undefined,
  });
}

/**
 * A client whose commands finish the way a quick command does when its packets arrive
 * in one read: output, EOF, exit status and close, all in the tick the channel opens.
 */
function instantClient(exitCode: number | null, signalName?: string): SshClient {
  return fakeClient(() => fakeChannel({ read() {}, write: (_c, _e, done) => done() }), (channel) => {
    channel.push("hi\n");
    channel.push(null);
    channel.stderr.push(null);
    channel.emit("exit", exitCode, signalName);
    channel.emit("close");
  });
}

Deno.test("the exit status survives a command that ends in the tick its channel opens", async () => {
  const result = await runOn(instantClient(3));
  assertEquals([result.code, result.stdout.toString()], [3, "hi\n"]);
  assertEquals((await runOn(instantClient(null, "SIGTERM"))).code, 143);
});

Deno.test("Slots grants at most its size at once, in order", async () => {
  const slots = new Slots(2);
  const order: number[] = [];
  const first = (await slots.acquire())!;
  const second = (await slots.acquire())!;
  const third = slots.acquire().then((release) => {
    order.push(3);
    return release!;
  });
  const fourth = slots.acquire().then((release) => {
    order.push(4);
    return release!;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assertEquals(order, []);
  first();
  (await third)();
  second();
  (await fourth)();
  assertEquals(order, [3, 4]);
});

Deno.test("Slots.acquire() resolves undefined when its signal aborts while waiting", async () => {
  const slots = new Slots(1);
  const held = (await slots.acquire())!;
  const controller = new AbortController();
  const waiting = slots.acquire(controller.signal);
  controller.abort();
  assertEquals(await waiting, undefined);
  held();
  const again = await slots.acquire();
  assertEquals(typeof again, "function", "the aborted waiter gave its turn back");
});

Deno.test("a file is streamed in order through a few reused buffers, never more in flight", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "data");
    const bytes = Uint8Array.from({ length: 1_000_000 }, (_, i) => (i * 7) % 251);
    await Deno.writeFile(path, bytes);
    const received: Uint8Array[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let inFlight = 0;
    let mostInFlight = 0;
    // A channel that takes its time with each chunk, as a full SSH window makes ssh2 do.
    const channel: SshChannel = fakeChannel({
      read() {},
      write(chunk: Uint8Array, _encoding, done) {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        buffers.add(chunk.buffer);
        setTimeout(() => {
          received.push(new Uint8Array(chunk)); // a copy: Buffer#slice() is a view
          inFlight--;
          done();
        }, 1);
      },
      final(done) {
        done();
        channel.push(null);
        channel.stderr.push(null);
        channel.emit("exit", 0);
        setTimeout(() => channel.emit("close"), 5);
      },
    });
    using file = await Deno.open(path);
    const result = await runOn(fakeClient(() => channel), file);
    assertEquals(result.code, 0);
    assertEquals(Buffer.concat(received).equals(bytes), true, "the bytes arrive whole and in order");
    assertEquals(buffers.size <= 3, true, `${buffers.size} distinct buffers`);
    assertEquals(mostInFlight <= 3, true, `${mostInFlight} chunks in flight`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
