/** Random test text from a seeded `prng`: fewer than `most` pieces, each drawn from `pieces`. */
export function piecesText(random: () => number, pieces: readonly string[], most: number): string {
  let text = '';
  const count = Math.floor(random() * most);
  for (let k = 0; k < count; k++) text += pieces[Math.floor(random() * pieces.length)];
  return text;
}
