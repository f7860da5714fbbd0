/**
 * The install engine in the x64 stub under wine64 (issue 13): /whatif, not applicable,
 * rollback of a failure half-way, install / already installed / uninstall, a damaged plan,
 * a file in use replaced at restart. Scenarios: test/helpers/install-wine.ts.
 */
import { registerInstallTests } from "./helpers/install-wine.js";

registerInstallTests("x64");
