/**
 * `muster inventory` against `ansible-inventory`, byte for byte (stdout and stderr), for
 * each class of difference found on real inventories: groups without hosts, connection
 * variables Ansible only uses later, floats, TOML, inventory scripts, group names with
 * invalid characters, unsortable keys. Each case is written to a temporary directory.
 */

import { strictEqual } from "node:assert/strict";
import { join } from "node:path";
import { main } from "../../src/cli/program.ts";
import { recordingIo } from "../../src/cli/testing.ts";
import { ansible, writeTree } from "./ansible_oracle.ts";

interface Case {
  name: string;
  files: Record<string, string>;
  /** The -i argument, relative to the case's directory. */
  entry: string;
  /** Files to make executable. */
  executable?: string[];
}

const SCRIPT_WITH_META = `#!/usr/bin/env python3
import json, sys
if sys.argv[1] == "--list":
    print(json.dumps({
        "web": {"hosts": ["w1", "w2"], "vars": {"http_port": 80, "ratio": 1.0}, "children": ["edge"]},
        "edge": ["e1"],
        "solo": {"solo_var": 3},
        "_meta": {"hostvars": {"w1": {"ansible_host": "10.0.0.1", "weight": 2.5}, "e1": {"z": None}}},
    }))
else:
    sys.exit(1)
`;

const SCRIPT_PER_HOST = `#!/usr/bin/env python3
import json, sys
if sys.argv[1] == "--list":
    print(json.dumps({"db": {"hosts": ["d1", "d2"]}, "all": {"vars": {"env": "prod"}}}))
elif sys.argv[2] == "d1":
    print(json.dumps({"role": "primary", "size": 8.0}))
else:
    print("{}")
`;

const CASES: Case[] = [
  {
    name: "groups without hosts",
    files: {
      "hosts.ini":
        "[etcd]\n# node1\n[kube_control_plane]\n[etcd:children]\nkube_control_plane\n[k8s:children]\netcd\n",
    },
    entry: "hosts.ini",
  },
  {
    name: "connection variables muster cannot use",
    files: {
      "hosts.ini":
        "[local]\nt1 ansible_connection=docker\nt2 ansible_connection=fakelocal ansible_port=abc\n" +
        '[delegated]\nt3 ansible_host="{{ myhost }}" ansible_port="{{ 22 | int }}" ansible_user=\'{{ u }}\'\n' +
        "[delegated:vars]\nansible_become='{{ b }}'\nmyhost=10.0.0.1\n",
      "group_vars/local.yml": "ansible_connection: setns\nansible_ssh_private_key_file: '{{ key }}'\n",
      "net.yml": "all:\n  hosts:\n    r1:\n      ansible_connection: ansible.netcommon.network_cli\n" +
        "      ansible_network_os: ios\n",
    },
    entry: "hosts.ini",
  },
  {
    name: "network_cli connection in YAML",
    files: {
      "net.yml": "all:\n  hosts:\n    r1:\n      ansible_connection: ansible.netcommon.network_cli\n" +
        "      ansible_become: '{{ yes }}'\n",
    },
    entry: "net.yml",
  },
  {
    name: "floats with an integral value",
    files: {
      "hosts.yml":
        "all:\n  hosts:\n    h1:\n      version: 8.0\n      zero: 0.0\n      neg: -0.0\n      big: 1.0e+16\n" +
        "      small: 1.5e-5\n      half: 2.50\n      list: [1.0, 2, 3.5]\n      sexagesimal: 1:30.0\n      inf: .inf\n" +
        "    h2:\n  vars:\n    nested: {a: {b: 10.0}}\n",
      "hosts.ini": '[ini]\ni1 a=1e3 b=8.0 c=2.50 d=-0.0 e="[1.0, 2]" f=1_000.0 g=1E-5 h="{\'k\': 3.0}"\n',
      "host_vars/h2.json": '{"x": 8.0, "y": 1e3, "z": 1, "w": -0.0}\n',
    },
    entry: ".",
  },
  {
    name: "group names with invalid characters",
    files: {
      "hosts.ini": "[web-servers]\nw1\n[1db]\nd1\n[ok_group]\no1\n",
      "more.yml": "all:\n  children:\n    my.group:\n      hosts:\n        m1:\n",
    },
    entry: ".",
  },
  {
    name: "keys Python cannot sort",
    files: {
      "hosts.yml":
        "all:\n  hosts:\n    h1:\n      x:\n        a: 1\n        0: 2\n    h2:\n      y: {2: a, 1: b}\n",
    },
    entry: "hosts.yml",
  },
  {
    name: "TOML inventory",
    files: {
      "hosts.toml": `# Ansible's documented example, and more
[all.vars]
has_java = false
ratio = 1.0
when = 1979-05-27T07:32:00Z
day = 1979-05-27
local = 1979-05-27T07:32:00.5

[web]
children = [
    "apache",
    "nginx"
]
vars = { http_port = 8080, myvar = 23 }

[web.hosts]
host1 = {}
host2 = { ansible_port = 222 }
"host[3:4]" = { weight = 2.0 }

[apache.hosts]
tomcat1 = {}
tomcat2 = { myvar = 34 }
tomcat3 = { mysecret = "03#pa33w0rd" }

[nginx.hosts]
jenkins1 = {}

[nginx.vars]
has_java = true

[odd]
unexpected = 1
`,
    },
    entry: "hosts.toml",
  },
  {
    name: "inventory script with _meta",
    files: { "inventory.py": SCRIPT_WITH_META },
    entry: "inventory.py",
    executable: ["inventory.py"],
  },
  {
    name: "inventory script without _meta (--host per host)",
    files: { "inventory.py": SCRIPT_PER_HOST },
    entry: "inventory.py",
    executable: ["inventory.py"],
  },
  {
    name: "an executable INI file without #! is read as INI",
    files: { "hosts": "[web]\nw1 x=1\n" },
    entry: "hosts",
    executable: ["hosts"],
  },
];

