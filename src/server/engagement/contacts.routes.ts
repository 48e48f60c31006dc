/**
 * Handlers of the Contacts v4 subset reviews need (catalogue: `src/contract/operations/contacts.ts`, served under
 * the www.wixapis.com path and its aliases, docs/wix-api.md §12-13): create, get, query by email.
 */
import { createContact, getContact, queryContacts } from '../contacts/contacts.service.ts';
import type { Handlers } from '../http/route.ts';

export const contactHandlers = {
  createContact: async (deps, req) => ({ contact: await createContact(deps, req.principal.siteId, req.body) }),
  queryContacts: (deps, req) => queryContacts(deps, req.principal.siteId, req.body),
  getContact: async (deps, req) => ({ contact: await getContact(deps, req.principal.siteId, req.params.contactId) }),
} satisfies Partial<Handlers>;
