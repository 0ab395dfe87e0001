// HTTP server and routing: which module answers which URL, and the gate in front of data calls.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { authorize, soapLogin, token } from './auth.js';
import { bulk1 } from './bulk1.js';
import { abortJob, createJob, deleteJob, jobStatus, listJobs, results } from './bulk2.js';
import { gate } from './faults.js';
import { type Ctx, HttpError, send, sendError, sendJson, sendJsonText } from './http.js';
import {
  compositeBatch,
  describe,
  describeGlobal,
  limits,
  notFound,
  queryMorePage,
  queryPage,
  type Result,
  resources,
  sendPage,
  sobjectInfo,
  versions,
} from './rest.js';
import type { OrgState } from './state.js';

const MAX_URI = 16384;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(ctx: Ctx, r: Result) {
  sendJsonText(ctx, r.status, r.json);
}

/** /services/data/vXX.X/... once the version is known to be served. */
async function dataRoute(ctx: Ctx, v: string, rest: string): Promise<void> {
  const st = ctx.state;
  const m = ctx.method;
  const family = (name: string) => st.count(name);
  if (rest === '' && m === 'GET') {
    family('resources');
    if (gate(ctx, 'bearer')) reply(ctx, resources(st, v));
    return;
  }
  if (rest === '/sobjects' && m === 'GET') {
    family('sobjects');
    if (gate(ctx, 'bearer')) reply(ctx, describeGlobal(st, v));
    return;
  }
  const r1 = /^\/sobjects\/([^/]+)\/describe$/.exec(rest);
  if (r1 && m === 'GET') {
    family('describe');
    if (gate(ctx, 'bearer')) reply(ctx, describe(st, v, decodeURIComponent(r1[1] as string)));
    return;
  }
  const r2 = /^\/sobjects\/([^/]+)$/.exec(rest);
  if (r2 && m === 'GET') {
    family('sobject');
    if (gate(ctx, 'bearer')) reply(ctx, sobjectInfo(st, v, decodeURIComponent(r2[1] as string)));
    return;
  }
  if (rest === '/limits' && m === 'GET') {
    family('limits');
    if (gate(ctx, 'bearer')) reply(ctx, limits(st));
    return;
  }
  if ((rest === '/query' || rest === '/queryAll') && m === 'GET') {
    const all = rest === '/queryAll';
    family(all ? 'queryAll' : 'query');
    if (gate(ctx, 'bearer')) await sendPage(ctx, v, queryPage(ctx, v, ctx.url.searchParams.get('q'), all));
    return;
  }
  const r3 = /^\/(query|queryAll)\/([^/]+)$/.exec(rest);
  if (r3 && m === 'GET') {
    family('queryMore');
    if (gate(ctx, 'bearer'))
      await sendPage(ctx, v, queryMorePage(ctx, v, decodeURIComponent(r3[2] as string)));
    return;
  }
  if (rest === '/composite/batch' && m === 'POST') {
    family('composite.batch');
    if (gate(ctx, 'bearer')) reply(ctx, compositeBatch(ctx, v));
    return;
  }
  if (rest === '/jobs/query') {
    family(m === 'POST' ? 'bulk2.create' : 'bulk2.list');
    if (!gate(ctx, 'bearer')) return;
    if (m === 'POST') return createJob(ctx, v);
    if (m === 'GET') return listJobs(ctx);
  }
  const r4 = /^\/jobs\/query\/([^/]+)(\/results)?$/.exec(rest);
  if (r4) {
    const id = r4[1] as string;
    if (r4[2] && m === 'GET') {
      family('bulk2.results');
      if (gate(ctx, 'bearer')) await results(ctx, v, id);
      return;
    }
    if (!r4[2]) {
      const fam =
        m === 'GET' ? 'bulk2.status' : m === 'PATCH' ? 'bulk2.abort' : m === 'DELETE' ? 'bulk2.delete' : '';
      if (fam) {
        family(fam);
        if (!gate(ctx, 'bearer')) return;
        if (m === 'GET') return jobStatus(ctx, id);
        if (m === 'PATCH') return abortJob(ctx, id);
        return deleteJob(ctx, id);
      }
    }
  }
  family('notFound');
  if (gate(ctx, 'bearer')) throw notFound();
}

