/**
 * The widget's user-facing text, per locale. Plain data and pure functions (no DOM), so the server's HTML fragment
 * uses the same words. To add a locale, add an object with every key of `en` to `CATALOGS` (the type checker
 * names any missing key); `pickLocale` chooses by the page's language, falling back to English.
 */
export const en = {
  reviews: 'Customer reviews',
  outOf: 'out of 5',
  basedOn: (n: string) => `Based on ${n} reviews`,
  basedOnOne: 'Based on 1 review',
  noReviews: 'No reviews yet. Be the first to write one.',
  starsLabel: (r: string) => `${r} out of 5 stars`,
  barLabel: (stars: number, n: string) => `${stars} stars: ${n} reviews. Show only these.`,
  filteredBy: (stars: number) => `Showing ${stars}-star reviews`,
  clearFilter: 'Show all',
  sortBy: 'Sort by',
  sortRelevance: 'Most relevant',
  sortNewest: 'Newest',
  sortHighest: 'Highest rating',
  sortLowest: 'Lowest rating',
  sortHelpful: 'Most helpful',
  loadMore: 'Load more reviews',
  verified: 'Verified purchase',
  ownerReply: 'Reply from the shop',
  anonymous: 'Anonymous',
  helpful: 'Helpful',
  unhelpful: 'Not helpful',
  helpfulCount: (n: string) => `Helpful (${n})`,
  unhelpfulCount: (n: string) => `Not helpful (${n})`,
  rateLimited: 'Too many votes in a short time. Please try again in a minute.',
  actionFailed: 'That did not work. Please try again.',
  loadFailed: 'Reviews could not be loaded.',
  report: 'Report',
  reportTitle: 'Report this review',
  reportReason: 'Reason',
  reportText: 'Details (optional)',
  reportSend: 'Send report',
  reportSent: 'Thank you. The shop will look at this review.',
  reportAlready: 'You have already reported this review.',
  cancel: 'Cancel',
  reasons: {
    SPAM: 'Spam or advertising',
    OFFENSIVE: 'Offensive',
    IRRELEVANT: 'Not about this product',
    FAKE: 'Fake review',
    OTHER: 'Something else',
  },
  write: 'Write a review',
  yourRating: 'Your rating',
  star: (n: number) => (n === 1 ? '1 star' : `${n} stars`),
  title: 'Title',
  body: 'Your review',
  name: 'Your name',
  email: 'E-mail (not shown)',
  submit: 'Submit review',
  required: 'This field is required.',
  ratingRequired: 'Please choose a rating.',
  tooLong: (max: string) => `At most ${max} characters.`,
  badEmail: 'Please enter a valid e-mail address.',
  thanksPublished: 'Thank you! Your review is published.',
  thanksHeld: 'Thank you! Your review will appear once the shop has checked it.',
  alreadyReviewed: 'You have already reviewed this product.',
  photo: (n: number) => `Photo ${n}`,
  readMore: 'Read more',
} as const;

/** A message catalog: every key of `en`, with the same argument shapes. */
export type Messages = {
  [K in keyof typeof en]: (typeof en)[K] extends (...a: infer A) => string
    ? (...a: A) => string
    : (typeof en)[K] extends string
      ? string
      : { [R in keyof (typeof en)[K]]: string };
};

export const de: Messages = {
  reviews: 'Kundenbewertungen',
  outOf: 'von 5',
  basedOn: (n) => `Basierend auf ${n} Bewertungen`,
  basedOnOne: 'Basierend auf 1 Bewertung',
  noReviews: 'Noch keine Bewertungen. Schreiben Sie die erste.',
  starsLabel: (r) => `${r} von 5 Sternen`,
  barLabel: (stars, n) => `${stars} Sterne: ${n} Bewertungen. Nur diese anzeigen.`,
  filteredBy: (stars) => `Bewertungen mit ${stars} Sternen`,
  clearFilter: 'Alle anzeigen',
  sortBy: 'Sortieren nach',
  sortRelevance: 'Relevanteste',
  sortNewest: 'Neueste',
  sortHighest: 'Beste Bewertung',
  sortLowest: 'Schlechteste Bewertung',
  sortHelpful: 'Hilfreichste',
  loadMore: 'Weitere Bewertungen laden',
  verified: 'Verifizierter Kauf',
  ownerReply: 'Antwort des Shops',
  anonymous: 'Anonym',
  helpful: 'Hilfreich',
  unhelpful: 'Nicht hilfreich',
  helpfulCount: (n) => `Hilfreich (${n})`,
  unhelpfulCount: (n) => `Nicht hilfreich (${n})`,
  rateLimited: 'Zu viele Stimmen in kurzer Zeit. Bitte versuchen Sie es in einer Minute erneut.',
  actionFailed: 'Das hat nicht geklappt. Bitte versuchen Sie es erneut.',
  loadFailed: 'Die Bewertungen konnten nicht geladen werden.',
  report: 'Melden',
  reportTitle: 'Diese Bewertung melden',
  reportReason: 'Grund',
  reportText: 'Details (optional)',
  reportSend: 'Meldung senden',
  reportSent: 'Danke. Der Shop sieht sich diese Bewertung an.',
  reportAlready: 'Sie haben diese Bewertung bereits gemeldet.',
  cancel: 'Abbrechen',
  reasons: {
    SPAM: 'Spam oder Werbung',
    OFFENSIVE: 'Beleidigend',
    IRRELEVANT: 'Nicht zu diesem Produkt',
    FAKE: 'Gefälschte Bewertung',
    OTHER: 'Etwas anderes',
  },
  write: 'Bewertung schreiben',
  yourRating: 'Ihre Bewertung',
  star: (n) => (n === 1 ? '1 Stern' : `${n} Sterne`),
  title: 'Titel',
  body: 'Ihr Text',
  name: 'Ihr Name',
  email: 'E-Mail (wird nicht angezeigt)',
  submit: 'Bewertung absenden',
  required: 'Dieses Feld ist erforderlich.',
  ratingRequired: 'Bitte wählen Sie eine Bewertung.',
  tooLong: (max) => `Höchstens ${max} Zeichen.`,
  badEmail: 'Bitte geben Sie eine gültige E-Mail-Adresse ein.',
  thanksPublished: 'Danke! Ihre Bewertung ist veröffentlicht.',
  thanksHeld: 'Danke! Ihre Bewertung erscheint, sobald der Shop sie geprüft hat.',
  alreadyReviewed: 'Sie haben dieses Produkt bereits bewertet.',
  photo: (n) => `Foto ${n}`,
  readMore: 'Weiterlesen',
};

/** Every locale the widget speaks, by primary language subtag. */
export const CATALOGS: Record<string, Messages> = { en, de };

/** The catalog for a BCP 47 tag (`de-AT` → German), English when the language is not in `CATALOGS`. */
export function pickLocale(tag: string | undefined): Messages {
  const lang = (tag ?? 'en').toLowerCase().split('-')[0] ?? 'en';
  return CATALOGS[lang] ?? en;
}

/** Only http(s) URLs are ever put into a `src` attribute; anything else (`javascript:`, `data:`) is dropped. */
export function safeMediaUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