async function muster(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = recordingIo();
  const code = await main(["inventory", ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

for (const c of CASES) {
  for (const action of ["--list", "--graph"]) {
    Deno.test(`muster inventory ${action} prints what ansible-inventory prints: ${c.name}`, async () => {
      const dir = await writeTree(c.files);
      try {
        for (const file of c.executable ?? []) await Deno.chmod(join(dir, file), 0o755);
        const entry = join(dir, c.entry);
        const oracle = await ansible("ansible-inventory", ["-i", entry, action]);
        strictEqual(oracle.code, 0, `ansible-inventory failed: ${oracle.stderr}`);
        const ours = await muster(["-i", entry, action]);
        strictEqual(ours.stderr, oracle.stderr, "stderr differs");
        strictEqual(ours.stdout, oracle.stdout, "stdout differs");
        strictEqual(ours.code, 0);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
}

/**
 * What ansible-core 2.15's `ansible-inventory --limit PATTERN --list` prints (2.14, the
 * oracle here, has no --limit): 2.14's `--list`, with each group's hosts and
 * `_meta.hostvars` kept to the hosts `ansible all --limit PATTERN --list-hosts` selects,
 * and groups left with neither hosts nor children dropped.
 */
const LIMITED_LIST = `
import json, sys
full = json.load(open(sys.argv[1]))
hosts = set(l.strip() for l in open(sys.argv[2]).read().splitlines()[1:] if l.strip())
for name in [k for k in full if k != "_meta"]:
    g = full[name]
    if "hosts" in g:
        g["hosts"] = [h for h in g["hosts"] if h in hosts]
        if not g["hosts"]:
            del g["hosts"]
    if not g:
        del full[name]
full["_meta"]["hostvars"] = {h: v for h, v in full["_meta"]["hostvars"].items() if h in hosts}
print(json.dumps(full, sort_keys=True, indent=4, ensure_ascii=False))
`;

const LIMIT_INVENTORY =
  "[web]\nw1 x=1\nw2 x=2.0\n[db]\nd1\n[edge]\ne1\n[front:children]\nweb\nedge\n[all:vars]\nv=1\n";

for (const limit of ["w1", "web:!w2", "front:&edge", "d*", "nosuch", "w1,nosuch"]) {
  Deno.test(`muster inventory --limit '${limit}' --list prints what ansible-inventory 2.15 prints`, async () => {
    const dir = await writeTree({ "hosts.ini": LIMIT_INVENTORY });
    try {
      const entry = join(dir, "hosts.ini");
      const list = await ansible("ansible-inventory", ["-i", entry, "--list"]);
      const selected = await ansible("ansible", ["-i", entry, "all", "--limit", limit, "--list-hosts"]);
      await Deno.writeTextFile(join(dir, "list.json"), list.stdout);
      await Deno.writeTextFile(join(dir, "hosts.txt"), selected.stdout);
      const expected = await new Deno.Command("python3", {
        args: ["-c", LIMITED_LIST, join(dir, "list.json"), join(dir, "hosts.txt")],
        stdout: "piped",
      }).output();
      const ours = await muster(["-i", entry, "--limit", limit, "--list"]);
      strictEqual(ours.stdout, new TextDecoder().decode(expected.stdout));
      // Ansible warns about each pattern that matches nothing; muster warns the same way.
      const warnings = selected.stderr.split("\n").filter((l) => l.includes("Could not match")).join("\n");
      strictEqual(ours.stderr.trim(), warnings.trim());
      strictEqual(ours.code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("muster inventory --limit leaves --graph and --host whole, as ansible-inventory 2.15 does", async () => {
  const dir = await writeTree({ "hosts.ini": LIMIT_INVENTORY });
  try {
    const entry = join(dir, "hosts.ini");
    const graph = await ansible("ansible-inventory", ["-i", entry, "--graph"]);
    strictEqual((await muster(["-i", entry, "--limit", "w1", "--graph"])).stdout, graph.stdout);
    const host = await ansible("ansible-inventory", ["-i", entry, "--host", "d1"]);
    strictEqual((await muster(["-i", entry, "--limit", "w1", "--host", "d1"])).stdout, host.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
