/**
 * `helper.DefaultNormalizeScore`: scale raw scores to 0..maxPriority by the maximum, in integer
 * arithmetic (Go int64 division truncates; all values here are non-negative, so Math.floor is
 * the same). With `reverse`, 100 − scaled; when every raw score is 0, reverse gives every node
 * `maxPriority` and non-reverse leaves them at 0.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let maxCount = 0;
  for (const s of scores) if (s > maxCount) maxCount = s;
  if (maxCount === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let score = Math.floor((maxPriority * scores[i]!) / maxCount);
    if (reverse) score = maxPriority - score;
    scores[i] = score;
  }
}
