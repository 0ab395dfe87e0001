// SOQL subset parser. Errors carry Salesforce's errorCode and its caret-style message.

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; ms: number }
  | { kind: 'datetime'; ms: number };

export interface FieldRef {
  path: string[];
  text: string;
  pos: number;
}

export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Cond =
  | { kind: 'cmp'; field: FieldRef; op: CmpOp; value: Literal; pos: number }
  | { kind: 'in'; field: FieldRef; not: boolean; values: Literal[]; pos: number }
  | { kind: 'like'; field: FieldRef; pattern: string; pos: number }
  | { kind: 'and'; parts: Cond[] }
  | { kind: 'or'; parts: Cond[] }
  | { kind: 'not'; cond: Cond };

export interface OrderItem {
  field: FieldRef;
  desc: boolean;
  nullsLast: boolean;
}

export interface Query {
  text: string;
  fields: FieldRef[];
  count: boolean;
  from: string;
  fromPos: number;
  where: Cond | null;
  /** text offsets: end of the FROM object name, and the WHERE expression's span (or -1) */
  fromEnd: number;
  whereStart: number;
  whereEnd: number;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number | null;
}

export class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Salesforce's caret message: the offending line, a caret, the row/column and the reason. */
export function caret(text: string, pos: number, reason: string): string {
  const before = text.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = pos - lineStart + 1;
  let lineEnd = text.indexOf('\n', pos);
  if (lineEnd < 0) lineEnd = text.length;
  const line = text.slice(lineStart, lineEnd);
  return `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${reason}`;
}

interface Token {
  t: 'id' | 'str' | 'num' | 'date' | 'datetime' | 'op' | 'punct' | 'eof';
  v: string;
  pos: number;
}

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?![\d:T])/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      i++;
      continue;
    }
    const rest = text.slice(i, i + 40);
    const dt = DATETIME_RE.exec(rest);
    if (dt) {
      out.push({ t: 'datetime', v: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const d = DATE_RE.exec(rest);
    if (d) {
      out.push({ t: 'date', v: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    if (/[0-9]/.test(c) || ((c === '-' || c === '+' || c === '.') && /[0-9]/.test(text[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[0-9.]/.test(text[j] as string)) j++;
      out.push({ t: 'num', v: text.slice(i, j), pos: i });
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.]/.test(text[j] as string)) j++;
      out.push({ t: 'id', v: text.slice(i, j), pos: i });
      i = j;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= n) throw new SoqlError('MALFORMED_QUERY', caret(text, i, 'line 1:0 mismatched character'));
        const ch = text[j] as string;
        if (ch === '\\') {
          const e = text[j + 1] ?? '';
          const map: Record<string, string> = {
            n: '\n',
            r: '\r',
            t: '\t',
            b: '\b',
            f: '\f',
            "'": "'",
            '"': '"',
            '\\': '\\',
          };
          if (e === '%' || e === '_') s += `\\${e}`;
          else if (map[e] !== undefined) s += map[e];
          else
            throw new SoqlError(
              'MALFORMED_QUERY',
              caret(text, j, 'Invalid string literal: illegal escape sequence'),
            );
          j += 2;
          continue;
        }
        if (ch === "'") break;
        s += ch;
        j++;
      }
      out.push({ t: 'str', v: s, pos: i });
      i = j + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '!=' || two === '<=' || two === '>=' || two === '<>') {
      out.push({ t: 'op', v: two === '<>' ? '!=' : two, pos: i });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ t: 'op', v: c, pos: i });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c, pos: i });
      i++;
      continue;
    }
    throw new SoqlError('MALFORMED_QUERY', caret(text, i, `unexpected token: '${c}'`));
  }
  out.push({ t: 'eof', v: '<EOF>', pos: n });
  return out;
}

export function parseDateTime(v: string): number {
  const m = DATETIME_RE.exec(v);
  if (!m) return Number.NaN;
  const frac = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
  let ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    frac,
  );
  const z = m[8] ?? 'Z';
  if (z !== 'Z') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000;
  }
  return ms;
}

export const MAX_SOQL_LENGTH = 100000;

