import { createSecretKey } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { HS256_HEADER, parseToken, verifyHs256 } from './hs256.ts';

const SECRET = 'a-site-secret-of-forty-three-characters-xyz';
const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
const NOW = new Date('2026-06-01T12:00:00.000Z');
const nowSec = NOW.getTime() / 1000;
const opts = { issuer: 'verdict', now: NOW };

/** A token signed by jose, as authenticate.ts signs them (same header unless `header` says otherwise). */
function signed(claims: JWTPayload, secret = SECRET, header: { alg: string; typ?: string } = { alg: 'HS256' }) {
  return new SignJWT({ sid: 'site-1', typ: 'visitor', ...claims })
    .setProtectedHeader(header)
    .sign(new TextEncoder().encode(secret));
}

const base = { iss: 'verdict', sub: 'visitor-1', iat: nowSec - 60, exp: nowSec + 3600 };

function check(token: string) {
  const parsed = parseToken(token);
  if (!parsed) throw new Error('token did not parse');
  return verifyHs256(parsed, key, opts);
}

describe('HS256 token verification', () => {
  it('accepts a token jose signed with the key, and returns its payload', async () => {
    const result = check(await signed(base));
    expect(result).toEqual({ ok: true, payload: { ...base, sid: 'site-1', typ: 'visitor' } });
  });

  it('refuses a token signed with another secret', async () => {
    expect(check(await signed(base, 'another-secret-of-forty-three-characters-xy'))).toEqual({
      ok: false,
      refusal: 'signature',
    });
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await signed(base)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...base, sid: 'site-1', typ: 'member' })).toString('base64url');
    expect(check(`${header}.${forged}.${signature}`)).toEqual({ ok: false, refusal: 'signature' });
  });

  it('refuses any header but the one Verdict writes, even when correctly signed', async () => {
    expect(check(await signed(base, SECRET, { alg: 'HS256', typ: 'JWT' }))).toEqual({
      ok: false,
      refusal: 'malformed',
    });
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const [, payload] = (await signed(base)).split('.');
    expect(check(`${none}.${payload}.`)).toEqual({ ok: false, refusal: 'malformed' });
  });

  it('refuses a signature that is not 32 bytes of base64url', async () => {
    const [header, payload, signature = ''] = (await signed(base)).split('.');
    expect(header).toBe(HS256_HEADER);
    expect(check(`${header}.${payload}.${signature.slice(1)}`)).toEqual({ ok: false, refusal: 'malformed' });
    expect(check(`${header}.${payload}.${signature.slice(1)}+`)).toEqual({ ok: false, refusal: 'malformed' });
  });

  it('reports a token at or past its expiry as expired, as jose does', async () => {
    expect(check(await signed({ ...base, exp: nowSec }))).toEqual({ ok: false, refusal: 'expired' });
    expect(check(await signed({ ...base, exp: nowSec + 1 })).ok).toBe(true);
  });

  it('refuses a wrong issuer, a missing expiry, a future nbf and a non-numeric iat', async () => {
    expect(check(await signed({ ...base, iss: 'someone-else' }))).toEqual({ ok: false, refusal: 'claims' });
    const { exp: _exp, ...noExp } = base;
    expect(check(await signed(noExp))).toEqual({ ok: false, refusal: 'claims' });
    expect(check(await signed({ ...base, nbf: nowSec + 1 }))).toEqual({ ok: false, refusal: 'claims' });
    expect(check(await signed({ ...base, nbf: nowSec })).ok).toBe(true);
    expect(check(await signed({ ...base, iat: 'yesterday' as unknown as number }))).toEqual({
      ok: false,
      refusal: 'claims',
    });
  });

  it('does not parse what is not three parts with a JSON object as payload', () => {
    const part = (v: string) => Buffer.from(v).toString('base64url');
    expect(parseToken('vdt_admin_abc')).toBeUndefined();
    expect(parseToken(`${HS256_HEADER}.${part('{"a":1}')}`)).toBeUndefined();
    expect(parseToken(`${HS256_HEADER}.${part('not json')}.sig`)).toBeUndefined();
    expect(parseToken(`${HS256_HEADER}.${part('[1,2]')}.sig`)).toBeUndefined();
    expect(parseToken(`${HS256_HEADER}.${part('null')}.sig`)).toBeUndefined();
    expect(parseToken(`${HS256_HEADER}.${part('{"sid":"s"}')}.sig`)?.payload).toEqual({ sid: 's' });
  });
});
