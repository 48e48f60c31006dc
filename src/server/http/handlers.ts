/**
 * The handler of every operation of the catalogue, gathered from the modules that own them. Typed `Handlers`: an
 * operation without a handler here does not compile, and each module's map refuses a name the catalogue lacks.
 */
import { authHandlers } from '../auth/auth.routes.ts';
import { embedHandlers } from '../embed/embed.routes.ts';
import { contactHandlers } from '../engagement/contacts.routes.ts';
import { engagementHandlers } from '../engagement/engagement.routes.ts';
import { importHandlers } from '../imports/imports.routes.ts';
import { insightsHandlers } from '../insights/insights.routes.ts';
import { moderationHandlers } from '../moderation/moderation.routes.ts';
import { reviewHandlers } from '../reviews/reviews.routes.ts';
import { keyHandlers } from '../sites/keys.routes.ts';
import { userHandlers } from '../users/users.routes.ts';
import { webhookHandlers } from '../webhooks/webhooks.routes.ts';
import type { Handlers } from './route.ts';
import { verdictHandlers } from './verdict.routes.ts';

export const HANDLERS: Handlers = {
  ...reviewHandlers,
  ...contactHandlers,
  ...verdictHandlers,
  ...webhookHandlers,
  ...moderationHandlers,
  ...keyHandlers,
  ...importHandlers,
  ...insightsHandlers,
  ...engagementHandlers,
  ...authHandlers,
  ...embedHandlers,
  ...userHandlers,
};
