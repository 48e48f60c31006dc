/** Identity wire shapes: visitor tokens, member tokens, API key scopes (docs/product.md §2). */
import { type Static, Type } from 'typebox';
import { Guid } from './review.ts';

export const SCOPES = ['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate'] as const;
export type Scope = (typeof SCOPES)[number];

export const TokenRequest = Type.Object({
  grantType: Type.Union([Type.Literal('anonymous'), Type.Literal('refresh_token')]),
  clientId: Type.String({ minLength: 1, maxLength: 100, description: "The site's public client id." }),
  refreshToken: Type.Optional(
    Type.String({ maxLength: 4000, description: 'For grantType refresh_token (the official SDK sends this name).' }),
  ),
  refresh_token: Type.Optional(Type.String({ maxLength: 4000, description: 'Alias of refreshToken.' })),
});
export type TokenRequest = Static<typeof TokenRequest>;
export const TokenResponse = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires.' }),
});
export type TokenResponse = Static<typeof TokenResponse>;

export const MemberTokenRequest = Type.Object({
  contactId: Guid('Contact id of the logged-in member.'),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400 })),
});
export const MemberTokenResponse = Type.Object({
  accessToken: Type.String(),
  expiresIn: Type.Integer(),
});

/**
 * Site-wide moderation setting: the fallback for a namespace without its own rules document (see
 * `src/contract/moderation.ts`, `PUT /verdict/v1/moderation/rules`).
 */
export const SiteSettings = Type.Object({
  moderation: Type.Object({
    mode: Type.Union([Type.Literal('APPROVE_ALL'), Type.Literal('HOLD_ALL'), Type.Literal('HOLD_RATINGS')], {
      description: 'APPROVE_ALL publishes at once; HOLD_ALL holds every review; HOLD_RATINGS holds the listed ratings.',
    }),
    heldRatings: Type.Array(Type.Integer({ minimum: 1, maximum: 5 }), {
      maxItems: 5,
      uniqueItems: true,
      description: 'Ratings held for moderation when mode is HOLD_RATINGS.',
      examples: [[1, 2]],
    }),
  }),
});
export type SiteSettings = Static<typeof SiteSettings>;
export const SiteSettingsResponse = Type.Object({ settings: SiteSettings });
export const DEFAULT_SITE_SETTINGS: SiteSettings = { moderation: { mode: 'APPROVE_ALL', heldRatings: [] } };
