/**
 * The HTML report of a run (`--html FILE`, and one beside the journal for every run): one
 * self-contained file, no network. The fleet summary; a table of hosts (status, duration,
 * exit code, category, first error), failed first and sortable; a timeline of each host's
 * phases; per host its steps and changes, diffs with secrets masked.
 */
import type { HostResult, RunReport } from "../engine/result.ts";
import { maskSecrets } from "../text/mask.ts";
import { slowestSteps } from "./report.ts";
import { duration } from "./style.ts";

const RANK: Record<HostResult["status"], number> = {
  failed: 0,
  unreachable: 1,
  skipped: 2,
  changed: 3,
  ok: 4,
};

/** Hosts in the order the report shows them: failed and unreachable first, then by name. */
export function failedFirst(hosts: HostResult[]): HostResult[] {
  return [...hosts].sort((a, b) => RANK[a.status] - RANK[b.status] || a.name.localeCompare(b.name));
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const e = escapeHtml;

/** The report as one HTML page. */
export function renderHtml(report: RunReport, options: { app?: string } = {}): string {
  const hosts = failedFirst(report.hosts);
  const s = report.summary;
  const title = `muster ${report.command}${report.dryRun ? " (dry run)" : ""}${
    options.app ? ` — ${options.app}` : ""
  }`;
  const slow = slowestSteps(report, 5);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${e(title)}</h1>
<p class="meta">Run <code>${e(report.runId ?? "")}</code> started ${e(report.startedAt)}, took ${
    e(duration(report.durationMs))
  }; exit <b id="exit-code">${report.exitCode}</b></p>
<section id="summary" class="summary">
${
    [
      ["hosts", s.hosts],
      ["ok", s.ok],
      ["changed", s.changed],
      ["failed", s.failed],
      ["unreachable", s.unreachable],
      ["skipped", s.skipped],
    ].map(([name, n]) =>
      `<div class="count ${name}${n === 0 ? " zero" : ""}"><span>${n}</span> ${name}</div>`
    )
      .join("\n")
  }
</section>
${
    report.error
      ? `<p id="run-error" class="error">Run failed (<span class="category">${
        e(report.error.category)
      }</span>): ${e(report.error.message)}${
        report.error.hint ? `<br>hint: ${e(report.error.hint)}` : ""
      }</p>`
      : ""
  }
<h2>Hosts</h2>
<table id="hosts" class="sortable">
<thead><tr><th data-type="text">Host</th><th data-type="text">Address</th><th data-type="status">Status</th><th data-type="number">Duration</th><th data-type="number">Exit</th><th data-type="text">Category</th><th data-type="text">First error</th></tr></thead>
<tbody>
${hosts.map(hostRow).join("\n")}
</tbody>
</table>
<h2>Timeline</h2>
${timeline(report, hosts)}
${
    slow.length
      ? `<h2>Slowest steps</h2>\n<ol id="slowest">${
        slow.map((step) =>
          `<li>${e(step.host)} ${e(step.role)}/${e(step.step)}: ${e(duration(step.durationMs))}</li>`
        ).join("")
      }</ol>`
      : ""
  }
<h2>Steps and changes</h2>
${hosts.map(hostDetails).join("\n")}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function firstErrorLine(host: HostResult): string {
  return (host.error ?? "").trim().split("\n")[0] ?? "";
}

function hostRow(host: HostResult): string {
  return `<tr class="host ${host.status}" data-host="${e(host.name)}">` +
    `<td><a href="#host-${e(host.name)}">${e(host.name)}</a></td><td>${e(host.address)}</td>` +
    `<td class="status" data-sort="${RANK[host.status]}">${host.status}</td>` +
    `<td data-sort="${host.durationMs}">${e(duration(host.durationMs))}</td>` +
    `<td data-sort="${host.exitCode}">${host.exitCode}</td>` +
    `<td class="category">${e(host.category ?? "")}</td>` +
    `<td class="first-error">${e(maskSecrets(firstErrorLine(host)))}</td></tr>`;
}

/** Each host's bar from its start to its end, in phases, on the run's time axis. */
function timeline(report: RunReport, hosts: HostResult[]): string {
  const runStart = Date.parse(report.startedAt);
  const offset = (host: HostResult) =>
    host.startedAt ? Math.max(0, Date.parse(host.startedAt) - runStart) : 0;
  const total = Math.max(1, report.durationMs, ...hosts.map((host) => offset(host) + host.durationMs));
  const pct = (ms: number) => `${((ms / total) * 100).toFixed(3)}%`;
  const rows = hosts.map((host) => {
    const start = offset(host);
    const phases = (host.phases ?? []).map((phase) =>
      `<span class="phase ${e(phase.phase)}" title="${e(`${phase.phase} ${duration(phase.durationMs)}`)}" ` +
      `style="left:${pct(start + phase.startMs)};width:${
        pct(Math.max(phase.durationMs, total / 500))
      }"></span>`
    ).join("");
    return `<div class="lane ${host.status}" data-host="${e(host.name)}"><span class="who">${
      e(host.name)
    }</span>` +
      `<span class="track"><span class="bar" style="left:${pct(start)};width:${
        pct(Math.max(host.durationMs, total / 500))
      }"></span>${phases}</span><span class="took">${e(duration(host.durationMs))}</span></div>`;
  });
  // Before the first host starts, the controller loads the inventory and builds.
  const first = Math.min(...hosts.map(offset));
  if (hosts.length > 0 && first > total / 100) {
    rows.unshift(
      `<div class="lane controller"><span class="who">(controller)</span><span class="track">` +
        `<span class="bar" style="left:0;width:${pct(first)}" title="load and build"></span></span>` +
        `<span class="took">${e(duration(first))}</span></div>`,
    );
  }
  const legend = ["connect", "facts", "plan", "apply", "verify"].map((phase) =>
    `<span class="key"><span class="phase ${phase}"></span>${phase}</span>`
  ).join(" ");
  return `<div id="timeline" class="timeline">${rows.join("\n")}\n<div class="axis">0 … ${
    e(duration(total))
  }</div><div class="legend">${legend}</div></div>`;
}

function hostDetails(host: HostResult): string {
  const steps = host.steps.map((step) => {
    const changes = step.changes.map((change) => {
      const diff = change.diff
        ? `<pre class="diff">${e(maskSecrets(change.diff, { diff: true }))}</pre>`
        : "";
      return `<li><span class="action ${change.action}">${change.action}</span> ${e(change.target)}${
        change.detail ? ` <span class="detail">(${e(maskSecrets(change.detail))})</span>` : ""
      }${diff}</li>`;
    }).join("");
    const error = step.error
      ? `<div class="error">${step.category ? `(${e(step.category)}) ` : ""}${
        e(maskSecrets(step.error))
      }</div>`
      : "";
    return `<tr class="${step.status}"><td>${e(step.role)}/${e(step.step)}</td><td>${step.status}</td><td>${
      e(duration(step.durationMs))
    }</td><td>${error}${changes ? `<ul>${changes}</ul>` : ""}</td></tr>`;
  }).join("\n");
  const error = host.error
    ? `<p class="error">${host.category ? `<span class="category">${e(host.category)}</span>: ` : ""}${
      e(maskSecrets(host.error))
    }${host.hint ? `<br>hint: ${e(host.hint)}` : ""}</p>`
    : "";
  return `<details id="host-${e(host.name)}" class="host-details ${host.status}"${
    host.status === "failed" || host.status === "unreachable" ? " open" : ""
  }><summary>${e(host.name)} (${e(host.address)}): ${host.status}, ${e(duration(host.durationMs))}</summary>
${error}${host.backupDir ? `<p>backup: ${e(host.backupDir)}</p>` : ""}
<table class="steps"><thead><tr><th>Step</th><th>Status</th><th>Duration</th><th>Changes</th></tr></thead>
<tbody>${steps}</tbody></table></details>`;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em;margin:0 0 .2em}
.meta{color:#666}
.summary{display:flex;gap:1em;margin:1em 0}
.count{padding:.4em .8em;border-radius:4px;background:#eee}
.count span{font-weight:bold;font-size:1.3em}
.count.failed,.count.unreachable{background:#fdd}.count.changed{background:#ffd}.count.ok{background:#dfd}
.count.zero{background:#f2f2f2;color:#888}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f4f4f4;user-select:none}
th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
tr.failed td.status,tr.unreachable td.status,.error{color:#b00}
tr.changed td.status{color:#a60}tr.ok td.status{color:#070}tr.skipped td.status{color:#888}
.category{font-weight:bold}
.timeline{margin:1em 0}
.lane{display:flex;align-items:center;gap:.5em;height:1.4em}
.who{width:10em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.took{width:5em;color:#666}
.track{position:relative;flex:1;height:1em;background:#f6f6f6}
.track .bar{position:absolute;top:0;bottom:0;background:#cde;opacity:.5}
.lane.failed .bar,.lane.unreachable .bar{background:#f99}
.lane.controller .bar{background:#bbb}
.phase{position:absolute;top:1px;bottom:1px;display:inline-block}
.key .phase{position:static;display:inline-block;width:1em;height:.8em;margin-right:.2em}
.phase.connect{background:#79c}.phase.facts{background:#9c7}.phase.plan{background:#cc6}
.phase.apply{background:#e93}.phase.verify{background:#a6c}
.axis,.legend{color:#666;margin-top:.3em}
details{margin:.5em 0;border:1px solid #ddd;border-radius:4px;padding:.3em .6em}
summary{cursor:pointer;font-weight:bold}
pre.diff{background:#f8f8f8;padding:.4em;overflow:auto;margin:.2em 0}
.action.create{color:#070}.action.remove{color:#b00}.action.change{color:#a60}
`;

// Sorts the hosts table by a clicked column (again: the other way round), or by the link's #sort=.
const SCRIPT = `
document.querySelectorAll("table.sortable th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0];
    var desc = th.classList.contains("asc");
    table.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
    th.classList.add(desc ? "desc" : "asc");
    var numeric = th.dataset.type !== "text";
    var key = function (row) {
      var cell = row.cells[column];
      return numeric ? Number(cell.dataset.sort) : cell.textContent.toLowerCase();
    };
    var rows = Array.prototype.slice.call(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return desc ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
// A link can carry its order: report.html#sort=duration (or #sort=duration-desc).
var wanted = /^#sort=([a-z-]+?)(-desc)?$/.exec(location.hash);
if (wanted) {
  document.querySelectorAll("table.sortable th").forEach(function (th) {
    if (th.textContent.toLowerCase().replace(/ /g, "-") !== wanted[1]) return;
    th.click();
    if (wanted[2]) th.click();
  });
}
document.body.dataset.ready = "1";
`;
