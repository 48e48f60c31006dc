import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../contract/index.ts';
import { AppError, DatabaseConnectError, type ErrorKind, unavailable, unavailableReason } from './errors.ts';

const withCode = (code: string, message = 'driver error') => Object.assign(new Error(message), { code });

describe('unavailableReason', () => {
  it.each([
    ['55P03', 'busy'],
    ['57014', 'busy'],
    ['40001', 'busy'],
    ['40P01', 'busy'],
    ['53300', 'busy'],
    ['57P01', 'unreachable'],
    ['57P02', 'unreachable'],
    ['57P03', 'unreachable'],
    ['08006', 'unreachable'],
    ['08P01', 'unreachable'],
    ['25006', 'unreachable'],
    ['ECONNREFUSED', 'unreachable'],
    ['ECONNRESET', 'unreachable'],
    ['ETIMEDOUT', 'unreachable'],
    ['SQLITE_BUSY', 'busy'],
    ['SQLITE_BUSY_SNAPSHOT', 'busy'],
    ['SQLITE_LOCKED', 'busy'],
  ])('classifies code %s as %s', (code, reason) => {
    expect(unavailableReason(withCode(code))).toBe(reason);
  });

  it.each(['23505', '23503', '42P01', '22P02', '53100', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR'])(
    'leaves code %s to the generic 500',
    (code) => {
      expect(unavailableReason(withCode(code))).toBeUndefined();
    },
  );

  it("recognises node-postgres' own connection errors, which carry no code", () => {
    for (const message of [
      'timeout exceeded when trying to connect',
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'Client has encountered a connection error and is not queryable',
    ]) {
      expect(unavailableReason(new Error(message)), message).toBe('unreachable');
    }
    expect(unavailableReason(new Error('something else'))).toBeUndefined();
    expect(unavailableReason('not an error')).toBeUndefined();
  });

  it('follows the cause chain, and takes a connect failure as its reason says whatever the server answered', () => {
    expect(unavailableReason(new Error('Migration x failed', { cause: withCode('57P03') }))).toBe('unreachable');
    expect(unavailableReason(new DatabaseConnectError(withCode('55000')))).toBe('unreachable');
    expect(unavailableReason(new DatabaseConnectError(new Error('timeout exceeded'), 'busy'))).toBe('busy');
  });
});

describe('unavailable', () => {
  it('is a 503 SERVICE_UNAVAILABLE with a Retry-After in seconds, in the Wix body', () => {
    const busy = unavailable('busy');
    expect(busy.status).toBe(503);
    expect(busy.opts.headers).toEqual({ 'Retry-After': '1' });
    expect(busy.toBody()).toEqual({
      message: busy.publicMessage,
      details: { applicationError: { code: 'SERVICE_UNAVAILABLE', description: busy.publicMessage } },
    });
    expect(unavailable('unreachable').opts.headers).toEqual({ 'Retry-After': '5' });
  });
});

describe('the error-code table of ADR 0004', () => {
  const adr = readFileSync(fileURLToPath(new URL('../../docs/adr/0004-error-codes.md', import.meta.url)), 'utf8');
  const rows = adr
    .split('\n')
    .map((line) => /^\s*\| `([a-z_]+)` \| (\d{3}) \| (.*) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);
  const tabled = rows.flatMap((m) => [...(m[3] ?? '').matchAll(/`([A-Z][A-Z_]+)`/g)].map((c) => c[1]));

  it('names every code of the closed list, and only those', () => {
    const reserved = ['CONTACT_REQUIRED', 'TOO_MANY_TO_COUNT'];
    expect(new Set([...tabled, ...reserved])).toEqual(new Set(ERROR_CODES));
    for (const code of reserved) expect(adr).toContain(`\`${code}\``);
  });

  it('gives each kind the status the error handler sends', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const m of rows) {
      const kind = m[1] as ErrorKind;
      expect(new AppError(kind, 'INTERNAL_ERROR', 'x').status, kind).toBe(Number(m[2]));
    }
  });
});
