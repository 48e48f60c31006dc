/** Pure rules of contacts: no I/O. */

/**
 * What the Contacts API accepts as a contact's email: text without spaces around one `@`. Looser than the email
 * format a new review author's address must meet (any domain, internationalized ones too), so a contact's stored
 * address is checked with this rule wherever it comes back in (an import of a Verdict export).
 */
export const CONTACT_EMAIL = /^[^\s@]+@[^\s@]+$/;
