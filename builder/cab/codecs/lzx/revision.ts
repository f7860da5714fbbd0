/**
 * The LZX encoder's format revision, in a module of its own so that saying it
 * (write/info.ts) does not load the encoder.
 */

/** Changes whenever the encoder's output for the same input changes (build records say it). */
export const LZX_ENCODER_REVISION = "1";
