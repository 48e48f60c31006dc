/**
 * API keys over HTTP (owner only): the list never carries a secret, only what tells keys apart; a new key's
 * plaintext is in the answer of its creation and nowhere else (only its SHA-256 hash is stored).
 */
import { type Static, Type } from 'typebox';
import { SCOPES, type Scope } from './auth.ts';
import { PageCursor, PageLimit, PageMetadata } from './paging.ts';
import { IdParam } from './review.ts';

export const ScopeName = Type.Union(
  [
    Type.Literal('reviews.read'),
    Type.Literal('reviews.read_private'),
    Type.Literal('reviews.manage'),
    Type.Literal('reviews.moderate'),
  ],
  { description: 'An app key scope.' },
);
// Every scope of SCOPES has its literal above, and no other.
const sameScopes: [Exclude<Scope, Static<typeof ScopeName>>, Exclude<Static<typeof ScopeName>, Scope>] extends [
  never,
  never,
]
  ? true
  : false = true;
void sameScopes;

export const ApiKeyInfo = Type.Object({
  id: Type.String({ description: 'Key id (GUID): what revokeApiKey takes.' }),
  kind: Type.Union([Type.Literal('admin'), Type.Literal('app')], {
    description: 'admin: every permission of the site; app: the listed scopes.',
  }),
  name: Type.String(),
  scopes: Type.Array(ScopeName, { description: 'Empty for an admin key.' }),
  appId: Type.Union([Type.String(), Type.Null()], { description: 'The app an app key acts as; null for admin keys.' }),
  displayPrefix: Type.String({ description: 'The first characters of the key (its kind), e.g. `vdt_app_3Jx…`.' }),
  lastFour: Type.Union([Type.String(), Type.Null()], {
    description: 'The last four characters of the key; null for keys created before they were kept.',
  }),
  createdDate: Type.String({ format: 'date-time' }),
  revokedDate: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ApiKeyInfo = Static<typeof ApiKeyInfo>;

/** Keys per page of listApiKeys unless `limit` says. */
export const API_KEYS_DEFAULT_LIMIT = 50;
export const ListApiKeysQuery = Type.Object({ limit: PageLimit(API_KEYS_DEFAULT_LIMIT), cursor: PageCursor });
export type ListApiKeysQuery = Static<typeof ListApiKeysQuery>;
export const ListApiKeysResponse = Type.Object({
  keys: Type.Array(ApiKeyInfo, { description: "The site's keys, revoked ones included, oldest first." }),
  metadata: PageMetadata,
});

export const CreateApiKeyRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'A label to tell the key apart.' }),
    kind: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('app')], { description: 'Default app.' })),
    scopes: Type.Optional(
      Type.Array(ScopeName, {
        minItems: 1,
        maxItems: SCOPES.length,
        uniqueItems: true,
        description: 'Scopes of an app key (default reviews.read); not allowed on an admin key.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateApiKeyRequest = Static<typeof CreateApiKeyRequest>;

export const CreateApiKeyResponse = Type.Object({
  key: ApiKeyInfo,
  secret: Type.String({ description: 'The key itself. Shown only in this answer: store it now.' }),
});

export const ApiKeyIdParams = Type.Object({
  keyId: IdParam('API key id (GUID), from listApiKeys.', { code: 'API_KEY_NOT_FOUND', message: 'API key not found' }),
});

export const RevokeApiKeyResponse = Type.Object({});
