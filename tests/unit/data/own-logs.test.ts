/**
 * Issue 15 item 11: importing users' own logs. An explicit order column orders events (and repeats are kept);
 * the duplicate rule depends on what identifies an event; any folder with `<Name>.txt` in the S3-Rec format
 * (+ optional `<Name>_item2attributes.json`) imports by path; the no-layout error lists every layout tried;
 * `--name` names a dataset imported by path.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { DatasetNotFoundError } from '../../../src/data/errors.ts';
import { loadDataset } from '../../../src/data/registry.ts';
import type { Dataset } from '../../../src/data/types.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-own-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
function file(content: string, name = `events-${counter++}.csv`): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}
function folder(files: Record<string, string>): string {
  const dir = join(tmp, `dir-${counter++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
const items = (d: Dataset, user: string) => Array.from(d.sequences[d.userIds.indexOf(user)]!.items, (i) => d.catalog.ids[i]!);

describe('generic format: order column and duplicate rules', () => {
  it('orders by an explicit order column (not by file rows) and keeps re-consumption', async () => {
    const d = await loadDataset(file('user,item,order\nu,a,3\nu,b,1\nu,a,2\nv,c,2\nv,c,1\n'));
    expect(items(d, 'u')).toEqual(['b', 'a', 'a']);
    expect(items(d, 'v')).toEqual(['c', 'c']);
    expect(d.summary.events).toBe(5);
    expect(d.summary.dropped).toEqual({});
  });

  it('an order column with a repeated (user, item, order) row drops that row as a duplicate', async () => {
    const d = await loadDataset(file('user,item,seq\nu,a,1\nu,a,1\nu,a,2\n'));
    expect(items(d, 'u')).toEqual(['a', 'a']);
    expect(d.summary.dropped).toEqual({ 'duplicate row': 1 });
  });

  it('without timestamps or order, a repeated (user, item) is a real event: nothing is dropped, file order kept', async () => {
    const d = await loadDataset(file('user,item\nu,a\nu,b\nu,a\nu,a\n'));
    expect(items(d, 'u')).toEqual(['a', 'b', 'a', 'a']);
    expect(d.summary.dropped).toEqual({});
  });

  it('with timestamps, only an identical (user, item, timestamp, outcome) row is a duplicate', async () => {
    const d = await loadDataset(file('user,item,timestamp\nu,a,10\nu,a,10\nu,a,20\n'));
    expect(items(d, 'u')).toEqual(['a', 'a']);
    expect(d.summary.dropped).toEqual({ 'duplicate row': 1 });
  });

  it('a non-numeric order value is an error naming the line', async () => {
    await expect(loadDataset(file('user,item,order\nu,a,first\n'))).rejects.toThrow(/:2: order "first" is not a number/);
  });
});

describe('S3-Rec format by path', () => {
  it('imports any folder holding <Name>.txt (+ <Name>_item2attributes.json), named after the file', async () => {
    const dir = folder({
      'Shop.txt': '7 x y x\n8 y z\n',
      'Shop_item2attributes.json': JSON.stringify({ x: [1, 2], z: [3] }),
    });
    const d = await loadDataset(dir);
    expect(d.name).toBe('Shop');
    expect(items(d, '7')).toEqual(['x', 'y', 'x']); // repeats kept, file order
    expect(d.catalog.features[d.catalog.ids.indexOf('x')]).toEqual(['attr:1', 'attr:2']);
    const plain = await loadDataset(folder({ 'Games.txt': '1 a b\n2 b c\n' }));
    expect(plain.name).toBe('Games');
    expect(plain.summary.users).toBe(2);
  });

  it('a folder with events.csv and a notes .txt stays a generic log (the S3-Rec guess comes last)', async () => {
    const d = await loadDataset(folder({ 'events.csv': 'user,item\nu,a\nu,b\n', 'README.txt': 'These are our logs\n' }));
    expect(d.summary.events).toBe(2);
    expect(d.catalog.ids).toEqual(['a', 'b']);
  });

  it('a folder in no known layout lists every layout it tried', async () => {
    const error = await loadDataset(folder({ 'notes.md': 'hello\n', 'a.txt': '1 2\n', 'b.txt': '3 4\n' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    const message = (error as Error).message;
    for (const layout of [
      'ratings.csv + movies.csv',
      'recon/user_sequences_chrono.txt',
      'u.data',
      'UserBehavior.csv',
      'Beauty.txt',
      'Sports_and_Outdoors.txt',
      'Yelp.txt',
      'LastFM.txt',
      '<Name>.txt',
      'events.csv',
      'events.tsv',
    ])
      expect(message, layout).toContain(layout);
  });
});

describe('--name', () => {
  let stdout = '';
  beforeEach(() => {
    stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('a dataset imported by path is named after its file unless --name is given', async () => {
    const path = file('user,item\nu,a\nu,b\n', 'events.csv');
    expect((await loadDataset(path)).name).toBe('events');
    expect((await loadDataset(path, { name: 'my-shop' })).name).toBe('my-shop');
    expect(await main(['import', '--dataset', path, '--name', 'my-shop', '--json'])).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ dataset: 'my-shop' });
    expect(await main(['import', '--dataset', path, '--name', '../x'])).toBe(2);
  });
});
