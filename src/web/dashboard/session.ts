/** The signed-in user as the dashboard sees them, and what each role may open. */
import type { CallOutput } from '../../contract/operations/call.ts';

export type Session = CallOutput<'getSession'>;
export type DashboardUser = Session['user'];

/** The screens of the dashboard, each at `#/<name>`. */
export type Screen = 'queue' | 'review' | 'settings' | 'insights' | 'data' | 'account';

/**
 * Settings and Data hold keys, webhooks, users, imports, exports and privacy erasure: the owner's alone (a
 * moderator's session is refused there by the server too; hiding them only spares a moderator a dead end).
 */
export function mayOpen(user: Pick<DashboardUser, 'role'>, screen: Screen): boolean {
  return screen === 'settings' || screen === 'data' ? user.role === 'owner' : true;
}

/** The screen and its parameters an address's hash names (`#/review/<id>`, `#/queue?status=…`). */
export function parseRoute(hash: string): { screen: Screen; id?: string; params: URLSearchParams } {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const [name, id] = path.split('/');
  const params = new URLSearchParams(query);
  switch (name) {
    case 'review':
      return id ? { screen: 'review', id: decodeURIComponent(id), params } : { screen: 'queue', params };
    case 'settings':
    case 'insights':
    case 'data':
    case 'account':
      return { screen: name, params };
    default:
      return { screen: 'queue', params };
  }
}
