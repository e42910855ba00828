/**
 * The model slot of one namespace: stored copies of model versions, their chunked files, the active
 * pointer and the user's history.
 *
 * Installing is two-step so a failure can never leave a half-model active, and so that two tabs
 * installing at once can never delete each other's data:
 *   1. `stage` writes a new copy under a storage key of its own (`<modelVersion>~<random>`): the
 *      manifest record (complete: false), the catalog and every chunk. On any error (quota, abort)
 *      it deletes that copy again, and only that copy; it never deletes anything before writing.
 *   2. `activate` marks the copy complete and points the namespace at it in ONE transaction.
 * `collectGarbage` then drops the namespace's other copies. The loader runs the whole sequence
 * under `withModelLock` (one writer per namespace across tabs).
 */
import { unwrap } from 'idb';
import { QuotaExceededError, isQuotaError, toPocketrecError } from '../errors/errors.ts';
import type { ArtifactRole, ModelManifest } from '../model/manifest.ts';
import { CHUNK_BYTES, type PocketrecDatabase, type StoredCatalog, type StoredEvent, type StoredManifest } from './schema.ts';

/** A complete model read back from storage. */
export interface StoredModel {
  record: StoredManifest;
  catalog: StoredCatalog;
  files: Map<ArtifactRole, ArrayBuffer>;
}

/** An event as the host records it (raw ids, outcome names). */
export type HistoryEntry = Omit<StoredEvent, 'namespace'>;

/** A new storage key for a copy of `modelVersion`: the version, `~`, and 64 random bits. */
function stagingKey(modelVersion: string): string {
  const bits = crypto.getRandomValues(new Uint32Array(2));
  return `${modelVersion}~${bits[0]!.toString(36)}${bits[1]!.toString(36)}`;
}

/** Arrays sort after numbers and strings in IndexedDB: a fresh `[]` is an upper bound for either. */
const above = (): number => [] as unknown as number;

/** Storage of one namespace. */
export class ModelStore {
  constructor(
    readonly db: PocketrecDatabase,
    readonly namespace: string,
    /** Bytes per stored chunk (tests use small chunks to exercise the splitting cheaply). */
    readonly chunkBytes: number = CHUNK_BYTES,
  ) {}

  /**
   * The active copy's manifest record, if a model was ever activated here. `record.modelVersion` is
   * the copy's storage key; the model version is `record.manifest.modelVersion`.
   */
  async activeRecord(): Promise<StoredManifest | undefined> {
    const pointer = await this.db.get('active', this.namespace);
    if (!pointer) return undefined;
    const record = await this.db.get('manifests', [this.namespace, pointer.modelVersion]);
    return record?.complete ? record : undefined;
  }

  /**
   * Reads the active model completely, or `undefined` when there is none or when the browser has
   * evicted part of it (a missing or short chunk): the caller then downloads it again.
   */
  async readActive(): Promise<StoredModel | undefined> {
    const record = await this.activeRecord();
    if (!record) return undefined;
    const catalog = await this.db.get('catalogs', [this.namespace, record.modelVersion]);
    if (!catalog) return undefined;
    const files = new Map<ArtifactRole, ArrayBuffer>();
    const tx = this.db.transaction('chunks', 'readonly');
    for (const entry of record.manifest.files) {
      const range = IDBKeyRange.bound(
        [this.namespace, record.modelVersion, entry.role, 0],
        [this.namespace, record.modelVersion, entry.role, above()],
      );
      const chunks = await tx.store.getAll(range);
      const out = new Uint8Array(entry.bytes);
      let offset = 0;
      for (const chunk of chunks.sort((a, b) => a.index - b.index)) {
        if (offset + chunk.data.byteLength > entry.bytes) return undefined;
        out.set(new Uint8Array(chunk.data), offset);
        offset += chunk.data.byteLength;
      }
      if (offset !== entry.bytes) return undefined;
      files.set(entry.role, out.buffer);
    }
    await tx.done;
    return { record, catalog, files };
  }

  /**
   * Writes a verified model as a staged (inactive) copy under a new storage key, and returns the key.
   * Deletes nothing but that copy: on failure it is removed again and a storage-full error becomes
   * `QuotaExceededError`.
   */
  async stage(
    manifest: ModelManifest,
    manifestUrl: string,
    files: Map<ArtifactRole, ArrayBuffer>,
    catalog: Omit<StoredCatalog, 'namespace' | 'modelVersion'>,
    signal?: AbortSignal,
  ): Promise<string> {
    const version = manifest.modelVersion;
    const key = stagingKey(version);
    const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    try {
      await this.db.put('manifests', {
        namespace: this.namespace,
        modelVersion: key,
        manifest,
        manifestUrl,
        complete: false,
        bytes,
        storedAt: Date.now(),
      });
      await this.db.put('catalogs', { namespace: this.namespace, modelVersion: key, ...catalog });
      for (const entry of manifest.files) {
        const buffer = files.get(entry.role);
        if (!buffer) throw new Error(`file for role ${entry.role} missing`);
        for (let index = 0, offset = 0; offset < buffer.byteLength || index === 0; index++, offset += this.chunkBytes) {
          if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
          const data = buffer.slice(offset, Math.min(offset + this.chunkBytes, buffer.byteLength));
          await this.db.put('chunks', { namespace: this.namespace, modelVersion: key, role: entry.role, index, data });
          if (buffer.byteLength === 0) break;
        }
      }
      return key;
    } catch (error) {
      await this.deleteVersion(key).catch(() => undefined); // our own copy, never another tab's
      if (isQuotaError(error)) {
        throw new QuotaExceededError(
          `Storing model ${version} (${bytes} bytes) in IndexedDB exceeded the browser's storage quota. Nothing of it was activated${(await this.activeRecord().catch(() => undefined)) ? '; the previous model stays active' : ''}. Free disk space or site data, or use a smaller model, then retry.`,
          { modelVersion: version, bytes },
          { cause: error },
        );
      }
      throw toPocketrecError(error, `Storing model ${version}`);
    }
  }

