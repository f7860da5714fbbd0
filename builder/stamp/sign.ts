/**
 * Re-signing after stamping (`stamp --sign-cert`): the signing stage's engine and checks
 * (builder/sign/) on one file, in place and atomically: a failed signing leaves the file
 * as it was.
 */

import { type SigningPlan, signInPlace } from "../sign/stage.js";
import { InputError } from "../util/errors.js";

export interface SigningConfig {
  /** Signing certificate (PEM or DER; a chain file works), or a .pfx holding the key too. */
  readonly cert: string;
  /** Private key of the certificate (absent with a .pfx). */
  readonly key?: string;
  /** Password of the key, if it has one. */
  readonly password?: string;
  /** Description shown by Windows (osslsigncode -n). */
  readonly description?: string;
  /** RFC 3161 time-stamp authority URL; none by default (offline builds). */
  readonly timestampUrl?: string;
  /** osslsigncode executable (default: from PATH). */
  readonly osslsigncode?: string;
  /** Signing time, Unix seconds (default: now). */
  readonly time?: number;
}

/** The signing plan of a SigningConfig. */
export function signingPlanOf(config: SigningConfig): SigningPlan {
  return {
    signer: {
      kind: "osslsigncode",
      cert: config.cert,
      ...(config.key !== undefined ? { key: config.key } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
      ...(config.osslsigncode !== undefined ? { tool: config.osslsigncode } : {}),
    },
    ...(config.description ? { description: config.description } : {}),
    ...(config.timestampUrl ? { timestampUrl: config.timestampUrl } : {}),
    ...(config.time !== undefined ? { time: config.time } : {}),
    now: new Date(),
  };
}

/** Sign `path` in place (SHA-256), checked; the file is untouched when signing fails. */
export async function signFile(path: string, config: SigningConfig, label = path): Promise<void> {
  try {
    await signInPlace(path, signingPlanOf(config), label);
  } catch (err) {
    if (err instanceof InputError && !err.message.startsWith(label)) {
      throw new InputError(`${label}: ${err.message}`);
    }
    throw err;
  }
}
