/**
 * Turns the `Authorization` header (raw, as the official SDK sends it, or `Bearer …`) and `wix-site-id` into a
 * Principal. API keys are looked up by hash through the site cache, which never serves a key revoked by this or
 * another process (sites/site-cache.ts); visitor and member tokens are JWTs signed (HS256) with the site's secret,
 * so any instance sharing the database can verify them.
 */
import { createHmac, createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { SCOPES, type Scope, type TokenResponse } from '../../contract/index.ts';
import type { SiteRow } from '../db/schema.ts';
import type { DbDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { clientNetwork } from '../limits/limits.rules.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { sitesRepo } from '../sites/sites.repo.ts';
import { hashKey } from '../sites/sites.service.ts';
import { type ResolvedSession, resolveSession, type UsersConfig } from '../users/users.service.ts';
import { checkClaims, parseToken, verifyHs256 } from './hs256.ts';
import type { Principal } from './principal.ts';

const ISSUER = 'verdict';
const REFRESH_TTL_SECONDS = 30 * 86_400;
/** Visitor identities minted from one network within one such window share a mint mark (docs/rate-limits.md). */
export const MINT_WINDOW_MS = 86_400_000;
/** Sites whose HMAC key is kept; past this the cache starts over (a key is made again in microseconds). */
const MAX_CACHED_KEYS = 10_000;
/** Tokens whose signature was verified, kept by their exact text; past this the oldest is dropped. */
const MAX_VERIFIED_TOKENS = 10_000;

type TokenType = 'visitor' | 'member' | 'refresh';

const unauthenticated = (message = 'Missing or invalid credentials') =>
  new AppError('unauthenticated', 'UNAUTHENTICATED', message);

const otherSite = () =>
  new AppError('forbidden', 'PERMISSION_DENIED', 'These credentials do not belong to the requested site');

export interface Authenticator {
  authenticate(authorization: string | undefined, siteIdHeader: string | undefined): Promise<Principal>;
  /**
   * The dashboard user of a session cookie's token, and the CSRF token of that session; 401 UNAUTHENTICATED when
   * the session is unknown or has ended.
   */
  authenticateSession(token: string, siteIdHeader: string | undefined): Promise<ResolvedSession>;
  /** The id of the site a public client id belongs to; 401 UNAUTHENTICATED for an unknown one. */
  clientSite(clientId: string): Promise<string>;
  /**
   * New visitor tokens for a site's client id, minted for a client at `clientAddress`. The tokens carry a mint mark:
   * a keyed hash of the address's network and the day, never the address itself.
   */
  issueVisitorTokens(clientId: string, clientAddress: string): Promise<TokenResponse>;
  /** Fresh tokens for the same visitor; they keep the mint mark of the first minting (or take one from `clientAddress`). */
  refreshVisitorTokens(clientId: string, refreshToken: string, clientAddress: string): Promise<TokenResponse>;
  mintMemberToken(siteId: string, contactId: string, ttlSeconds: number): Promise<string>;
}

export function createAuthenticator(
  deps: DbDeps & { visitorTokenTtlSeconds: number; sites: SiteCache; sessions: UsersConfig },
): Authenticator {
  const site = (id: string) => deps.sites.get(id);

  // The HMAC key of each site, made once per secret: handing jose the raw secret made it import a WebCrypto key on
  // every sign and verify. Tokens are verified with it on node:crypto (hs256.ts); jose signs with it and keeps its
  // own WebCrypto form of it. Keyed by site id and checked against the secret, so a new secret gets a new key;
  // bounded, since the sites a process serves may be many.
  const keys = new Map<string, { secret: string; key: KeyObject }>();
  const keyOf = (s: SiteRow): KeyObject => {
    const hit = keys.get(s.id);
    if (hit?.secret === s.token_secret) return hit.key;
    if (keys.size >= MAX_CACHED_KEYS) keys.clear();
    const key = createSecretKey(Buffer.from(s.token_secret, 'utf8'));
    keys.set(s.id, { secret: s.token_secret, key });
    return key;
  };

  /**
   * The mint mark of a visitor identity: HMAC-SHA256, keyed with the site's token secret, of the client's network
   * and the mint window it was minted in (128 bits, base64url). The raw address is never stored or sent.
   */
  function mintMark(s: SiteRow, clientAddress: string): string {
    const window = Math.floor(deps.clock().getTime() / MINT_WINDOW_MS);
    return createHmac('sha256', s.token_secret)
      .update(`verdict-mint\u0000${clientNetwork(clientAddress)}\u0000${window}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  async function sign(s: SiteRow, typ: TokenType, sub: string, ttlSeconds: number, mnt?: string): Promise<string> {
    const nowSec = Math.floor(deps.clock().getTime() / 1000);
    return new SignJWT({ sid: s.id, typ, ...(mnt ? { mnt } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setSubject(sub)
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + ttlSeconds)
      .sign(keyOf(s));
  }

  // Tokens whose signature has been verified, by their exact text, with the secret that verified them: a storefront
  // visitor sends the same token with every request, and parsing it and computing its HMAC again was most of the
  // cost of authenticating it. Only the signature check is skipped on a later use: the site is looked up again (a
  // site gone or a secret changed sends the token through the full check, which refuses it) and the claims are
  // checked again at the current time (an expired token is refused). A token that fails any check is not kept, and
  // a forged one can only match an entry by being exactly the text that was verified.
  const verified = new Map<string, { sid: string; secret: string; payload: Record<string, unknown> }>();

  async function verifiedPayload(token: string): Promise<{ site: SiteRow; payload: Record<string, unknown> }> {
    const now = deps.clock();
    const hit = verified.get(token);
    if (hit) {
      const s = await site(hit.sid);
      if (s && s.token_secret === hit.secret) {
        const checked = checkClaims(hit.payload, { issuer: ISSUER, now });
        if (!checked.ok) {
          verified.delete(token);
          throw checked.refusal === 'expired' ? unauthenticated('Token expired') : unauthenticated();
        }
        return { site: s, payload: checked.payload };
      }
      verified.delete(token);
    }
    const parsed = parseToken(token);
    const sid = parsed?.payload.sid;
    if (!parsed || typeof sid !== 'string') throw unauthenticated();
    const s = await site(sid);
    if (!s) throw unauthenticated();
    const checked = verifyHs256(parsed, keyOf(s), { issuer: ISSUER, now });
    if (!checked.ok) throw checked.refusal === 'expired' ? unauthenticated('Token expired') : unauthenticated();
    if (verified.size >= MAX_VERIFIED_TOKENS) {
      const oldest = verified.keys().next();
      if (!oldest.done) verified.delete(oldest.value);
    }
    verified.set(token, { sid, secret: s.token_secret, payload: checked.payload });
    return { site: s, payload: checked.payload };
  }

  async function verify(token: string): Promise<{ site: SiteRow; typ: TokenType; sub: string; mnt?: string }> {
    const { site: s, payload } = await verifiedPayload(token);
    const { typ, sub, mnt } = payload;
    if ((typ !== 'visitor' && typ !== 'member' && typ !== 'refresh') || typeof sub !== 'string')
      throw unauthenticated();
    return { site: s, typ, sub, ...(typeof mnt === 'string' ? { mnt } : {}) };
  }

  async function tokensFor(s: SiteRow, visitorId: string, mnt: string): Promise<TokenResponse> {
    return {
      access_token: await sign(s, 'visitor', visitorId, deps.visitorTokenTtlSeconds, mnt),
      refresh_token: await sign(s, 'refresh', visitorId, REFRESH_TTL_SECONDS, mnt),
      token_type: 'Bearer',
      expires_in: deps.visitorTokenTtlSeconds,
    };
  }

  async function siteByClientId(clientId: string): Promise<SiteRow> {
    const s = await sitesRepo.byClientId(deps.db, clientId);
    if (!s) throw unauthenticated('Unknown clientId');
    return s;
  }

  return {
    async authenticate(authorization, siteIdHeader) {
      const raw = (authorization ?? '').trim();
      const token = raw.toLowerCase().startsWith('bearer ') ? raw.slice(7).trim() : raw;
      if (!token) throw unauthenticated();
      let principal: Principal;
      if (token.startsWith('vdt_')) {
        const key = await deps.sites.keyByHash(hashKey(token));
        if (!key || key.revoked_at !== null) throw unauthenticated('Invalid API key');
        if (key.kind === 'admin') {
          principal = { kind: 'ADMIN', siteId: key.site_id, keyId: key.id };
        } else {
          const scopes = (JSON.parse(key.scopes_json) as string[]).filter((s): s is Scope =>
            (SCOPES as readonly string[]).includes(s),
          );
          principal = { kind: 'APP', siteId: key.site_id, keyId: key.id, appId: key.app_id, scopes };
        }
      } else {
        const { site: s, typ, sub, mnt } = await verify(token);
        if (typ === 'refresh') throw unauthenticated('A refresh token cannot be used as an access token');
        principal =
          typ === 'member'
            ? { kind: 'MEMBER', siteId: s.id, contactId: sub }
            : { kind: 'VISITOR', siteId: s.id, visitorId: sub, contactId: sub, ...(mnt ? { mintMark: mnt } : {}) };
      }
      if (siteIdHeader && siteIdHeader !== principal.siteId) throw otherSite();
      return principal;
    },

    async authenticateSession(token, siteIdHeader) {
      const session = await resolveSession({ ...deps, config: deps.sessions }, token);
      if (!session) throw unauthenticated('Not signed in, or the session has ended');
      if (siteIdHeader && siteIdHeader !== session.principal.siteId) throw otherSite();
      return session;
    },

    async clientSite(clientId) {
      return (await siteByClientId(clientId)).id;
    },

    async issueVisitorTokens(clientId, clientAddress) {
      const s = await siteByClientId(clientId);
      return tokensFor(s, randomUUID(), mintMark(s, clientAddress));
    },

    async refreshVisitorTokens(clientId, refreshToken, clientAddress) {
      const s = await siteByClientId(clientId);
      const v = await verify(refreshToken);
      if (v.typ !== 'refresh' || v.site.id !== s.id) throw unauthenticated('Invalid refresh token');
      // A refresh token from before mint marks gets one from the address it is refreshed from.
      return tokensFor(s, v.sub, v.mnt ?? mintMark(s, clientAddress));
    },

    async mintMemberToken(siteId, contactId, ttlSeconds) {
      const s = await site(siteId);
      if (!s) throw new AppError('not_found', 'SITE_NOT_FOUND', 'Site not found');
      return sign(s, 'member', contactId, ttlSeconds);
    },
  };
}
