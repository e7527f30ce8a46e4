import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import type { HostResult } from "../engine/result.ts";
import { renderInstallSummary } from "./install_summary.ts";
import { makeStyle } from "./style.ts";
import { flame } from "../app/testing.ts";

function host(
  name: string,
  status: HostResult["status"],
  installed: Omit<NonNullable<HostResult["installed"]>, "app">,
): HostResult {
  return {
    name,
    address: name,
    status,
    exitCode: 0,
    durationMs: 1,
    steps: [],
    installed: { app: "flame", ...installed },
  };
}

Deno.test("renderInstallSummary() tells where Flame is, how to use it and what to do next", () => {
  const text = renderInstallSummary(
    [
      host("cp", "changed", {
        prefix: "/opt/flame",
        profiles: ["control-plane"],
        systemd: true,
        enable: false,
      }),
    ],
    makeStyle(false),
    flame,
  );
  match(text, /Flame is installed in \/opt\/flame on cp/);
  match(text, /configuration: \/opt\/flame\/conf\/flame-cluster\.yaml/);
  match(text, /environment: +\. \/opt\/flame\/sbin\/flmenv\.sh/);
  match(text, /next step: +sudo systemctl enable --now flame-session-manager\.service/);
});

Deno.test("renderInstallSummary() sums up hosts alike and leaves out hosts that failed", () => {
  const worker = { prefix: "/usr/local/flame", profiles: ["worker"], systemd: true, enable: true };
  const text = renderInstallSummary(
    [
      host("w1", "ok", worker),
      host("w2", "changed", worker),
      host("w3", "failed", worker),
    ],
    makeStyle(false),
    flame,
  );
  match(text, /on 2 hosts \(w1, w2\)/);
  match(text, /enabled and running: flame-executor-manager/);
  assertEquals(text.includes("w3"), false);
});

Deno.test("renderInstallSummary() without systemd shows how to start a service by hand", () => {
  const text = renderInstallSummary(
    [
      host("me", "changed", {
        prefix: "/home/me/flame",
        profiles: ["control-plane"],
        systemd: false,
        enable: false,
      }),
    ],
    makeStyle(false),
    flame,
  );
  match(
    text,
    /\/home\/me\/flame\/bin\/flame-session-manager --config \/home\/me\/flame\/conf\/flame-cluster\.yaml/,
  );
});
