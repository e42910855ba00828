/**
 * The IndexedDB schema, as a TypeScript type, and its version ladder.
 *
 * One database (`pocketrec` unless the host overrides it) holds every namespace: a namespace is one
 * app/model slot, so several models or apps live side by side. Artifact files are stored in chunks so
 * no single IndexedDB value is huge (browsers copy whole values in and out). A model version becomes
 * usable only when the `active` pointer of its namespace names it; that pointer is flipped in one
 * transaction after every chunk is stored and verified. History is keyed by namespace, not by model
 * version, so it survives model updates.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { ModelManifest } from '../model/manifest.ts';
import type { ArtifactRole } from '../model/manifest.ts';

/** Current schema version: the highest rung of `upgradeSchema`. */
export const SCHEMA_VERSION = 1;
/** Default database name. */
export const DEFAULT_DB_NAME = 'pocketrec';
/** Size of one stored chunk of an artifact file (4 MiB). */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/** One model version stored (or being stored) in a namespace. */
export interface StoredManifest {
  namespace: string;
  modelVersion: string;
  manifest: ModelManifest;
  /** Absolute URL the manifest came from (artifact paths resolve against it). */
  manifestUrl: string;
  /** True once every chunk of every file is stored and verified. */
  complete: boolean;
  /** Sum of the model's file sizes in bytes. */
  bytes: number;
  storedAt: number;
}

/** One chunk of one artifact file. */
export interface StoredChunk {
  namespace: string;
  modelVersion: string;
  role: ArtifactRole;
  index: number;
  data: ArrayBuffer;
}

/** The namespace's active model version (the atomic switch). */
export interface ActivePointer {
  namespace: string;
  modelVersion: string;
  activatedAt: number;
}

/** One recorded user event, in catalog ids and outcome names so it outlives a model version. */
export interface StoredEvent {
  namespace: string;
  /** Raw catalog item id. */
  itemId: string;
  /** Outcome name (an entry of the manifest's `outcomes`). */
  outcome: string;
  /** Unix seconds; NaN when unknown. */
  time: number;
}

/** Catalog metadata of a stored model version: enough to map raw ids to rows without re-parsing. */
export interface StoredCatalog {
  namespace: string;
  modelVersion: string;
  itemIds: string[];
  titles?: (string | null)[];
}

/** The database, as idb types it. */
export interface PocketrecDB extends DBSchema {
  manifests: { key: [string, string]; value: StoredManifest; indexes: { 'by-namespace': string } };
  chunks: { key: [string, string, string, number]; value: StoredChunk };
  active: { key: string; value: ActivePointer };
  history: { key: number; value: StoredEvent; indexes: { 'by-namespace': string } };
  catalogs: { key: [string, string]; value: StoredCatalog };
}

export type PocketrecDatabase = IDBPDatabase<PocketrecDB>;
type UpgradeTransaction = IDBPTransaction<PocketrecDB, StoreNames<PocketrecDB>[], 'versionchange'>;

/**
 * The version ladder: each rung migrates from the version below it, so a database at any older
 * version climbs to `SCHEMA_VERSION` step by step. Add a rung (never edit an old one) to change the
 * schema, and bump `SCHEMA_VERSION`.
 */
export function upgradeSchema(db: PocketrecDatabase, oldVersion: number, _transaction: UpgradeTransaction): void {
  if (oldVersion < 1) {
    const manifests = db.createObjectStore('manifests', { keyPath: ['namespace', 'modelVersion'] });
    manifests.createIndex('by-namespace', 'namespace');
    db.createObjectStore('chunks', { keyPath: ['namespace', 'modelVersion', 'role', 'index'] });
    db.createObjectStore('active', { keyPath: 'namespace' });
    const history = db.createObjectStore('history', { autoIncrement: true });
    history.createIndex('by-namespace', 'namespace');
    db.createObjectStore('catalogs', { keyPath: ['namespace', 'modelVersion'] });
  }
  // if (oldVersion < 2) { ... next rung ... }
}
