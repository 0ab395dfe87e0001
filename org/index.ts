// The simulated Salesforce org: startOrg() and the Org handle tests drive.

import type { AddressInfo } from 'node:net';
import { compile, Scan } from './query.js';
import { createOrgServer } from './server.js';
import { emptyStats, OrgState } from './state.js';
import type { Org, OrgOptions, OrgStats } from './types.js';

export type { ChangeSet, Faults, Org, OrgOptions, OrgStats, StrictCredentials } from './types.js';
export { DEFAULT_FAULTS } from './types.js';

export async function startOrg(options: OrgOptions = {}): Promise<Org> {
  const state = new OrgState(options);
  const server = createOrgServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}`;
  const restVersion = Number(state.apiVersion) > 64 ? '64.0' : state.apiVersion;

  return {
    url: state.url,
    stats(): OrgStats {
      const s = state.stats;
      return { ...s, requests: { ...s.requests }, queries: [...s.queries] };
    },
    resetStats() {
      state.stats = emptyStats();
    },
    setFaults(f) {
      state.faults = { ...state.faults, ...f };
    },
    advanceTime(opts) {
      return state.data.advanceTime(opts);
    },
    *rows(object, opts = {}) {
      const store = state.data.get(object);
      if (!store) throw new Error(`unknown object ${object}`);
      const names = store.def.fields.map((f) => f.name).join(', ');
      const c = compile(`SELECT ${names} FROM ${store.def.name}`, state.data, opts.includeDeleted ?? false);
      const scan = new Scan(c);
      const st = scan.start();
      for (;;) {
        const page = scan.next(st, 1000);
        if (page.length === 0) return;
        for (const rv of page) {
          const row: Record<string, unknown> = {};
          for (const a of c.select) {
            const out = a.col.out(rv);
            row[a.name] =
              a.col.spec.type === 'base64' && typeof out === 'string'
                ? `/services/data/v${restVersion}${out}`
                : out;
          }
          yield row;
        }
      }
    },
    objectNames() {
      return state.data.objects.map((o) => o.def.name);
    },
    describe(object) {
      const o = state.data.get(object);
      if (!o) throw new Error(`unknown object ${object}`);
      return o.describe(restVersion);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
