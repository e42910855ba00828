/**
 * Opening the database: the version ladder, and the two-tab cases.
 *
 * - `blocked`: another tab holds the database open at an older version and does not close it, so our
 *   upgrade cannot run. We reject with `StorageBlockedError` ("close other tabs") instead of hanging.
 * - `blocking` (`versionchange`): a newer tab wants to upgrade. We close our connection at once so it
 *   can, and tell the owner (`onClosed`); the next call reopens and gets `StorageBlockedError`
 *   ("reload the page"), which is how the host learns it.
 * - `terminated`: the browser dropped the connection (storage cleared, disk error). We tell the owner
 *   (`onClosed`); the next call reopens and, if the model is gone, downloads it again.
 */
import { openDB } from 'idb';
import { StorageBlockedError, StorageUnavailableError } from '../errors/errors.ts';
import { DEFAULT_DB_NAME, SCHEMA_VERSION, upgradeSchema, type PocketrecDB, type PocketrecDatabase } from './schema.ts';

/** Options of `openDatabase`. */
export interface OpenDatabaseOptions {
  /** Database name (default `pocketrec`). */
  name?: string;
  /** Called right after the connection closes itself for a newer tab, or the browser drops it. */
  onClosed?: () => void;
  /** Schema version to open (default `SCHEMA_VERSION`; tests use it to play a newer tab). */
  version?: number;
}

/** Opens (creating or upgrading) the pocketrec database. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<PocketrecDatabase> {
  const name = options.name ?? DEFAULT_DB_NAME;
  if (typeof indexedDB === 'undefined') {
    throw new StorageUnavailableError(
      'IndexedDB is not available in this context (private browsing or storage disabled); models cannot be stored. Enable site storage or use a normal window.',
    );
  }
  let rejectBlocked: ((error: Error) => void) | undefined;
  const blockedPromise = new Promise<never>((_, reject) => {
    rejectBlocked = reject;
  });
  const opening = openDB<PocketrecDB>(name, options.version ?? SCHEMA_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      upgradeSchema(db, oldVersion, transaction);
    },
    blocked(currentVersion, blockedVersion) {
      rejectBlocked?.(
        new StorageBlockedError(
          `The pocketrec database is open in another tab at schema version ${currentVersion} and blocks the upgrade to ${blockedVersion}. Close or reload the other tabs of this site, then retry.`,
          { currentVersion, blockedVersion: blockedVersion ?? null },
        ),
      );
    },
    blocking() {
      db?.close();
      options.onClosed?.();
    },
    terminated() {
      options.onClosed?.();
    },
  });
  let db: PocketrecDatabase | undefined;
  try {
    db = await Promise.race([opening, blockedPromise]);
  } catch (error) {
    // If the open eventually succeeds after we gave up, close it so it blocks nobody.
    opening.then((late) => late.close()).catch(() => undefined);
    if (error instanceof StorageBlockedError) throw error;
    if ((error as { name?: unknown } | null)?.name === 'VersionError') {
      throw new StorageBlockedError(
        `The pocketrec database was upgraded by a newer version of this app (in another tab) and this page runs older code. Reload the page.`,
        { expectedVersion: SCHEMA_VERSION },
      );
    }
    throw new StorageUnavailableError(
      `IndexedDB could not be opened: ${error instanceof Error ? error.message : String(error)}. Check that site storage is allowed.`,
      {},
      { cause: error },
    );
  }
  return db;
}
