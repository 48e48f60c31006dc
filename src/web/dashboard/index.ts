/**
 * The dashboard's entry (`/dashboard/app.js`): adopts the page's own stylesheet and defines the elements. Built by
 * scripts/build.mjs into dist/dashboard.js (docs/adr/0013-dashboard.md).
 */
import { VerdictDashboard } from './app.ts';
import { VdBulkProgress } from './bulk.ts';
import { VdData } from './data.ts';
import { VdInsights } from './insights.ts';
import { VdKeys } from './keys.ts';
import { VdQueue } from './queue.ts';
import { VdReview } from './review.ts';
import { VdRules } from './rules.ts';
import { VdSessions } from './sessions.ts';
import { VdSettings } from './settings.ts';
import { VdSignIn } from './sign-in.ts';
import { pageStyles } from './styles.ts';
import { VdAccount, VdUsers } from './users.ts';

// A constructable sheet, not a <style> element: the page's CSP allows no inline style.
const sheet = new CSSStyleSheet();
sheet.replaceSync(pageStyles);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

const elements: Record<string, CustomElementConstructor> = {
  'verdict-dashboard': VerdictDashboard,
  'vd-sign-in': VdSignIn,
  'vd-queue': VdQueue,
  'vd-bulk-progress': VdBulkProgress,
  'vd-review': VdReview,
  'vd-settings': VdSettings,
  'vd-rules': VdRules,
  'vd-users': VdUsers,
  'vd-account': VdAccount,
  'vd-sessions': VdSessions,
  'vd-keys': VdKeys,
  'vd-insights': VdInsights,
  'vd-data': VdData,
};
for (const [name, element] of Object.entries(elements)) {
  if (!customElements.get(name)) customElements.define(name, element);
}