export function parseSoql(text: string): Query {
  if (text.length > MAX_SOQL_LENGTH) {
    throw new SoqlError(
      'MALFORMED_QUERY',
      `SOQL statements can not be longer than ${MAX_SOQL_LENGTH} characters`,
    );
  }
  const toks = tokenize(text);
  let k = 0;
  const peek = (): Token => toks[k] as Token;
  const next = (): Token => toks[k++] as Token;
  const unexpected = (t: Token): never => {
    throw new SoqlError('MALFORMED_QUERY', caret(text, t.pos, `unexpected token: '${t.v}'`));
  };
  const kw = (t: Token, w: string) => t.t === 'id' && t.v.toUpperCase() === w;
  const expectKw = (w: string) => {
    const t = next();
    if (!kw(t, w)) unexpected(t);
  };
  const fieldRef = (t: Token): FieldRef => {
    if (t.t !== 'id') unexpected(t);
    return { path: t.v.split('.'), text: t.v, pos: t.pos };
  };

  expectKw('SELECT');
  const fields: FieldRef[] = [];
  let count = false;
  for (;;) {
    const t = next();
    if (kw(t, 'COUNT') && peek().v === '(') {
      next();
      const close = next();
      if (close.v !== ')') unexpected(close);
      count = true;
    } else {
      if (kw(t, 'FROM')) unexpected(t);
      fields.push(fieldRef(t));
    }
    if (peek().v === ',') {
      next();
      continue;
    }
    break;
  }
  if (count && fields.length > 0) unexpected(toks[1] as Token);
  expectKw('FROM');
  const fromTok = next();
  if (fromTok.t !== 'id') unexpected(fromTok);

  const literal = (): Literal => {
    const t = next();
    if (t.t === 'str') return { kind: 'string', value: t.v };
    if (t.t === 'num') return { kind: 'number', value: Number(t.v) };
    if (t.t === 'datetime') return { kind: 'datetime', ms: parseDateTime(t.v) };
    if (t.t === 'date') return { kind: 'date', ms: Date.parse(`${t.v}T00:00:00Z`) };
    if (kw(t, 'NULL')) return { kind: 'null' };
    if (kw(t, 'TRUE')) return { kind: 'boolean', value: true };
    if (kw(t, 'FALSE')) return { kind: 'boolean', value: false };
    return unexpected(t);
  };

  const primary = (): Cond => {
    const t = peek();
    if (t.v === '(') {
      next();
      const c = orExpr();
      const close = next();
      if (close.v !== ')') unexpected(close);
      return c;
    }
    if (kw(t, 'NOT')) {
      next();
      return { kind: 'not', cond: primary() };
    }
    const field = fieldRef(next());
    const op = next();
    if (op.t === 'op') return { kind: 'cmp', field, op: op.v as CmpOp, value: literal(), pos: op.pos };
    let not = false;
    let opTok = op;
    if (kw(op, 'NOT')) {
      not = true;
      opTok = next();
    }
    if (kw(opTok, 'IN')) {
      const open = next();
      if (open.v !== '(') unexpected(open);
      const values: Literal[] = [literal()];
      while (peek().v === ',') {
        next();
        values.push(literal());
      }
      const close = next();
      if (close.v !== ')') unexpected(close);
      return { kind: 'in', field, not, values, pos: opTok.pos };
    }
    if (kw(opTok, 'LIKE') && !not) {
      const p = next();
      if (p.t !== 'str') unexpected(p);
      return { kind: 'like', field, pattern: p.v, pos: opTok.pos };
    }
    return unexpected(opTok);
  };
  const andExpr = (): Cond => {
    const parts = [primary()];
    while (kw(peek(), 'AND')) {
      next();
      parts.push(primary());
    }
    return parts.length === 1 ? (parts[0] as Cond) : { kind: 'and', parts };
  };
  const orExpr = (): Cond => {
    const parts = [andExpr()];
    while (kw(peek(), 'OR')) {
      next();
      parts.push(andExpr());
    }
    return parts.length === 1 ? (parts[0] as Cond) : { kind: 'or', parts };
  };

  let where: Cond | null = null;
  let whereStart = -1;
  let whereEnd = -1;
  if (kw(peek(), 'WHERE')) {
    next();
    whereStart = peek().pos;
    where = orExpr();
    const prev = toks[k - 1] as Token;
    whereEnd = prev.t === 'str' ? text.indexOf("'", prev.pos + 1) + 1 : prev.pos + prev.v.length;
    if (prev.t === 'str') {
      // find the closing quote honouring escapes
      let j = prev.pos + 1;
      while (j < text.length && text[j] !== "'") j += text[j] === '\\' ? 2 : 1;
      whereEnd = j + 1;
    }
  }
  const orderBy: OrderItem[] = [];
  if (kw(peek(), 'ORDER')) {
    next();
    expectKw('BY');
    for (;;) {
      const field = fieldRef(next());
      let desc = false;
      if (kw(peek(), 'ASC')) next();
      else if (kw(peek(), 'DESC')) {
        next();
        desc = true;
      }
      let nullsLast = desc;
      if (kw(peek(), 'NULLS')) {
        next();
        const w = next();
        if (kw(w, 'FIRST')) nullsLast = false;
        else if (kw(w, 'LAST')) nullsLast = true;
        else unexpected(w);
      }
      orderBy.push({ field, desc, nullsLast });
      if (peek().v === ',') {
        next();
        continue;
      }
      break;
    }
  }
  let limit: number | null = null;
  if (kw(peek(), 'LIMIT')) {
    next();
    const t = next();
    if (t.t !== 'num' || !/^\d+$/.test(t.v)) unexpected(t);
    limit = Number(t.v);
  }
  let offset: number | null = null;
  if (kw(peek(), 'OFFSET')) {
    next();
    const t = next();
    if (t.t !== 'num' || !/^\d+$/.test(t.v)) unexpected(t);
    offset = Number(t.v);
  }
  const end = next();
  if (end.t !== 'eof') unexpected(end);
  return {
    text,
    fields,
    count,
    from: fromTok.v,
    fromPos: fromTok.pos,
    fromEnd: fromTok.pos + fromTok.v.length,
    where,
    whereStart,
    whereEnd,
    orderBy,
    limit,
    offset,
  };
}
