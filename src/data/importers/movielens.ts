/**
 * MovieLens importers: ML-1M (rebuilt `recon/` files + movies.dat), ml-latest-small (CSV) and ml-100k
 * (u.data / u.item). Ratings become named outcomes through the rating rule; every rated event is kept.
 */
import { basename } from 'node:path';
import { DatasetBuilder } from '../builder.ts';
import { DataFormatError } from '../errors.ts';
import { namespaced, titleWordTokens, yearFromTitle, yearTokens } from '../features.ts';
import { expectFields, findDataFile, forEachLine, parseNumber, requireDataFile, splitCsvLine } from '../io.ts';
import { compileRatingRule, MOVIELENS_RATING_RULE } from '../outcomes.ts';
import type { Dataset } from '../types.ts';
import type { ImporterOptions } from './options.ts';

/** Content tokens for a MovieLens movie: genres, year/decade and title words. */
function movieContent(title: string, genres: string[], year = yearFromTitle(title)) {
  const realGenres = genres.filter((g) => g !== '' && g !== '(no genres listed)');
  return {
    title,
    year,
    features: [...namespaced('genre', realGenres), ...yearTokens(year), ...titleWordTokens(title)],
  };
}

/**
 * MovieLens-1M from `movielens-1m/`: `movies.dat` (latin-1, `MovieID::Title::Genres`) for the catalog,
 * `recon/user_sequences_chrono.txt` for each user's canonical chronological order and
 * `recon/ratings_all_partial_ts.tsv` for rating and timestamp (NaN where unknown) per (user, movie).
 * Events are ordered by their position in the chronological sequences (`chrono_rank`). The catalog defaults
 * to `rated` (the 3,706 movies with ratings: the published protocol ranks over these).
 */
export async function importMovieLens1M(dir: string, options: ImporterOptions = {}): Promise<Dataset> {
  const rule = compileRatingRule(options.ratingRule ?? MOVIELENS_RATING_RULE);
  const builder = new DatasetBuilder({
    name: 'ml-1m',
    outcomes: rule.outcomes,
    order: 'rank',
    dedupe: 'user-item',
    closedCatalog: true,
    keepItemsWithoutEvents: options.catalog === 'all',
  });

  const moviesPath = requireDataFile(dir, 'movies.dat');
  const moviesFile = basename(moviesPath);
  const moviesRows = await forEachLine(
    moviesPath,
    (line, n) => {
      const fields = line.split('::');
      expectFields(fields, 3, moviesFile, n);
      const [id, title, genres] = fields as [string, string, string];
      if (builder.itemOf(id) !== undefined) {
        builder.drop('duplicate catalog row');
        return;
      }
      builder.addItem(id, movieContent(title, genres.split('|')));
    },
    { encoding: 'latin1', onProgress: options.onProgress },
  );
  builder.addFile(moviesPath, moviesRows);

  // Canonical order: position of each (user, movie) in the chronological sequences.
  const chronoPath = requireDataFile(`${dir}/recon`, 'user_sequences_chrono.txt');
  const chronoFile = basename(chronoPath);
  const position = new Map<string, Map<string, number>>();
  const chronoRows = await forEachLine(
    chronoPath,
    (line, n) => {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 2) throw new DataFormatError(chronoFile, n, 'expected a user id followed by movie ids');
      const [user, ...movies] = fields as [string, ...string[]];
      if (position.has(user)) throw new DataFormatError(chronoFile, n, `user ${user} appears twice`);
      const ranks = new Map<string, number>();
      movies.forEach((movie, rank) => {
        if (ranks.has(movie)) throw new DataFormatError(chronoFile, n, `movie ${movie} appears twice for user ${user}`);
        ranks.set(movie, rank);
      });
      position.set(user, ranks);
    },
    { onProgress: options.onProgress },
  );
  builder.addFile(chronoPath, chronoRows);

  const ratingsPath = requireDataFile(`${dir}/recon`, 'ratings_all_partial_ts.tsv');
  const ratingsFile = basename(ratingsPath);
  let matched = 0;
  const ratingsRows = await forEachLine(
    ratingsPath,
    (line, n) => {
      const fields = line.split('\t');
      if (n === 1) {
        if (fields[0] !== 'user_id' || fields[1] !== 'movie_id' || fields[2] !== 'rating' || fields[3] !== 'timestamp') {
          throw new DataFormatError(ratingsFile, n, 'expected header user_id, movie_id, rating, timestamp, ...');
        }
        return;
      }
      expectFields(fields, 8, ratingsFile, n);
      const [user, movie, ratingText, timeText, , rankText] = fields as [string, string, string, string, string, string];
      const rating = parseNumber(ratingText, 'rating', ratingsFile, n);
      const time = timeText === '' ? NaN : parseNumber(timeText, 'timestamp', ratingsFile, n);
      const rank = position.get(user)?.get(movie);
      if (rank === undefined) {
        builder.drop('rating not in chronological sequences');
        return;
      }
      if (rankText !== '' && Number(rankText) !== rank) {
        throw new DataFormatError(
          ratingsFile,
          n,
          `chrono_rank ${rankText} disagrees with position ${rank} in ${chronoFile} (user ${user}, movie ${movie})`,
        );
      }
      if (builder.addEvent(user, movie, rule.outcomeOf(rating), time, rank)) matched++;
    },
    { onProgress: options.onProgress },
  );
  builder.addFile(ratingsPath, ratingsRows - 1);

  let sequenceEvents = 0;
  for (const ranks of position.values()) sequenceEvents += ranks.size;
  const unrated = sequenceEvents - matched;
  const dataset = builder.build();
  if (unrated > 0) dataset.summary.dropped['sequence event without rating row'] = unrated;
  return dataset;
}

