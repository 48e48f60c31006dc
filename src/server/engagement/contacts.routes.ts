/**
 * The Contacts v4 subset reviews need (docs/wix-api.md §12): create, get, query by email. Admin only. Mounted under
 * the www.wixapis.com path, the Wix-site path, and the bare `/v4/contacts` the official contacts SDK requests on a
 * custom host (docs/wix-api.md §13).
 */
import {
  ContactIdParams,
  ContactResponse,
  CreateContactRequest,
  ErrorBody,
  QueryContactsRequest,
  QueryContactsResponse,
} from '../../contract/index.ts';
import { createContact, getContact, queryContacts } from '../contacts/contacts.service.ts';
import { type RouteDef, route } from '../http/route.ts';

export const CONTACT_PREFIXES = ['/contacts/v4/contacts', '/_api/contacts/v4/contacts', '/v4/contacts'] as const;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const contactRoutes: RouteDef[] = [
  route({
    operation: 'createContact',
    method: 'POST',
    path: '',
    summary: 'Create a contact (name and/or email); 409 when the email is taken',
    schema: { body: CreateContactRequest, response: { 200: ContactResponse, ...errors } },
    handler: async (deps, req) => ({ contact: await createContact(deps, req.principal.siteId, req.body) }),
  }),
  route({
    operation: 'queryContacts',
    method: 'POST',
    path: '/query',
    summary: 'Query contacts by email (info.emails.email or primaryInfo.email)',
    schema: { body: QueryContactsRequest, response: { 200: QueryContactsResponse, ...errors } },
    handler: (deps, req) => queryContacts(deps, req.principal.siteId, req.body),
  }),
  route({
    operation: 'getContact',
    method: 'GET',
    path: '/:contactId',
    summary: 'A contact by id',
    schema: { params: ContactIdParams, response: { 200: ContactResponse, ...errors } },
    handler: async (deps, req) => ({ contact: await getContact(deps, req.principal.siteId, req.params.contactId) }),
  }),
];
