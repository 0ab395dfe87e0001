// The simulated org, served from its own process for the benchmark.
//
// Why a child process: the machine has 2 cores. The tap child takes one; the org, which generates and
// serialises every row it serves, takes the other. Serving from the bench's own process would put the
// org on the same event loop as the floor measurements (plain fetch + parse) and the slow consumer, so
// the floors would be charged for the org's work and the ratios would flatter the tap. Here the floor
// client (bench process) and the tap (its child) meet the same org over the same loopback socket.
//
// Protocol over IPC: {id, cmd, arg} → {id, ok, value | error}.

import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Faults, Org, OrgOptions, OrgStats } from '../org/types.js';

type AdvanceOptions = Parameters<Org['advanceTime']>[0];

interface Request {
  id: number;
  cmd: 'start' | 'stats' | 'resetStats' | 'setFaults' | 'advanceTime' | 'close' | 'objectNames';
  arg?: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** A handle on the org child. */
export class OrgProcess {
  readonly url: string;
  readonly pid: number;
  private readonly child: ReturnType<typeof fork>;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(child: ReturnType<typeof fork>, url: string) {
    this.child = child;
    this.url = url;
    this.pid = child.pid ?? 0;
  }

  static async start(options: OrgOptions): Promise<OrgProcess> {
    const child = fork(import.meta.filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`org process exited (${code}) before it started`)));
      child.once('message', (m: Reply) => (m.ok ? resolve(m.value as string) : reject(new Error(m.error))));
      child.send({ id: 0, cmd: 'start', arg: options } satisfies Request);
    });
    child.removeAllListeners('exit');
    const handle = new OrgProcess(child, url);
    child.on('message', (m: Reply) => handle.settle(m));
    child.on('exit', () => {
      for (const w of handle.waiting.values()) w.reject(new Error('org process exited'));
      handle.waiting.clear();
    });
    return handle;
  }

  private settle(m: Reply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (m.ok) w.resolve(m.value);
    else w.reject(new Error(m.error));
  }

  private call<T>(cmd: Request['cmd'], arg?: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, arg } satisfies Request);
    });
  }

  stats(): Promise<OrgStats> {
    return this.call('stats');
  }
  resetStats(): Promise<void> {
    return this.call('resetStats');
  }
  setFaults(faults: Partial<Faults>): Promise<void> {
    return this.call('setFaults', faults);
  }
  advanceTime(options: AdvanceOptions): Promise<unknown> {
    return this.call('advanceTime', options);
  }
  objectNames(): Promise<string[]> {
    return this.call('objectNames');
  }

  /** CPU time (user + system) the org process has used so far, ms. */
  cpuMs(): number {
    try {
      const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux).
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return Number.NaN;
    }
  }

  async close(): Promise<void> {
    await this.call('close').catch(() => undefined);
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
  }
}

async function serve(): Promise<void> {
  const { startOrg } = await import('../org/index.js');
  let org: Org | null = null;
  process.on('message', async (m: Request) => {
    const reply = (value?: unknown): void => {
      process.send?.({ id: m.id, ok: true, value } satisfies Reply);
    };
    try {
      switch (m.cmd) {
        case 'start':
          org = await startOrg(m.arg as OrgOptions);
          reply(org.url);
          return;
        case 'stats':
          reply(org?.stats());
          return;
        case 'resetStats':
          org?.resetStats();
          reply();
          return;
        case 'setFaults':
          org?.setFaults(m.arg as Partial<Faults>);
          reply();
          return;
        case 'advanceTime':
          reply(org?.advanceTime(m.arg as AdvanceOptions));
          return;
        case 'objectNames':
          reply(org?.objectNames());
          return;
        case 'close':
          await org?.close();
          reply();
          process.disconnect();
          return;
      }
    } catch (error) {
      process.send?.({ id: m.id, ok: false, error: String(error) } satisfies Reply);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--serve')) await serve();
