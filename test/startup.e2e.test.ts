// Which modules each command loads, through the built CLI (requires `npm run build`). Start-up time is most
// of a short command's time: --about, --discover and a bad config must not load jsforce (only SOAP login needs
// it), ajv's compiler (only catalog and state files need it; the config's validator is compiled ahead of time),
// Mage mode or the sync engine.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTap, writeTempFiles } from './helpers/tap.js';

for (const key of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[key];
const { startOrg } = await import('../org/index.js');
type Org = Awaited<ReturnType<typeof startOrg>>;

const STRICT = {
  clientId: 'startup-client-id',
  clientSecret: 'startup-client-secret-5',
  refreshToken: 'startup-refresh-token-5',
  username: 'etl@example.com',
  password: 'startup-pass-word-5',
  securityToken: 'SECTOKEN55',
};

// Preloaded into the CLI: records every module it resolves (import and require), and Node's own modules, in the
// file MODULE_TRACE names.
const PROBE = `
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    loaded.push(resolved.url);
    return resolved;
  },
});
process.on('exit', () =>
  writeFileSync(process.env.MODULE_TRACE, [...loaded, ...process.moduleLoadList.map((m) => 'node:' + m)].join('\\n')),
);
`;

let org: Org;
beforeAll(async () => {
  org = await startOrg({ strict: STRICT, extraObjects: 0 });
});
afterAll(() => org?.close());

/** Runs the CLI and returns what it printed and the modules it loaded. */
async function traced(args: string[]) {
  const files = writeTempFiles({ 'probe.mjs': PROBE, 'modules.txt': '' });
  const run = await runTap(args, {
    env: { NODE_OPTIONS: `--import ${files['probe.mjs']}`, MODULE_TRACE: files['modules.txt'] },
  });
  const modules = readFileSync(files['modules.txt'] as string, 'utf8').split('\n');
  const has = (part: string) => modules.some((url) => url.includes(part));
  return { code: run.code, stdout: run.stdout, stderr: run.stderr, modules, has };
}

const config = (settings: Record<string, unknown>) =>
  writeTempFiles({ 'config.json': { domain: org.url, streams: ['Account'], ...settings } })[
    'config.json'
  ] as string;

const oauth = () => ({
  client_id: STRICT.clientId,
  client_secret: STRICT.clientSecret,
  refresh_token: STRICT.refreshToken,
});

// ajv's compiler; the config validator, compiled ahead of time, only uses a runtime helper of ajv's.
const HEAVY = [
  '/node_modules/@jsforce/',
  '/node_modules/ajv/dist/ajv.js',
  '/dist/src/sync/',
  '/dist/src/mage.js',
];

describe('modules loaded at start-up', () => {
  it('--about loads no Salesforce library, validator, discovery or sync code', async () => {
    const run = await traced(['--about', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.has('/dist/src/cli.js')).toBe(true);
    for (const part of [...HEAVY, '/dist/src/discovery/']) expect(run.has(part), part).toBe(false);
  });

  it('--discover with an OAuth flow loads discovery, but not jsforce, ajv, Mage mode or the sync engine', async () => {
    const run = await traced(['--config', config(oauth()), '--discover']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).streams).toHaveLength(1);
    expect(run.has('/dist/src/discovery/discover.js')).toBe(true);
    for (const part of HEAVY) expect(run.has(part), part).toBe(false);
    // fetch's undici: the client speaks node:http, and its ES module facade would load undici anyway.
    expect(run.has('node:NativeModule internal/deps/undici/undici')).toBe(false);
    expect(run.has('node:NativeModule http')).toBe(true);
  });

  it('a config error is found without ajv', async () => {
    const run = await traced(['--config', config({ ...oauth(), threshold: 'many' }), '--discover']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('"threshold"');
    for (const part of HEAVY) expect(run.has(part), part).toBe(false);
  });

  it('SOAP login loads jsforce, when it is needed', async () => {
    const run = await traced([
      '--config',
      config({
        username: STRICT.username,
        password: STRICT.password,
        security_token: STRICT.securityToken,
        api_version: '64.0',
      }),
      '--discover',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.has('/node_modules/@jsforce/jsforce-node/lib/core.js')).toBe(true);
  });

  it('a sync with a catalog file loads ajv to check it', async () => {
    const files = writeTempFiles({ 'catalog.json': { streams: [] } });
    const run = await traced(['--config', config(oauth()), '--catalog', files['catalog.json'] as string]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.has('/node_modules/ajv/dist/ajv.js')).toBe(true);
  });
});