/**
 * GroupLens ml-latest-small: `movies.csv` (catalog: every one of its movies by default, `catalog: 'all'`, so
 * the demo can show the whole catalog), `ratings.csv` (events, ordered by timestamp then file row) and
 * `tags.csv` (lower-cased `tag:` content tokens on the tagged movie; tags are not events).
 */
export async function importMovieLensLatest(dir: string, options: ImporterOptions = {}): Promise<Dataset> {
  const rule = compileRatingRule(options.ratingRule ?? MOVIELENS_RATING_RULE);
  const builder = new DatasetBuilder({
    name: 'ml-latest-small',
    outcomes: rule.outcomes,
    order: 'time',
    dedupe: 'user-item',
    closedCatalog: true,
    keepItemsWithoutEvents: options.catalog !== 'rated',
  });

  const moviesPath = requireDataFile(dir, 'movies.csv');
  const moviesFile = basename(moviesPath);
  builder.addFile(
    moviesPath,
    (await forEachLine(
      moviesPath,
      (line, n) => {
        if (n === 1) return; // header movieId,title,genres
        const fields = splitCsvLine(line, moviesFile, n);
        expectFields(fields, 3, moviesFile, n);
        const [id, title, genres] = fields as [string, string, string];
        if (builder.itemOf(id) !== undefined) {
          builder.drop('duplicate catalog row');
          return;
        }
        builder.addItem(id, movieContent(title.trim(), genres.split('|')));
      },
      { onProgress: options.onProgress },
    )) - 1,
  );

  const tagsPath = findDataFile(dir, 'tags.csv');
  if (tagsPath) {
    const tagsFile = basename(tagsPath);
    builder.addFile(
      tagsPath,
      (await forEachLine(tagsPath, (line, n) => {
        if (n === 1) return; // header userId,movieId,tag,timestamp
        const fields = splitCsvLine(line, tagsFile, n);
        expectFields(fields, 4, tagsFile, n);
        const item = builder.itemOf(fields[1]!);
        if (item === undefined) {
          builder.drop('tag for unknown item');
          return;
        }
        const tag = fields[2]!.trim().toLowerCase();
        if (tag !== '') builder.setContent(item, { features: [`tag:${tag}`] });
      })) - 1,
    );
  }

  const ratingsPath = requireDataFile(dir, 'ratings.csv');
  const ratingsFile = basename(ratingsPath);
  builder.addFile(
    ratingsPath,
    (await forEachLine(
      ratingsPath,
      (line, n) => {
        if (n === 1) return; // header userId,movieId,rating,timestamp
        const fields = line.split(',');
        expectFields(fields, 4, ratingsFile, n);
        const rating = parseNumber(fields[2]!, 'rating', ratingsFile, n);
        const time = parseNumber(fields[3]!, 'timestamp', ratingsFile, n);
        builder.addEvent(fields[0]!, fields[1]!, rule.outcomeOf(rating), time);
      },
      { onProgress: options.onProgress },
    )) - 1,
  );
  return builder.build();
}

