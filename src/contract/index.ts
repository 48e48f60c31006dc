/** The Verdict contract: wire schemas, inferred types, error codes and event envelopes shared by every part. */

export * from './auth.ts';
export * from './dashboard.ts';
export * from './embed.ts';
export * from './engagement.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './imports.ts';
export * from './insights.ts';
export * from './keys.ts';
export * from './limits.ts';
export * from './moderation.ts';
export * from './paging.ts';
export * from './review.ts';
export * from './summaries.ts';
export * from './webhooks.ts';
