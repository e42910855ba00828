/**
 * DatasetBuilder: what every importer feeds rows into. It owns the dense re-indexing of users and items, the
 * duplicate / unknown-item rules, the per-user ordering (tie-breaking) and the import summary, so those rules
 * are written once and documented once (docs/data.md) instead of once per format.
 */
import type { Dataset, ImportSummary, ItemCatalog, UserSequence } from './types.ts';

/**
 * How events of one user are ordered:
 * - `rank`: by an explicit per-user position supplied with each event (ML-1M's recon `chrono_rank`), then row;
 * - `time`: by timestamp, ties by original row order (stable);
 * - `file`: by original row order (order-only datasets).
 */
export type OrderRule = 'rank' | 'time' | 'file';

/**
 * Which rows count as duplicates (dropped, counted in `summary.dropped`):
 * - `user-item`: a second event for the same (user, item) (explicit ratings: one rating per pair; the first
 *   row in the file wins);
 * - `exact`: a row identical in (user, item, timestamp, rank, outcome) to an earlier one;
 * - `none`: nothing is a duplicate (re-consumption in order-only logs is real signal).
 */
export type DedupeRule = 'user-item' | 'exact' | 'none';

export interface BuilderOptions {
  name: string;
  /** Outcome vocabulary; events carry an index into it. */
  outcomes: string[];
  order: OrderRule;
  dedupe: DedupeRule;
  /** When true, events naming an item the catalog does not hold are dropped as `unknown item`. */
  closedCatalog: boolean;
  /** When false, catalog items without any event are removed at build time (the catalog = rated items). */
  keepItemsWithoutEvents: boolean;
}

/** Content for one catalog item. */
export interface ItemContent {
  title?: string;
  year?: number;
  features?: string[];
}

const PAIR_STRIDE = 2 ** 26; // items per user in the (user, item) duplicate key; 2^26 * 2^26 < 2^53

class Growable<T extends Int32Array | Float64Array | Uint8Array> {
  data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
}

/** Accumulates catalog rows and events, then builds an immutable Dataset. */
export class DatasetBuilder {
  private readonly itemIndex = new Map<string, number>();
  private readonly itemIds: string[] = [];
  private readonly titles: (string | undefined)[] = [];
  private readonly years: number[] = [];
  private readonly features: string[][] = [];
  private readonly userIndex = new Map<string, number>();
  private readonly userIds: string[] = [];
  private readonly eventUser = new Growable((n) => new Int32Array(n));
  private readonly eventItem = new Growable((n) => new Int32Array(n));
  private readonly eventOutcome = new Growable((n) => new Uint8Array(n));
  private readonly eventTime = new Growable((n) => new Float64Array(n));
  private readonly eventRank = new Growable((n) => new Float64Array(n));
  private readonly pairs = new Set<number>();
  private readonly exactRows = new Set<string>();
  private readonly dropped: Record<string, number> = {};
  private readonly files: { path: string; rows: number }[] = [];
  private hasContent = false;

  constructor(readonly options: BuilderOptions) {
    if (options.outcomes.length === 0 || options.outcomes.length > 255) {
      throw new Error(`outcome vocabulary must have 1..255 names, got ${options.outcomes.length}`);
    }
  }

  /** Number of catalog items so far. */
  get itemCount(): number {
    return this.itemIds.length;
  }

  /** Dense index of a raw item id, if the catalog holds it. */
  itemOf(id: string): number | undefined {
    return this.itemIndex.get(id);
  }

  /**
   * Adds a catalog item (or returns the existing index). Content given for an existing item is merged:
   * title/year fill blanks, features are appended without duplicates.
   */
  addItem(id: string, content?: ItemContent): number {
    let index = this.itemIndex.get(id);
    if (index === undefined) {
      index = this.itemIds.length;
      this.itemIndex.set(id, index);
      this.itemIds.push(id);
      this.titles.push(undefined);
      this.years.push(NaN);
      this.features.push([]);
    }
    if (content) this.setContent(index, content);
    return index;
  }

  /** Merges content into an existing item (see addItem). */
  setContent(index: number, content: ItemContent): void {
    if (content.title !== undefined && this.titles[index] === undefined) {
      this.titles[index] = content.title;
      this.hasContent = true;
    }
    if (content.year !== undefined && Number.isFinite(content.year) && !Number.isFinite(this.years[index]!)) {
      this.years[index] = content.year;
    }
    if (content.features && content.features.length > 0) {
      const existing = this.features[index]!;
      for (const token of content.features) if (!existing.includes(token)) existing.push(token);
    }
  }

