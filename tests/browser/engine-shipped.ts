/** A short history in the shipped model's catalog (MovieLens movieIds), for the engine specs. */
export const SHIPPED_EVENTS = [
  { itemId: '1', outcome: 'love', time: 1_600_000_000 }, // Toy Story (1995)
  { itemId: '260', outcome: 'love', time: 1_600_003_600 }, // Star Wars: Episode IV (1977)
  { itemId: '296', outcome: 'watch', time: 1_600_007_200 }, // Pulp Fiction (1994)
  { itemId: '318', outcome: 'love', time: 1_600_010_800 }, // The Shawshank Redemption (1994)
  { itemId: '356', outcome: 'watch', time: 1_600_090_000 }, // Forrest Gump (1994)
];

/** More events, recorded after the first ones (the KV-cache path). */
export const SHIPPED_MORE_EVENTS = [
  { itemId: '2571', outcome: 'love', time: 1_600_200_000 }, // The Matrix (1999)
  { itemId: '480', outcome: 'dislike', time: 1_600_203_600 }, // Jurassic Park (1993)
  { itemId: '593', outcome: 'love', time: 1_600_207_200 }, // The Silence of the Lambs (1991)
];
