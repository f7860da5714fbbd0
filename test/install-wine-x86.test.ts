/**
 * The install engine in the x86 stub under 32-bit Wine (issue 13): the same scenarios as
 * install-wine-x64.test.ts, with a 32-bit product (its 64-bit-only file is skipped).
 */
import { registerInstallTests } from "./helpers/install-wine.js";

registerInstallTests("x86");