  /** Marks a staged copy (its storage key) complete and makes it the active one, in one transaction. */
  async activate(modelVersion: string): Promise<void> {
    const tx = this.db.transaction(['manifests', 'active'], 'readwrite');
    const manifests = tx.objectStore('manifests');
    const record = await manifests.get([this.namespace, modelVersion]);
    if (!record) {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw new Error(`cannot activate ${modelVersion}: it was never staged`);
    }
    await manifests.put({ ...record, complete: true });
    await tx.objectStore('active').put({ namespace: this.namespace, modelVersion, activatedAt: Date.now() });
    await tx.done;
  }

  /**
   * Deletes the namespace's copies other than the active one; returns their storage keys. Complete
   * copies (older versions) always go; incomplete ones (left by a tab closed mid-write) only when
   * `includeIncomplete`, i.e. when the caller holds the cross-tab lock, so no other tab can be
   * writing them.
   */
  async collectGarbage(includeIncomplete = false): Promise<string[]> {
    const pointer = await this.db.get('active', this.namespace);
    const records = await this.db.getAllFromIndex('manifests', 'by-namespace', this.namespace);
    const stale = records
      .filter((r) => r.modelVersion !== pointer?.modelVersion && (r.complete || includeIncomplete))
      .map((r) => r.modelVersion);
    for (const version of stale) await this.deleteVersion(version);
    return stale;
  }

  /** Removes one stored copy (by storage key): its manifest, catalog and chunks (never the active pointer). */
  async deleteVersion(modelVersion: string): Promise<void> {
    const tx = this.db.transaction(['manifests', 'catalogs', 'chunks'], 'readwrite');
    await Promise.all([
      tx.objectStore('manifests').delete([this.namespace, modelVersion]),
      tx.objectStore('catalogs').delete([this.namespace, modelVersion]),
      tx
        .objectStore('chunks')
        .delete(IDBKeyRange.bound([this.namespace, modelVersion, '', 0], [this.namespace, modelVersion, above(), above()])),
      tx.done,
    ]);
  }

  /** Bytes of model files stored in this namespace (all versions). */
  async storedBytes(): Promise<number> {
    const records = await this.db.getAllFromIndex('manifests', 'by-namespace', this.namespace);
    return records.reduce((sum, r) => sum + r.bytes, 0);
  }

  /**
   * Appends events to the history, in order, in one transaction: all are stored or none. Writes go
   * to the raw object store (no promise per event), so a batch of 200,000 costs one await.
   */
  async appendHistory(events: HistoryEntry[]): Promise<void> {
    try {
      const tx = this.db.transaction('history', 'readwrite');
      const raw = unwrap(tx.store);
      try {
        for (const e of events) raw.add({ namespace: this.namespace, itemId: e.itemId, outcome: e.outcome, time: e.time });
      } catch (error) {
        // A synchronous throw (clone or quota error) does not abort the transaction by itself.
        tx.abort();
        await tx.done.catch(() => undefined);
        throw error;
      }
      await tx.done;
    } catch (error) {
      throw toPocketrecError(error, 'Saving history events');
    }
  }

  /** The namespace's whole history, oldest first. */
  async readHistory(): Promise<HistoryEntry[]> {
    const rows = await this.db.getAllFromIndex('history', 'by-namespace', this.namespace);
    // The index orders by namespace, then by primary key (insertion order).
    return rows.map(({ itemId, outcome, time }) => ({ itemId, outcome, time }));
  }

  /** Replaces the namespace's history with `events` in one transaction (all or nothing). */
  async replaceHistory(events: HistoryEntry[]): Promise<void> {
    try {
      const tx = this.db.transaction('history', 'readwrite');
      const index = tx.store.index('by-namespace');
      for (let cursor = await index.openKeyCursor(IDBKeyRange.only(this.namespace)); cursor; cursor = await cursor.continue()) {
        await tx.store.delete(cursor.primaryKey);
      }
      for (const e of events) await tx.store.add({ namespace: this.namespace, ...e });
      await tx.done;
    } catch (error) {
      throw toPocketrecError(error, 'Replacing the history');
    }
  }

  /** Deletes everything of this namespace: history, the active pointer and every stored version. */
  async deleteNamespace(): Promise<void> {
    await this.clearHistory();
    const records = await this.db.getAllFromIndex('manifests', 'by-namespace', this.namespace);
    await this.db.delete('active', this.namespace);
    for (const record of records) await this.deleteVersion(record.modelVersion);
  }

  /** Deletes the namespace's history. */
  async clearHistory(): Promise<void> {
    const tx = this.db.transaction('history', 'readwrite');
    const index = tx.store.index('by-namespace');
    for (let cursor = await index.openKeyCursor(IDBKeyRange.only(this.namespace)); cursor; cursor = await cursor.continue()) {
      await tx.store.delete(cursor.primaryKey);
    }
    await tx.done;
  }
}
