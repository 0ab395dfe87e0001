// `npm run org -- --port 0 --records Account=100000 [--latency 50] [--seed N]`: serve until stopped.

import { parseArgs } from 'node:util';
import { startOrg } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    records: { type: 'string', multiple: true, default: [] },
    latency: { type: 'string', default: '0' },
    'extra-objects': { type: 'string' },
    'api-version': { type: 'string' },
  },
});

const records: Record<string, number> = {};
for (const spec of values.records ?? []) {
  for (const part of spec.split(',')) {
    const [name, n] = part.split('=');
    if (!name || !n || !/^\d+$/.test(n)) {
      console.error(`bad --records value: ${part} (expected Object=count)`);
      process.exit(2);
    }
    records[name] = Number(n);
  }
}

const org = await startOrg({
  port: Number(values.port),
  seed: Number(values.seed),
  records,
  extraObjects: values['extra-objects'] === undefined ? undefined : Number(values['extra-objects']),
  apiVersion: values['api-version'],
  faults: { latencyMs: Number(values.latency) },
});
console.log(`org listening on ${org.url}`);

const stop = () => {
  void org.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
