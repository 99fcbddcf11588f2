/**
 * Label selectors as the apiserver parses and matches them, and the label key/value format
 * checks, one concept a file in ./labels/:
 * - names.ts: DNS names, label keys and values (pkg/util/validation, pkg/api/validate/content);
 * - selector.ts: requirements (`labels.NewRequirement`);
 * - selector-parse.ts: the string form (`labels.Parse`);
 * - selector-match.ts: matching and printing (`Selector.Matches`, `String`);
 * - label-selector.ts: metav1.LabelSelector (`LabelSelectorAsSelector`, its validation).
 *
 * Pure: no I/O, no clock. The field-error texts these produce live in ./field-errors.ts, also
 * re-exported here for older imports.
 */

export * from './field-errors.ts';
export * from './labels/names.ts';
export * from './labels/selector.ts';
export * from './labels/selector-parse.ts';
export * from './labels/selector-match.ts';
export * from './labels/label-selector.ts';
