/**
 * `npm run demo`: runs the tap against the simulated org. Placeholder until the simulated org (org/) and the
 * sync engine exist; it says plainly what works today and what does not.
 */
import { packageInfo } from '../src/about.js';

const { name, version } = packageInfo();
const lines = [
  `${name} ${version}: demo`,
  '',
  'Not built yet: the simulated Salesforce org and the sync engine, so this demo cannot run a',
  'discovery or a sync yet. It will once they land.',
  '',
  'What works now (built into dist/ by the command you just ran):',
  '  node_modules/.bin/node bin/tap-salesforce --about                 settings, types, defaults',
  '  node_modules/.bin/node bin/tap-salesforce --about --format json   the same for Meltano',
  '  node_modules/.bin/node bin/tap-salesforce --config config.sample.json --discover',
  '      (reads and checks the config; discovery then reports it is not built yet)',
  '',
];
process.stderr.write(`${lines.join('\n')}\n`);
