/**
 * Taobao UserBehavior (Alibaba Tianchi): headerless CSV `user_id,item_id,category_id,behavior_type,timestamp`
 * with real multi-behaviour outcomes pv / cart / fav / buy. Events are ordered by timestamp then file row;
 * exact duplicate rows are dropped; the item's category becomes a `category:` content token.
 */
import { basename } from 'node:path';
import { DatasetBuilder } from '../builder.ts';
import { DataFormatError } from '../errors.ts';
import { expectFields, forEachLine, parseNumber, requireDataFile } from '../io.ts';
import type { Dataset } from '../types.ts';
import type { ImporterOptions } from './options.ts';

export const TAOBAO_OUTCOMES = ['pv', 'cart', 'fav', 'buy'];

/** Imports `UserBehavior_head.csv` (or `UserBehavior.csv`) from `dir`. */
export async function importTaobao(dir: string, options: ImporterOptions = {}): Promise<Dataset> {
  const builder = new DatasetBuilder({
    name: 'taobao',
    outcomes: TAOBAO_OUTCOMES,
    order: 'time',
    dedupe: 'exact',
    closedCatalog: false,
    keepItemsWithoutEvents: false,
  });
  let path: string;
  try {
    path = requireDataFile(dir, 'UserBehavior_head.csv');
  } catch {
    path = requireDataFile(dir, 'UserBehavior.csv');
  }
  const file = basename(path);
  builder.addFile(
    path,
    await forEachLine(
      path,
      (line, n) => {
        const fields = line.split(',');
        expectFields(fields, 5, file, n);
        const [user, item, category, behavior, timeText] = fields as [string, string, string, string, string];
        const outcome = TAOBAO_OUTCOMES.indexOf(behavior);
        if (outcome < 0) {
          throw new DataFormatError(file, n, `behavior_type "${behavior}" is not one of ${TAOBAO_OUTCOMES.join('/')}`);
        }
        const time = parseNumber(timeText, 'timestamp', file, n);
        if (builder.addEvent(user, item, outcome, time)) {
          builder.setContent(builder.itemOf(item)!, { features: [`category:${category}`] });
        }
      },
      { onProgress: options.onProgress },
    ),
  );
  return builder.build();
}
