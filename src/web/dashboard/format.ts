/** Small text helpers shared by the screens. */
import type { Review } from '../../contract/index.ts';

export const stars = (rating: number): string => '★'.repeat(rating) + '☆'.repeat(Math.max(0, 5 - rating));

export function when(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** Words for a moderation status. */
export const STATUS_LABEL: Record<string, string> = {
  IN_MODERATION: 'Awaiting moderation',
  SUBMITTED: 'Submitted',
  APPROVED: 'Published',
  REJECTED: 'Rejected',
  UNKNOWN: 'Unknown',
};

/** A review's name in lists and labels: its title, else the start of its text, else its rating. */
export function reviewName(r: Review): string {
  const text = r.content.title?.trim() || r.content.body?.trim() || '';
  return text ? (text.length > 60 ? `${text.slice(0, 57)}…` : text) : `${r.content.rating}-star review`;
}

export const isPending = (r: Review): boolean =>
  r.moderation.moderationStatus === 'IN_MODERATION' || r.moderation.moderationStatus === 'SUBMITTED';