/** The 19 ml-100k genres in flag order (u.genre), used when u.genre is absent. */
const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

/**
 * GroupLens ml-100k: `u.item` (latin-1, `|`-separated, 19 genre flags named by `u.genre`) for the catalog and
 * `u.data` (`user\titem\trating\ttimestamp`, random file order) for events, ordered by timestamp then row.
 */
export async function importMovieLens100K(dir: string, options: ImporterOptions = {}): Promise<Dataset> {
  const rule = compileRatingRule(options.ratingRule ?? MOVIELENS_RATING_RULE);
  const builder = new DatasetBuilder({
    name: 'ml-100k',
    outcomes: rule.outcomes,
    order: 'time',
    dedupe: 'user-item',
    closedCatalog: true,
    keepItemsWithoutEvents: options.catalog !== 'rated',
  });

  let genres = ML100K_GENRES;
  const genrePath = findDataFile(dir, 'u.genre');
  if (genrePath) {
    const names: string[] = [];
    const genreFile = basename(genrePath);
    builder.addFile(
      genrePath,
      await forEachLine(genrePath, (line, n) => {
        const fields = line.split('|');
        expectFields(fields, 2, genreFile, n);
        names[parseNumber(fields[1]!, 'genre index', genreFile, n)] = fields[0]!;
      }),
    );
    genres = names;
  }

  const itemPath = requireDataFile(dir, 'u.item');
  const itemFile = basename(itemPath);
  builder.addFile(
    itemPath,
    await forEachLine(
      itemPath,
      (line, n) => {
        const fields = line.split('|');
        expectFields(fields, 5 + genres.length, itemFile, n);
        const [id, title, released] = fields as [string, string, string];
        if (builder.itemOf(id) !== undefined) {
          builder.drop('duplicate catalog row');
          return;
        }
        const flagged = genres.filter((_, g) => fields[5 + g] === '1');
        const releaseYear = /(\d{4})$/.exec(released.trim());
        const titleYear = yearFromTitle(title);
        const year = Number.isFinite(titleYear) ? titleYear : releaseYear ? Number(releaseYear[1]) : NaN;
        builder.addItem(id, movieContent(title.trim(), flagged.filter((g) => g !== 'unknown'), year));
      },
      { encoding: 'latin1' },
    ),
  );

  const dataPath = requireDataFile(dir, 'u.data');
  const dataFile = basename(dataPath);
  builder.addFile(
    dataPath,
    await forEachLine(
      dataPath,
      (line, n) => {
        const fields = line.split('\t');
        expectFields(fields, 4, dataFile, n);
        const rating = parseNumber(fields[2]!, 'rating', dataFile, n);
        const time = parseNumber(fields[3]!, 'timestamp', dataFile, n);
        builder.addEvent(fields[0]!, fields[1]!, rule.outcomeOf(rating), time);
      },
      { onProgress: options.onProgress },
    ),
  );
  return builder.build();
}
