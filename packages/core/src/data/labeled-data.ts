/**
 * The plain-array form every gradlab data set is returned in: a row-major design matrix and
 * integer class labels. Plain typed arrays (not tensors) so that loading owns no tensor memory;
 * the caller builds tensors (or minibatches) from them when it needs them.
 */

/** A labelled data set as plain arrays. */
export interface LabeledData {
  /** Features, row-major, `shape[0] × shape[1]` values. */ // [n, features]
  x: Float32Array;
  /** Class labels in `[0, numClasses)`, one per row. */ // [n]
  y: Int32Array;
  /** `[n, features]`. */
  shape: [number, number];
  /** Number of classes; labels lie in `[0, numClasses)`. */
  numClasses: number;
}
