/**
 * `muster uninstall` end to end, on real files: a real install on a local test fleet (each
 * host its own /etc, /usr/local, /var/lib and processes), then uninstalls over SSH through
 * `sudo`, checked with checksums of the trees before and after.
 */
import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import { startFleet } from "../fleet/fleet.ts";
import { hostVisibleRepo } from "./muster.ts";
import {
  buildFixture,
  exists,
  muster,
  onHost,
  type Run,
  sums,
  TmuxRun,
  treeSum,
} from "./uninstall_support.ts";

const PREFIX = "/usr/local/flame";

Deno.test("uninstall end to end on a real fleet", async (t) => {
  const src = await buildFixture();
  await using fleet = await startFleet({ count: 3, firstOctet: 141 });
  const [host1, host2, host3] = fleet.hosts;
  const inventory = await fleet.writeInventory({
    hostVars: Object.fromEntries(fleet.hosts.map((h) => [h.name, {
      flame_endpoint: `http://${h.address}:8080`,
      flame_cache_endpoint: `grpc://${h.address}:9090`,
    }])),
  });
  // host3 and a host that refuses connections (nothing listens on port 1).
  const withGhost = `${fleet.dir}/with-ghost.yml`;
  const deploy = {
    ansible_user: "deploy",
    ansible_ssh_private_key_file: fleet.keyFile,
    ansible_become: true,
  };
  await Deno.writeTextFile(
    withGhost,
    JSON.stringify({
      all: {
        hosts: {
          host3: { ansible_host: host3.address, ...deploy },
          ghost: { ansible_host: "127.0.0.1", ansible_port: 1, ...deploy },
        },
      },
    }),
  );
  const uninstall = (...args: string[]): Promise<Run> =>
    muster(["uninstall", "-i", inventory, "--host-key-checking", "off", "--no-color", ...args]);
  const on3 = (...args: string[]) => uninstall("-l", "host3", ...args);
  /** A copy of host3's real installation at `dest`, with its data, modes and owners. */
  const cloneOn3 = (dest: string) =>
    onHost(host3, `mkdir -p "$(dirname ${dest})" && cp -a ${PREFIX} ${dest}`);

  try {
    await t.step("install Flame with its services on every host", async () => {
      const run = await muster([
        "install",
        "-i",
        inventory,
        "--host-key-checking",
        "off",
        "--src-dir",
        src,
        "--skip-build",
        "--enable",
      ]);
      assertEquals(run.code, 0, run.output);
      // Data and logs a running cluster would have, owned by flame.
      await Promise.all(fleet.hosts.map((host) =>
        onHost(
          host,
          `cd ${PREFIX} && head -c 300000 /dev/urandom > data/sessions.db && mkdir -p data/cache/obj && ` +
            `head -c 5000 /dev/urandom > data/cache/obj/1 && printf 'fsm started\\n' >> logs/fsm.log && ` +
            `printf 'odd\\n' > 'data/cache/a name with spaces' && chmod 600 data/sessions.db && ` +
            `chown -R flame:flame data logs`,
        )
      ));
    });

    // The three hosts' scenarios are independent: they run at the same time, each host's in order.
    const track = (name: string, fn: (s: Deno.TestContext) => Promise<void>) =>
      t.step({ name, fn, sanitizeOps: false, sanitizeResources: false, sanitizeExit: false });
    await Promise.all([
      track("host1: defaults, then --remove-user", async (s) => {
        await s.step(
          "defaults: services stopped, a verified backup identical to the originals, no prefix",
          async () => {
            const before = await sums(host1, PREFIX);
            const run = await uninstall("-l", "host1", "--force");
            assertEquals(run.code, 0, run.output);
            assertEquals(await exists(host1, PREFIX), false);
            const backups = (await onHost(host1, "ls -d /usr/local/flame.backup.*")).trim().split("\n");
            assertEquals(backups.length, 1);
            const backup = backups[0];
            assertMatch(backup, /^\/usr\/local\/flame\.backup\.\d{8}-\d{6}$/);
            assertMatch(run.stdout, new RegExp(`backup: +${backup}`));
            // Byte for byte: every file of conf/, data/ and logs/ is in the backup with the same SHA-256.
            const copied = await sums(host1, backup);
            const originals = [...before].filter(([path]) => /^(conf|data|logs)\//.test(path));
            assert(originals.length >= 5);
            assertEquals(
              new Map([...copied].filter(([path]) => !/^(MANIFEST\.sha256|manifest\.tsv)$/.test(path))),
              new Map(originals),
            );
            await onHost(host1, `cd ${backup} && sha256sum --quiet --strict -c MANIFEST.sha256`);
            const tsv = await onHost(host1, `cat ${backup}/manifest.tsv`);
            assertEquals(tsv.trim().split("\n").length - 1, originals.length);
            assert(tsv.includes(`data/sessions.db\t300000\t0600\t${before.get("data/sessions.db")}`), tsv);
            assertEquals(await onHost(host1, `stat -c '%a %U' ${backup}/data/sessions.db`), "600 flame\n");
            // Units and services are gone; the user stays (no --remove-user).
            assertEquals(await onHost(host1, "ls /etc/systemd/system | grep flame || true"), "");
            assertEquals(await onHost(host1, "ps -o args= -u flame || true"), "");
            await onHost(host1, "id flame");
          },
        );

        await s.step(
          "--remove-user with a process running as flame keeps the user and says why",
          async () => {
            const pid = (await onHost(
              host1,
              "setsid runuser -u flame -- sleep 300 >/dev/null 2>&1 < /dev/null & echo $!",
            ))
              .trim();
            const kept = await uninstall("-l", "host1", "--force", "--remove-user");
            assertEquals(kept.code, 0, kept.output);
            assertMatch(kept.output, /user flame kept: processes run as flame: +\d+ sleep 300/);
            await onHost(host1, "id flame");
            await onHost(host1, `kill ${pid}; while ps -u flame >/dev/null; do sleep 0.05; done`);
            const removed = await uninstall("-l", "host1", "--force", "--remove-user");
            assertEquals(removed.code, 0, removed.output);
            assertEquals((await host1.sh("id flame")).code, 1);
            assertEquals((await host1.sh("getent group flame")).code, 2);
          },
        );
      }),
      track("host2: the restore path", async (s) => {
        await s.step(
          "restore path: --preserve-data --preserve-config, then install reuses them",
          async () => {
            const before = await sums(host2, PREFIX);
            const run = await uninstall("-l", "host2", "--force", "--preserve-data", "--preserve-config");
            assertEquals(run.code, 0, run.output);
            assertEquals(await onHost(host2, `ls -A ${PREFIX}`), "conf\ndata\n");
            const backup = (await onHost(host2, "ls -d /usr/local/flame.backup.*")).trim();
            assertEquals(await onHost(host2, `ls -A ${backup}`), "MANIFEST.sha256\nlogs\nmanifest.tsv\n");
            const again = await muster([
              "install",
              "-i",
              inventory,
              "-l",
              "host2",
              "--host-key-checking",
              "off",
              "--src-dir",
              src,
              "--skip-build",
              "--enable",
            ]);
            assertEquals(again.code, 0, again.output);
            const after = await sums(host2, PREFIX);
            for (const [path, sum] of before) {
              if (/^(conf|data)\//.test(path)) assertEquals(after.get(path), sum, path);
            }
            await onHost(host2, "systemctl is-active --quiet flame-session-manager.service");
          },
        );
      }),
      track(
        "host3: --preserve-*, --no-backup, safety, failed backups, dry run, prompts, local",
        async (s) => {
          await s.step("each --preserve-* keeps exactly its directory", async () => {
            const cases = [["--preserve-data", "data"], ["--preserve-config", "conf"], [
              "--preserve-logs",
              "logs",
            ]];
            await Promise.all(cases.map(([, dir]) => cloneOn3(`/srv/t/keep-${dir}/flame`)));
            const kept = await Promise.all(
              cases.map(([, dir]) => treeSum(host3, `/srv/t/keep-${dir}/flame/${dir}`)),
            );
            const runs = await Promise.all(
              cases.map(([flag, dir]) => on3("--force", "--prefix", `/srv/t/keep-${dir}/flame`, flag)),
            );
            for (const [i, [, dir]] of cases.entries()) {
              const prefix = `/srv/t/keep-${dir}/flame`;
              assertEquals(runs[i].code, 0, runs[i].output);
              assertEquals(await onHost(host3, `ls -A ${prefix}`), `${dir}\n`);
              assertEquals(await treeSum(host3, `${prefix}/${dir}`), kept[i]);
              const backedUp = ["conf", "data", "logs"].filter((d) => d !== dir);
              assertEquals(
                await onHost(host3, `ls -A ${prefix}.backup.*`),
                ["MANIFEST.sha256", ...backedUp, "manifest.tsv"].join("\n") + "\n",
              );
            }
          });

          await s.step(
            "--no-backup --force removes everything, creates nothing, and never follows a symlink out",
            async () => {
              await cloneOn3("/srv/t/nobackup/flame");
              await onHost(
                host3,
                "mkdir -p /srv/t/outside && echo precious > /srv/t/outside/file && " +
                  "ln -s /srv/t/outside /srv/t/nobackup/flame/data/link-out && ln -s /srv/t/outside /srv/t/nobackup/flame/logs",
              );
              const outside = await treeSum(host3, "/srv/t/outside");
              const listing = await onHost(host3, "ls -A /srv/t");
              const run = await on3("--force", "--no-backup", "--prefix", "/srv/t/nobackup/flame");
              assertEquals(run.code, 0, run.output);
              assertEquals(await onHost(host3, "ls -A /srv/t/nobackup"), "");
              assertEquals(await onHost(host3, "ls -A /srv/t"), listing);
              assertEquals(await treeSum(host3, "/srv/t/outside"), outside);
            },
          );

          await s.step("unsafe prefixes are refused with exit 1 and nothing is deleted", async () => {
            const usrBefore = treeSum(host3, "/usr", { content: false });
            await Promise.all([
              cloneOn3("/srv/t/myapp"),
              cloneOn3("/srv/t/real/flame"),
              onHost(
                host3,
                "ln -s /usr /srv/t/flame-usr && ln -s /srv/t/real/flame /srv/t/flame-link && " +
                  "mkdir -p /srv/t/flame-notes/bin && cp /bin/true /srv/t/flame-notes/bin/tool && echo hi > /srv/t/flame-notes/notes",
              ),
            ]);
            const before = await Promise.all([usrBefore, treeSum(host3, "/srv/t")]);
            const cases: Array<[string, RegExp]> = [
              ["/usr", /Cannot uninstall: '\/usr' is the system path '\/usr'/],
              ["/", /Cannot uninstall: '\/' is the system path '\/'/],
              [
                "/opt/flame/../../usr",
                /Cannot uninstall: '\/opt\/flame\/\.\.\/\.\.\/usr' is the system path '\/usr'/,
              ],
              ["/srv/t/myapp", /does not contain 'flame'/],
              ["/srv/t/flame-usr", /it is a symlink to '\/usr'; symlinks are never followed/],
              ["/srv/t/flame-link", /it is a symlink to '\/srv\/t\/real\/flame'/],
              ["/srv/t/flame-notes", /it does not look like a Flame installation/],
            ];
            // The most destructive flags: the checks alone must stop it.
            const runs = await Promise.all(
              cases.map(([prefix]) => on3("--force", "--no-backup", "--prefix", prefix)),
            );
            runs.forEach((run, i) => {
              assertEquals(run.code, 1, `${cases[i][0]}: ${run.output}`);
              assertMatch(run.output, cases[i][1]);
              // A system path or one without 'flame' is refused before any host is visited; the
              // others by the host's checks, in its recap.
              if (i >= 4) assertMatch(run.stdout, /error \(validation\): /, cases[i][0]);
            });
            assertEquals(
              await Promise.all([treeSum(host3, "/usr", { content: false }), treeSum(host3, "/srv/t")]),
              before,
            );
          });

          await s.step(
            "a backup that cannot be written aborts with exit 4 and nothing is deleted",
            async () => {
              const cases: Array<[string, string, RegExp]> = [
                ["readonly", "ro,size=10m", /Read-only file system/],
                ["tiny", "size=64k", /about \d+ KiB are needed and only \d+ KiB are free; nothing removed/],
                ["noinodes", "size=50m,nr_inodes=8", /No space left on device/],
              ];
              await Promise.all(cases.map(([name, options]) =>
                Promise.all([
                  cloneOn3(`/srv/t/${name}-case/flame`).then(() =>
                    onHost(host3, `head -c 1000000 /dev/urandom > /srv/t/${name}-case/flame/data/big`)
                  ),
                  onHost(
                    host3,
                    `mkdir -p /srv/t/${name} && mount -t tmpfs -o ${options} tmpfs /srv/t/${name}`,
                  ),
                ])
              ));
              const before = await Promise.all(
                cases.map(([name]) => treeSum(host3, `/srv/t/${name}-case`)),
              );
              const runs = await Promise.all(cases.map(([name]) =>
                on3(
                  "--force",
                  "--prefix",
                  `/srv/t/${name}-case/flame`,
                  "--backup-dir",
                  `/srv/t/${name}/backup`,
                )
              ));
              for (const [i, [name, , message]] of cases.entries()) {
                assertEquals(runs[i].code, 4, runs[i].output);
                assertMatch(runs[i].output, message);
                assertMatch(runs[i].stdout, /error \(install\): /, name);
                assertEquals(
                  await treeSum(host3, `/srv/t/${name}-case`),
                  before[i],
                  `${name}: the installation changed`,
                );
                assertEquals(
                  await onHost(host3, `ls -A /srv/t/${name}`),
                  "",
                  `${name}: a partial backup was left`,
                );
              }
              await onHost(
                host3,
                cases.map(([name]) => `umount /srv/t/${name}`).join(" && "),
              );
            },
          );

          await s.step(
            "a dry run prints the plan and changes nothing; an unreachable host makes it exit 4",
            async () => {
              await cloneOn3("/srv/t/dry/flame");
              const before = await treeSum(host3, "/srv/t");
              const run = await muster([
                "uninstall",
                "-i",
                withGhost,
                "--host-key-checking",
                "off",
                "--no-color",
                "--dry-run",
                "--prefix",
                "/srv/t/dry/flame",
              ]);
              assertEquals(run.code, 4, run.output);
              assertMatch(
                run.stdout,
                /host3 \(127\.0\.0\.143\)\n {2}\+ \/srv\/t\/dry\/flame\.backup\.\d{8}-\d{6}\/ /,
              );
              assertMatch(run.stdout, /- \/srv\/t\/dry\/flame\/data\/ +\(backed up to /);
              assertMatch(run.stdout, /Plan: 1 to add, 0 to change, 9 to remove\./);
              assertMatch(run.stdout, /ghost .*unreachable=1 .*\n {2}error \(network\): /);
              assertEquals(await treeSum(host3, "/srv/t"), before);
            },
          );

          await s.step(
            "the confirmation prompt on a real terminal: answering no changes nothing",
            async () => {
              await cloneOn3("/srv/t/tty-no/flame");
              const before = await treeSum(host3, "/srv/t");
              const tmux = await TmuxRun.start([
                "uninstall",
                "-i",
                inventory,
                "-l",
                "host3",
                "--host-key-checking",
                "off",
                "--prefix",
                "/srv/t/tty-no/flame",
                "--preserve-logs",
              ], fleet.dir);
              try {
                const screen = await tmux.waitFor("[y/N]");
                assertMatch(screen, /host3 \(127\.0\.0\.143\): \/srv\/t\/tty-no\/flame/);
                assertMatch(screen, /- remove \/srv\/t\/tty-no\/flame\/data\//);
                assertMatch(screen, /= preserve \/srv\/t\/tty-no\/flame\/logs\//);
                assertMatch(
                  screen,
                  /\+ backup of conf\/, data\/ to \/srv\/t\/tty-no\/flame\.backup\.\d{8}-\d{6}/,
                );
                await tmux.type("n");
                assertEquals(await tmux.exitCode(), 0);
                assertMatch(await tmux.screen(), /Cancelled: nothing was changed\./);
              } finally {
                await tmux.stop();
              }
              assertEquals(await treeSum(host3, "/srv/t"), before);
            },
          );

          await s.step(
            "the confirmation prompt on a real terminal: --no-backup asks to type yes",
            async () => {
              await cloneOn3("/srv/t/tty-yes/flame");
              const tmux = await TmuxRun.start([
                "uninstall",
                "-i",
                inventory,
                "-l",
                "host3",
                "--host-key-checking",
                "off",
                "--prefix",
                "/srv/t/tty-yes/flame",
                "--no-backup",
              ], fleet.dir);
              try {
                assertMatch(
                  await tmux.waitFor("[y/N]"),
                  /! \/srv\/t\/tty-yes\/flame\/data\/ is deleted for good/,
                );
                await tmux.type("y");
                await tmux.waitFor("Type 'yes'");
                await tmux.type("yes");
                assertEquals(await tmux.exitCode(), 0, await tmux.screen());
              } finally {
                await tmux.stop();
              }
              assertEquals(await onHost(host3, "ls -A /srv/t/tty-yes"), "");
            },
          );

          await s.step(
            "without a terminal, a confirmation needs --force; conflicting options exit 1",
            async () => {
              await cloneOn3("/srv/t/notty/flame");
              const before = await treeSum(host3, "/srv/t");
              const [plain, noBackup, conflict] = await Promise.all([
                on3("--prefix", "/srv/t/notty/flame"),
                on3("--prefix", "/srv/t/notty/flame", "--no-backup"),
                on3(
                  "--prefix",
                  "/srv/t/notty/flame",
                  "--no-backup",
                  "--backup-dir",
                  "/srv/t/b",
                  "--force",
                ),
              ]);
              assertEquals([plain.code, noBackup.code, conflict.code], [1, 1, 1]);
              assertMatch(
                plain.stderr,
                /Cannot ask for confirmation: standard input is not a terminal\nhint: pass --force/,
              );
              assertMatch(noBackup.stderr, /--no-backup deletes conf\/, data\/ and logs\/ for good/);
              assertMatch(conflict.stderr, /Conflicting options: --no-backup and --backup-dir/);
              assertEquals(await treeSum(host3, "/srv/t"), before);
            },
          );

          await s.step(
            "without sudo, a system-wide installation is a permission error (exit 2)",
            async () => {
              await cloneOn3("/srv/t/perm/flame");
              const before = await treeSum(host3, "/srv/t/perm");
              const noBecome = await fleet.writeInventory({ hostVars: { host3: { ansible_become: false } } });
              const run = await muster([
                "uninstall",
                "-i",
                noBecome,
                "-l",
                "host3",
                "--host-key-checking",
                "off",
                "--force",
                "--prefix",
                "/srv/t/perm/flame",
              ]);
              assertEquals(run.code, 2, run.output);
              assertMatch(run.stdout, /error \(install\): Permission denied/);
              assertMatch(
                run.stdout,
                /Permission denied: cannot remove \/srv\/t\/perm\/flame: .*\n *hint: run muster with sudo/,
              );
              assertEquals(await treeSum(host3, "/srv/t/perm"), before);
            },
          );

          await s.step("inside a host, without SSH: the built-in local inventory", async () => {
            await cloneOn3("/srv/t/local/flame");
            await using repo = await hostVisibleRepo();
            const result = await host3.exec(
              [
                "deno",
                "run",
                "-A",
                repo.mod,
                "uninstall",
                "--prefix",
                "/srv/t/local/flame",
                "--force",
                "--no-color",
              ],
              { env: { NO_COLOR: "1" } },
            );
            assertEquals(result.code, 0, result.stdout + result.stderr);
            assertMatch(await onHost(host3, "ls -A /srv/t/local"), /^flame\.backup\.\d{8}-\d{6}\n$/);
            await onHost(
              host3,
              "cd /srv/t/local/flame.backup.* && sha256sum --quiet --strict -c MANIFEST.sha256",
            );
          });
        },
      ),
    ]);
  } finally {
    await Deno.remove(src.replace(/\/flame$/, ""), { recursive: true });
  }
});
