/**
 * `npm run demo`: runs the tap against the simulated org. Placeholder until the demo is written; it says
 * plainly what is not built yet.
 */
import { packageInfo } from '../src/about.js';

const { name, version } = packageInfo();
const lines = [
  `${name} ${version}: demo`,
  '',
  'Not built yet: this demo script (a discovery and a sync against the simulated org, org/).',
  '',
  'Meanwhile, on the Node this package ships (built into dist/ by the command you just ran):',
  '  node_modules/.bin/node bin/tap-salesforce --about                 settings, types, defaults',
  '  node_modules/.bin/node bin/tap-salesforce --about --format json   the same for Meltano',
  '  npm test                                                          the test suite',
  '',
];
process.stderr.write(`${lines.join('\n')}\n`);