  /** Counts a dropped row under `reason`. */
  drop(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  /** Records an input file and its row count for the summary. */
  addFile(path: string, rows: number): void {
    this.files.push({ path, rows });
  }

  /**
   * Adds one event. `time` is unix seconds or NaN; `rank` is the explicit position for the `rank` order rule
   * (ignored otherwise). Returns false when the row was dropped (duplicate / unknown item).
   */
  addEvent(userId: string, itemId: string, outcome: number, time: number, rank = 0): boolean {
    let item = this.itemIndex.get(itemId);
    if (item === undefined) {
      if (this.options.closedCatalog) {
        this.drop('unknown item');
        return false;
      }
      item = this.addItem(itemId);
    }
    let user = this.userIndex.get(userId);
    if (this.options.dedupe === 'user-item' && user !== undefined) {
      const key = user * PAIR_STRIDE + item;
      if (this.pairs.has(key)) {
        this.drop('duplicate (user, item)');
        return false;
      }
    } else if (this.options.dedupe === 'exact') {
      const key = `${userId}\u0000${itemId}\u0000${time}\u0000${rank}\u0000${outcome}`;
      if (this.exactRows.has(key)) {
        this.drop('duplicate row');
        return false;
      }
      this.exactRows.add(key);
    }
    if (user === undefined) {
      user = this.userIds.length;
      this.userIndex.set(userId, user);
      this.userIds.push(userId);
    }
    if (this.options.dedupe === 'user-item') this.pairs.add(user * PAIR_STRIDE + item);
    this.eventUser.push(user);
    this.eventItem.push(item);
    this.eventOutcome.push(outcome);
    this.eventTime.push(time);
    this.eventRank.push(rank);
    return true;
  }

  /** Builds the Dataset: per-user ordering, optional removal of event-less items, summary. */
  build(): Dataset {
    const eventCount = this.eventUser.length;
    const users = this.eventUser.data;
    const rawItems = this.eventItem.data;
    const times = this.eventTime.data;
    const ranks = this.eventRank.data;
    const outcomes = this.eventOutcome.data;

    // Item re-indexing: drop catalog items without events when asked, keeping catalog order.
    const used = new Uint8Array(this.itemIds.length);
    for (let e = 0; e < eventCount; e++) used[rawItems[e]!] = 1;
    let itemsWithEvents = 0;
    for (const u of used) itemsWithEvents += u;
    const remap = new Int32Array(this.itemIds.length);
    const keep: number[] = [];
    for (let i = 0; i < this.itemIds.length; i++) {
      if (this.options.keepItemsWithoutEvents || used[i]) {
        remap[i] = keep.length;
        keep.push(i);
      } else {
        remap[i] = -1;
      }
    }

    // Group events by user (counting sort keeps file order inside a user), then order each user's events.
    const userCount = this.userIds.length;
    const offsets = new Int32Array(userCount + 1);
    for (let e = 0; e < eventCount; e++) offsets[users[e]! + 1]!++;
    for (let u = 0; u < userCount; u++) offsets[u + 1]! += offsets[u]!;
    const cursor = offsets.slice(0, userCount);
    const byUser = new Int32Array(eventCount);
    for (let e = 0; e < eventCount; e++) byUser[cursor[users[e]!]!++] = e;

    const order = this.options.order;
    const sequences: UserSequence[] = [];
    const outcomeCounts = new Float64Array(this.options.outcomes.length);
    let eventsWithTime = 0;
    for (let u = 0; u < userCount; u++) {
      const rows = Array.from(byUser.subarray(offsets[u]!, offsets[u + 1]!));
      if (order === 'time') rows.sort((a, b) => times[a]! - times[b]! || a - b);
      else if (order === 'rank') rows.sort((a, b) => ranks[a]! - ranks[b]! || a - b);
      const n = rows.length;
      const seq: UserSequence = {
        user: u,
        items: new Int32Array(n),
        outcomes: new Uint8Array(n),
        times: new Float64Array(n),
      };
      for (let k = 0; k < n; k++) {
        const e = rows[k]!;
        seq.items[k] = remap[rawItems[e]!]!;
        seq.outcomes[k] = outcomes[e]!;
        seq.times[k] = times[e]!;
        outcomeCounts[outcomes[e]!]!++;
        if (!Number.isNaN(times[e]!)) eventsWithTime++;
      }
      sequences.push(seq);
    }

    const catalog: ItemCatalog = {
      ids: keep.map((i) => this.itemIds[i]!),
      features: keep.map((i) => this.features[i]!),
    };
    if (this.hasContent) catalog.titles = keep.map((i) => this.titles[i]);
    if (keep.some((i) => Number.isFinite(this.years[i]!))) {
      catalog.years = Float64Array.from(keep, (i) => this.years[i]!);
    }

    const summary: ImportSummary = {
      users: userCount,
      items: keep.length,
      itemsWithEvents,
      events: eventCount,
      outcomeCounts: Object.fromEntries(this.options.outcomes.map((name, i) => [name, outcomeCounts[i]!])),
      dropped: { ...this.dropped },
      eventsWithTime,
      files: this.files.slice(),
    };
    return {
      name: this.options.name,
      userIds: this.userIds.slice(),
      catalog,
      outcomes: this.options.outcomes.slice(),
      sequences,
      hasTimestamps: eventsWithTime > 0,
      summary,
    };
  }
}
