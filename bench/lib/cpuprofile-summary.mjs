// Summarizes a .cpuprofile: top functions by self time, overall and for files matching a filter.
// Usage as a script: node bench/lib/cpuprofile-summary.mjs file.cpuprofile [filter] [top]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas?.[i] ?? 0;
    total += dt;
    const { callFrame } = byId.get(id);
    let where = callFrame.url || '';
    if (where.startsWith('file://')) where = relative(process.cwd(), fileURLToPath(where));
    const key = `${callFrame.functionName || '(anonymous)'}  ${where}${where ? `:${callFrame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const rows = [...self.entries()]
    .map(([fn, us]) => ({ fn, ms: us / 1000, pct: (100 * us) / total }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: total / 1000, rows };
}

export function formatTop({ totalMs, rows }, { filter, top = 15, title }) {
  const picked = (filter ? rows.filter((r) => r.fn.includes(filter)) : rows).slice(0, top);
  const lines = [`${title} (self time, of ${totalMs.toFixed(0)} ms sampled)`];
  for (const r of picked) lines.push(`  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.fn}`);
  if (filter) {
    const sum = rows.filter((r) => r.fn.includes(filter)).reduce((s, r) => s + r.pct, 0);
    lines.push(`  total self time in ${filter}: ${sum.toFixed(1)}%`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, filter, top] = process.argv.slice(2);
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')));
  console.log(formatTop(summary, { title: 'top functions', top: Number(top ?? 25) }));
  if (filter) console.log(formatTop(summary, { filter, title: `top in ${filter}`, top: Number(top ?? 25) }));
}
