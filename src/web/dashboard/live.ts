/**
 * Follows the site's event feed (`readEvents`) for as long as a screen is shown: it starts at the feed's end
 * (`after=end`: the history before the screen opened is not news, and one request finds the end however long the
 * retained history is), then follows by long-poll, calling `onEvents` with each batch of review events. Errors back
 * off and retry; a position the retention has passed restarts from the end.
 */
import { EVENT_TYPES } from '../../contract/event-types.ts';
import { ApiError, type DashboardApi } from './api.ts';

const REVIEW_EVENTS = new Set<string>(Object.values(EVENT_TYPES));
const PAGE = 100;
const WAIT_SECONDS = 25;
const MAX_BACKOFF_MS = 30_000;

export interface FeedBatch {
  eventType: string;
  /** The review the event is about (`entityId` of the Wix envelope). */
  reviewId: string | undefined;
}

export class EventFollower {
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly api: DashboardApi,
    private readonly onEvents: (events: FeedBatch[]) => void,
    /** Told when following starts (the feed's end is reached) and when it pauses on an error. */
    private readonly onLive: (live: boolean) => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, ms);
    });
  }

  private async run(): Promise<void> {
    let after: string | undefined;
    let backoff = 1_000;
    while (this.running) {
      try {
        // The first read starts at the feed's end without waiting (so `onLive` tells at once that following has
        // begun); it returns only events committed after it began.
        const starting = after === undefined;
        const page = await this.api.call('readEvents', {
          query: { waitSeconds: starting ? '0' : String(WAIT_SECONDS), limit: String(PAGE), after: after ?? 'end' },
        });
        if (!this.running) return;
        if (starting || backoff > 1_000) this.onLive(true);
        after = page.position;
        backoff = 1_000;
        const batch = page.events
          .filter((e) => REVIEW_EVENTS.has(e.eventType))
          .map((e) => ({
            eventType: e.eventType,
            reviewId: typeof e.event.entityId === 'string' ? e.event.entityId : undefined,
          }));
        if (batch.length > 0) this.onEvents(batch);
      } catch (err) {
        if (!this.running) return;
        // 401: the shell has already shown the sign-in form; 403: this user may not read the feed.
        this.onLive(false);
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return this.stop();
        if (err instanceof ApiError && err.status === 410) after = undefined;
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}