async function route(ctx: Ctx): Promise<void> {
  const st = ctx.state;
  const path = ctx.url.pathname;
  const m = ctx.method;
  if (path === '/services/oauth2/token' && m === 'POST') return token(ctx);
  if (path === '/services/oauth2/authorize' && m === 'GET') return authorize(ctx);
  const soap = /^\/services\/Soap\/u\/(\d+\.\d)\/?$/.exec(path);
  if (soap && m === 'POST') return soapLogin(ctx, soap[1] as string);
  const r5 = /^\/services\/async\/(\d+\.\d)\/job(\/.*)?$/.exec(path);
  if (r5) {
    const v = r5[1] as string;
    if (!st.versionSupported(v)) {
      st.count('bulk1.unknown');
      return send(ctx, 404, 'Not Found', 'text/plain');
    }
    st.count('bulk1');
    if (!gate(ctx, 'bulk1')) return;
    return bulk1(ctx, v, r5[2] ?? '');
  }
  if (path.startsWith('/services/data')) {
    ctx.rest = true;
    if (path === '/services/data' || path === '/services/data/') {
      st.count('versions');
      return reply(ctx, versions(st));
    }
    const r6 = /^\/services\/data\/v(\d+\.\d)(\/.*?)?\/?$/.exec(path);
    if (r6) {
      const v = r6[1] as string;
      if (!st.versionSupported(v)) {
        st.count('notFound');
        throw notFound();
      }
      return dataRoute(ctx, v, r6[2] ?? '');
    }
  }
  const r7 = /^\/id\/([^/]+)\/([^/]+)$/.exec(path);
  if (r7 && m === 'GET') {
    st.count('identity');
    if (!gate(ctx, 'bearer')) return;
    return sendJson(ctx, 200, {
      id: st.idUrl(),
      asserted_user: true,
      user_id: st.userId,
      organization_id: r7[1],
      username: 'integration@example.com',
      display_name: 'Integration User',
      active: true,
      user_type: 'STANDARD',
      urls: {
        rest: `${st.url}/services/data/v{version}/`,
        query: `${st.url}/services/data/v{version}/query/`,
      },
    });
  }
  st.count('notFound');
  throw notFound();
}

export function createOrgServer(state: OrgState): Server {
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ctx: Ctx = {
      req,
      res,
      url,
      method: req.method ?? 'GET',
      body: '',
      state,
      drop: false,
      rest: false,
    };
    try {
      const latency = state.faults.latencyMs;
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const rawUrl = req.url ?? '';
      if (Buffer.byteLength(rawUrl) > MAX_URI) {
        state.count('uriTooLong');
        send(
          ctx,
          414,
          '<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>',
          'text/html;charset=iso-8859-1',
        );
        return;
      }
      const headerBytes = req.rawHeaders.reduce((a, h) => a + Buffer.byteLength(h) + 2, 0);
      if (Buffer.byteLength(rawUrl) + headerBytes > MAX_URI) {
        state.count('headersTooLarge');
        send(
          ctx,
          431,
          '<h1>Bad Message 431</h1><pre>reason: Request Header Fields Too Large</pre>',
          'text/html;charset=iso-8859-1',
        );
        return;
      }
      ctx.body = await readBody(req);
      await route(ctx);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) sendError(ctx, e);
      else {
        console.error(e);
        sendError(ctx, new HttpError(500, [{ message: String(e), errorCode: 'UNKNOWN_EXCEPTION' }]));
      }
    }
  };
  return createServer({ maxHeaderSize: 1024 * 1024, keepAliveTimeout: 5000 }, (req, res) => {
    void handler(req, res);
  });
}
