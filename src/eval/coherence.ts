/**
 * Coherence@k: a content sanity check for recommendation lists. For one evaluation case it is the share of the
 * top-k list whose items share at least one content attribute (genre on MovieLens, category on Amazon / Taobao)
 * with the items the user LOVED in the history the model was given (events with outcome `love`). Averaged over
 * the cases it applies to; a case is skipped (and counted) when its history has no loved item, or when none of
 * its loved items carries the attribute. The denominator is k (or the list length when the catalog is smaller),
 * so listed items without the attribute count as not sharing.
 *
 * `Coherence3@k` is the same against only the user's three most frequent attribute values among the loved items
 * (ties: the value first seen in the catalog wins), because users with many loved items usually cover almost
 * every genre, which makes the plain share saturate near 1 for any list.
 *
 * It is a plausibility check, not a quality target: a list of nothing but the user's favourite genre scores 1,
 * and a perfect next-item model need not score high. It tells a person whether the lists look related to what
 * the user liked, and it compares models on the same cases.
 */
import type { EventSlice } from '../data/splits.ts';
import type { ItemCatalog } from '../data/types.ts';

/** How many of the user's most frequent loved attribute values Coherence3@k compares with. */
export const TOP_ATTRIBUTES = 3;

/** Attribute kinds tried, in order, when the caller does not name one. */
export const COHERENCE_ATTRIBUTES = ['genre', 'category'] as const;

/** The first of COHERENCE_ATTRIBUTES that some catalog item carries (`genre:...` tokens), or undefined. */
export function coherenceAttribute(catalog: ItemCatalog): string | undefined {
  for (const kind of COHERENCE_ATTRIBUTES) {
    const prefix = `${kind}:`;
    if (catalog.features.some((tokens) => tokens.some((t) => t.startsWith(prefix)))) return kind;
  }
  return undefined;
}

/** What the harness needs to compute Coherence@k (see EvaluateOptions.coherence). */
export interface CoherenceConfig {
  /** Content tokens per item (ItemCatalog.features). */
  features: string[][];
  /** Attribute kind: tokens `${attribute}:value` are compared (e.g. `genre`). */
  attribute: string;
  /** Outcome index (into Dataset.outcomes) that marks a loved item. */
  loveOutcome: number;
  /** List length (default 20). */
  k?: number;
}

/** Averages and skip counts of Coherence@k over the cases seen. */
export interface CoherenceSummary {
  k: number;
  attribute: string;
  /** Cases that entered the average. */
  users: number;
  /** Cases skipped because their history has no loved item. */
  skippedNoLoved: number;
  /** Cases skipped because none of their loved items carries the attribute. */
  skippedNoAttribute: number;
}

/** Accumulates Coherence@k over cases; one instance per list kind (masked / unmasked). */
export class CoherenceMetric {
  readonly k: number;
  private readonly itemAttributes: Int32Array[];
  private readonly attributeStamp: Int32Array;
  private readonly attributeCount: Int32Array;
  private readonly topStamp: Int32Array;
  private readonly touched: number[] = [];
  private sumTop = 0;
  private stamp = 0;
  private sum = 0;
  private counted = 0;
  private noLoved = 0;
  private noAttribute = 0;

  constructor(private readonly config: CoherenceConfig) {
    this.k = config.k ?? 20;
    if (!Number.isInteger(this.k) || this.k < 1) throw new Error(`coherence k must be a positive integer, got ${this.k}`);
    const prefix = `${config.attribute}:`;
    const index = new Map<string, number>();
    this.itemAttributes = config.features.map((tokens) => {
      const ids: number[] = [];
      for (const token of tokens) {
        if (!token.startsWith(prefix)) continue;
        let id = index.get(token);
        if (id === undefined) index.set(token, (id = index.size));
        ids.push(id);
      }
      return Int32Array.from(ids);
    });
    this.attributeStamp = new Int32Array(index.size);
    this.attributeCount = new Int32Array(index.size);
    this.topStamp = new Int32Array(index.size);
  }

  /**
   * Adds one case: `history` is what the model saw, `list` its ranked items (best first; only the first k
   * count). Returns the case's shares (`share` for Coherence@k, `topShare` for Coherence3@k), or undefined when
   * the case is skipped.
   */
  add(history: EventSlice, list: Int32Array): { share: number; topShare: number } | undefined {
    this.stamp++;
    let loved = false;
    this.touched.length = 0;
    for (let h = 0; h < history.items.length; h++) {
      if (history.outcomes[h] !== this.config.loveOutcome) continue;
      loved = true;
      const attrs = this.itemAttributes[history.items[h]!];
      if (!attrs) continue;
      for (let a = 0; a < attrs.length; a++) {
        const id = attrs[a]!;
        if (this.attributeStamp[id] !== this.stamp) {
          this.attributeStamp[id] = this.stamp;
          this.attributeCount[id] = 0;
          this.touched.push(id);
        }
        this.attributeCount[id]!++;
      }
    }
    if (!loved) {
      this.noLoved++;
      return undefined;
    }
    if (this.touched.length === 0) {
      this.noAttribute++;
      return undefined;
    }
    const n = Math.min(this.k, list.length);
    if (n === 0) return undefined;
    const counts = this.attributeCount;
    this.touched.sort((a, b) => counts[b]! - counts[a]! || a - b);
    for (let t = 0; t < Math.min(TOP_ATTRIBUTES, this.touched.length); t++) this.topStamp[this.touched[t]!] = this.stamp;
    let shared = 0;
    let sharedTop = 0;
    for (let r = 0; r < n; r++) {
      const attrs = this.itemAttributes[list[r]!];
      if (!attrs) continue;
      let any = false;
      let top = false;
      for (let a = 0; a < attrs.length; a++) {
        if (this.attributeStamp[attrs[a]!] === this.stamp) any = true;
        if (this.topStamp[attrs[a]!] === this.stamp) top = true;
      }
      if (any) shared++;
      if (top) sharedTop++;
    }
    const share = shared / n;
    this.sum += share;
    const topShare = sharedTop / n;
    this.sumTop += topShare;
    this.counted++;
    return { share, topShare };
  }

  /** Mean share against the user's top three loved attribute values (NaN when no case was counted). */
  valueTop(): number {
    return this.counted === 0 ? Number.NaN : this.sumTop / this.counted;
  }

  /** Mean share over the counted cases (NaN when none was counted). */
  value(): number {
    return this.counted === 0 ? Number.NaN : this.sum / this.counted;
  }

  /** Counts of counted and skipped cases. */
  summary(): CoherenceSummary {
    return {
      k: this.k,
      attribute: this.config.attribute,
      users: this.counted,
      skippedNoLoved: this.noLoved,
      skippedNoAttribute: this.noAttribute,
    };
  }
}
