/**
 * The user's session: the history as the model sees it (dense rows, in order) and the decoder's KV
 * cache over it. The stored history is prefilled once (`restore`); `extend` appends new events
 * through the KV cache (`RecordResult.tokensComputed` = the new events only). Every change bumps
 * `generation`, so caches keyed on it (the exclusion mask) never serve a stale history.
 */
import { InvalidArgumentError } from '../errors/errors.ts';
import type { HistoryEntry } from '../store/model-store.ts';
import { unknownItemsError, type ActiveModel } from './active-model.ts';
import type { RecordEvent, RecordResult, RecordedEvent } from './protocol.ts';
import type { RuntimeEvent, RuntimeSession } from './runtime-port.ts';

/** Events checked against a model: what the session runs and what the store keeps. */
export interface ValidatedEvents {
  dense: RuntimeEvent[];
  stored: RecordedEvent[];
}

/** Latest event time accepted, unix seconds (year 2286): beyond it a value is milliseconds or garbage. */
export const MAX_EVENT_TIME = 1e10;

/** An event time in unix seconds, or `InvalidArgumentError`. */
function checkTime(time: unknown, itemId: string): number {
  if (typeof time === 'number' && Number.isFinite(time) && time >= 0 && time <= MAX_EVENT_TIME) return time;
  const hint =
    typeof time === 'number' && time > MAX_EVENT_TIME && time < MAX_EVENT_TIME * 1e4
      ? ' (this looks like milliseconds; divide by 1000)'
      : '';
  throw new InvalidArgumentError(
    `Event time for item ${itemId} must be unix seconds, a number from 0 to ${MAX_EVENT_TIME}, got ${typeof time === 'string' ? JSON.stringify(time) : String(time)}${hint}. Nothing was recorded.`,
    { itemId, time: String(time) },
  );
}

/** Generations are unique across sessions, so a cache keyed on one never matches another session. */
let lastGeneration = 0;

/** One user's session on one model. */
export class UserSession {
  private kv?: RuntimeSession;
  /** The history as the session holds it (dense), in order. */
  private dense: RuntimeEvent[] = [];
  /** Events in the stored history. */
  historyLength = 0;
  /** Stored events the model does not know (item or outcome). */
  historySkipped = 0;
  /** Changes on every change of the events. */
  generation = ++lastGeneration;

  /** The KV cache, when there is any history (rebuilt here if a rollback could not rebuild it). */
  kvFor(model: ActiveModel): RuntimeSession | undefined {
    if (!this.kv && this.dense.length > 0) this.kv = model.runtime.prefill(this.dense);
    return this.kv;
  }

  /** Events in the session now (the window the KV cache covers). */
  get sessionLength(): number {
    return this.kv?.length ?? 0;
  }

  /** A point to roll back to (see `rollback`). */
  mark(): { events: number } {
    return { events: this.dense.length };
  }

  /**
   * Undoes every `extend` since `mark`: the events are dropped and the KV cache is rebuilt from the
   * ones before (or, if that fails too, on next use).
   */
  rollback(model: ActiveModel, mark: { events: number }): void {
    this.clear();
    this.dense.length = Math.min(this.dense.length, mark.events);
    try {
      if (this.dense.length > 0) this.kv = model.runtime.prefill(this.dense);
    } catch {
      this.kv = undefined; // kvFor rebuilds it
    }
  }

  /** Dense item rows of the history, oldest first (repeats kept). */
  seenItems(): number[] {
    return this.dense.map((e) => e.item);
  }

  /** Rebuilds the session from the stored history (items or outcomes the model does not know are skipped). */
  restore(model: ActiveModel, history: HistoryEntry[]): void {
    this.historyLength = history.length;
    const dense: RuntimeEvent[] = [];
    for (const e of history) {
      const item = model.itemIndex.get(e.itemId);
      const outcome = model.runtime.outcomes.indexOf(e.outcome);
      if (item === undefined || outcome < 0) continue;
      dense.push({ item, outcome, time: e.time });
    }
    this.historySkipped = history.length - dense.length;
    this.clear();
    this.dense = dense;
    if (dense.length > 0) this.kv = model.runtime.prefill(dense);
  }

  /** Forgets every event (the history was cleared or is about to be replaced). */
  reset(): void {
    this.clear();
    this.dense = [];
    this.historyLength = 0;
    this.historySkipped = 0;
  }

  /** Runs new events through the KV cache (or prefills when there is none yet). */
  extend(model: ActiveModel, dense: RuntimeEvent[]): RecordResult {
    for (const event of dense) this.dense.push(event); // no argument spread: batches may be huge
    this.generation = ++lastGeneration;
    if (this.kv) {
      const tokensComputed = model.runtime.append(this.kv, dense);
      return { recorded: dense.length, tokensComputed, path: 'append', sessionLength: this.kv.length };
    }
    this.kv = model.runtime.prefill(this.dense);
    return {
      recorded: dense.length,
      tokensComputed: this.kv.length, // the runtime keeps (and computes) at most maxLen events

      path: 'prefill',
      sessionLength: this.kv.length,
    };
  }

  /** Checks every event before anything is stored: unknown ids or outcomes reject the whole call. */
  validate(model: ActiveModel, events: RecordEvent[]): ValidatedEvents {
    if (!Array.isArray(events)) throw new InvalidArgumentError('record() takes an array of { itemId, outcome, time? } events.');
    const unknown: string[] = [];
    const dense: RuntimeEvent[] = [];
    const stored: RecordedEvent[] = [];
    const now = Date.now() / 1000;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (typeof event !== 'object' || event === null)
        throw new InvalidArgumentError(
          `record() events are objects { itemId, outcome, time? }; event ${i} is ${String(event)}. Nothing was recorded.`,
        );
      const itemId = String(event.itemId);
      const item = model.itemIndex.get(itemId);
      const outcome = model.runtime.outcomes.indexOf(event.outcome);
      if (outcome < 0) {
        throw new InvalidArgumentError(
          `Unknown outcome "${String(event.outcome)}" for item ${itemId}; this model's outcomes are ${model.runtime.outcomes.join(', ')}. Nothing was recorded.`,
          {
            outcome: String(event.outcome),
            outcomes: model.runtime.outcomes,
          },
        );
      }
      const time = event.time === undefined ? now : checkTime(event.time, itemId);
      if (item === undefined) {
        unknown.push(itemId);
        continue;
      }
      dense.push({ item, outcome, time });
      stored.push({ itemId, outcome: event.outcome, time });
    }
    if (unknown.length > 0) throw unknownItemsError(model, unknown, 'Nothing was recorded');
    return { dense, stored };
  }

  /** Frees the KV cache (the event list stays). */
  private clear(): void {
    this.kv?.dispose();
    this.kv = undefined;
    this.generation = ++lastGeneration;
  }

  /** Frees the KV cache and forgets the events. */
  dispose(): void {
    this.clear();
    this.dense = [];
  }
}
