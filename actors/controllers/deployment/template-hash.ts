import { canonicalJson } from '../../kernel/canonical-json.ts';

/**
 * A Deployment's `pod-template-hash` (util/deployment_util.go `ComputeHash`): FNV-32a of the pod
 * template plus the collision count, written with `rand.SafeEncodeString` (digits mapped onto an
 * alphabet without vowels, so a hash never spells a word). kube hashes a spew dump of the Go
 * struct, which cannot be reproduced outside Go; kubesim hashes the template's canonical JSON, so
 * the names have kube's shape (`web-7d4b9c8f5`) but not its exact digits.
 */

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = new TextEncoder().encode(text);
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** `rand.SafeEncodeString`: each character of `s` replaced by the alphabet at its code mod 27. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const text = collisionCount > 0 ? `${canonicalJson(template)}${collisionCount}` : canonicalJson(template);
  return safeEncodeString(String(fnv32a(text)));
}
