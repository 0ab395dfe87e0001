// Shared helpers for the simulated-org tests.

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'])
  delete process.env[k];

export const V = '64.0';

export async function passwordToken(url: string, extra: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'id',
      client_secret: 'secret',
      username: 'u@example.com',
      password: 'pw',
      ...extra,
    }),
  });
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

export function api(url: string, token: string) {
  const headers = { Authorization: `Bearer ${token}` };
  return {
    get: (path: string, h: Record<string, string> = {}) =>
      fetch(path.startsWith('http') ? path : `${url}${path}`, { headers: { ...headers, ...h } }),
    post: (path: string, body: unknown, h: Record<string, string> = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', ...h },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    del: (path: string) => fetch(`${url}${path}`, { method: 'DELETE', headers }),
  };
}

/** RFC 4180 parser (quoted fields, doubled quotes, embedded newlines). */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += c === '\r' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
