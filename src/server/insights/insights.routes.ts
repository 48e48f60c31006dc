/** Handler of getInsights (catalogue: `src/contract/operations/owner.ts`). */
import type { Handlers } from '../http/route.ts';
import { getInsights } from './insights.service.ts';

export const insightsHandlers = {
  getInsights: async (deps, req) => ({ insights: await getInsights(deps, req.principal.siteId, req.query) }),
} satisfies Partial<Handlers>;
