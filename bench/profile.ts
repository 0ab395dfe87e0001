// Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per source file,
// so the benchmark can say where the tap's time goes. Usable alone: `node dist/bench/profile.js FILE`.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './tap.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of samples the main thread spent idle (waiting on I/O). */
  idlePercent: number;
  functions: ProfileEntry[];
  files: ProfileEntry[];
}

function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + 14);
  return path.startsWith('/') ? relative(ROOT, path) : path;
}

/** Self time by function and by file, highest first. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    // timeDeltas[i] is the time since the previous sample: charge it to this sample's node.
    const next = profile.timeDeltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + next);
  }
  const totalUs = profile.endTime - profile.startTime;
  const functions = new Map<string, ProfileEntry>();
  const files = new Map<string, ProfileEntry>();
  let idleUs = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') idleUs += us;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const f = functions.get(key) ?? { name, where, selfMs: 0, percent: 0 };
    f.selfMs += us / 1000;
    functions.set(key, f);
    const fileKey = url ? shortUrl(url) : name;
    const g = files.get(fileKey) ?? { name: fileKey, where: '', selfMs: 0, percent: 0 };
    g.selfMs += us / 1000;
    files.set(fileKey, g);
  }
  const finish = (m: Map<string, ProfileEntry>): ProfileEntry[] =>
    [...m.values()]
      .map((e) => ({
        ...e,
        selfMs: Math.round(e.selfMs),
        percent: Math.round((e.selfMs / (totalUs / 1000)) * 1000) / 10,
      }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return {
    file: relative(ROOT, file),
    totalMs: Math.round(totalUs / 1000),
    idlePercent: Math.round((idleUs / totalUs) * 1000) / 10,
    functions: finish(functions),
    files: finish(files),
  };
}

/** The newest `.cpuprofile` in a folder. */
export function newestProfile(dir: string): string | null {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.cpuprofile'))
    .sort();
  const last = names.at(-1);
  return last ? join(dir, last) : null;
}

export function formatProfile(summary: ProfileSummary, label: string): string {
  const lines = [`${label}: ${summary.file} (${summary.totalMs} ms, idle ${summary.idlePercent}%)`];
  lines.push('  top functions (self time):');
  for (const f of summary.functions) {
    lines.push(
      `    ${f.percent.toFixed(1).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.name}  ${f.where}`,
    );
  }
  lines.push('  by file:');
  for (const f of summary.files.slice(0, 8)) {
    lines.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.name}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  for (const file of process.argv.slice(2)) console.log(formatProfile(summarizeProfile(file, 25), file));
}
