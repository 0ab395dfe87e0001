// Preloaded into the tap child by the benchmark (`node --import <this file> bin/tap-salesforce …`).
// On exit it writes the process's own peak RSS and I/O counters to the file named by BENCH_PROBE_FILE,
// so the harness learns the child's max RSS and how many bytes it wrote without touching the tap's code.
// `wchar` counts every byte passed to write(2): stdout plus stderr (the harness subtracts the stderr bytes
// it received), which is how MB/s is known for runs whose stdout goes to /dev/null.

import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

export interface ProbeReport {
  /** process.resourceUsage().maxRSS, KiB. */
  maxRssKb: number;
  /** VmHWM from /proc/self/status, KiB (same quantity, read the other way). */
  vmHwmKb: number | null;
  /** Bytes written through write(2) and friends (/proc/self/io). */
  wchar: number | null;
  userCpuMs: number;
  systemCpuMs: number;
  exitCode: number;
  /** Where the memory is at exit, MiB: V8 heap committed and used, off-heap (Buffers), malloc peak. */
  memory: {
    heapTotal: number;
    heapUsed: number;
    external: number;
    arrayBuffers: number;
    peakMalloced: number;
  };
}

function readKb(text: string, key: string): number | null {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

function readIo(key: string): number | null {
  try {
    const match = new RegExp(`^${key}: (\\d+)`, 'm').exec(readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

function memoryAtExit(): ProbeReport['memory'] {
  const m = process.memoryUsage();
  const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10;
  return {
    heapTotal: mb(m.heapTotal),
    heapUsed: mb(m.heapUsed),
    external: mb(m.external),
    arrayBuffers: mb(m.arrayBuffers),
    peakMalloced: mb(getHeapStatistics().peak_malloced_memory),
  };
}

const target = process.env.BENCH_PROBE_FILE;
if (target) {
  process.on('exit', (code) => {
    const usage = process.resourceUsage();
    let vmHwmKb: number | null = null;
    try {
      vmHwmKb = readKb(readFileSync('/proc/self/status', 'utf8'), 'VmHWM');
    } catch {
      // not Linux
    }
    const report: ProbeReport = {
      maxRssKb: usage.maxRSS,
      vmHwmKb,
      wchar: readIo('wchar'),
      userCpuMs: usage.userCPUTime / 1000,
      systemCpuMs: usage.systemCPUTime / 1000,
      exitCode: code,
      memory: memoryAtExit(),
    };
    writeFileSync(target, JSON.stringify(report));
  });
}
