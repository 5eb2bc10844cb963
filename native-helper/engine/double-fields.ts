/*
 * V8 gives an object's field the representation of the first value stored in it. A field that starts as a small
 * integer and later holds a number outside the small-integer range (a uint32 index at or above 2^31, a byte count
 * past 2 GiB, wall-clock milliseconds) or any heap number (a packet counter, which readU64LE computes in doubles)
 * changes the map of its objects, and every optimised function that saw the old map deoptimises; the packet
 * path's functions all see peers, keypairs and replay windows. Such a field is created with this double first and
 * given its real starting value right after, so its objects keep one map from birth.
 */
export const DOUBLE_FIELD = 0.5;
