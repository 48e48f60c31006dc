/** Decides the status a review enters after SUBMITTED, from the site's moderation setting. Pure. */
import type { SiteSettings } from '../../contract/index.ts';

export type AutoDecision = 'APPROVED' | 'IN_MODERATION';

export function decideStatus(settings: SiteSettings, review: { rating: number }): AutoDecision {
  switch (settings.moderation.mode) {
    case 'APPROVE_ALL':
      return 'APPROVED';
    case 'HOLD_ALL':
      return 'IN_MODERATION';
    case 'HOLD_RATINGS':
      return settings.moderation.heldRatings.includes(review.rating) ? 'IN_MODERATION' : 'APPROVED';
  }
}
