/**
 * `npm run keys:hsm -- <command>`: the issuer's keys in a PKCS#11 token (PKCS11_MODULE, PKCS11_TOKEN_LABEL,
 * PKCS11_PIN or PKCS11_PIN_FILE). Prints labels, key ids and public keys, never a private or secret key.
 */
import { writeFile } from 'node:fs/promises';
import { parseEnv } from '../config/env.js';
import { auditProblems, keyObjectAudit } from '../activities/keys/pkcs11/pkcs11-key-audit.js';
import {
  generateMissingPkcs11Keys,
  rotatePkcs11Key,
  type GenerationOptions,
} from '../activities/keys/pkcs11/pkcs11-key-generation.js';
import { isPkcs11KeyPurpose, pkcs11KeyPurposes } from '../activities/keys/pkcs11/pkcs11-key-purposes.js';
import { publicKeysForNetworks } from '../activities/keys/pkcs11/pkcs11-key-store.js';
import { pkcs11SettingsFrom } from '../activities/keys/pkcs11/pkcs11-settings.js';
import { Pkcs11Token } from '../activities/keys/pkcs11/pkcs11-token.js';

const usage = `usage: npm run keys:hsm -- <command>
  init                    generate the keys the token lacks, inside it
  rotate <purpose>        add a newer key of a purpose (${pkcs11KeyPurposes.join(', ')})
  list                    every private and secret key object: could it be read or exported? its mechanisms
  public-keys [--out f]   the public keys to register with the networks, as JSON`;

const commands = ['init', 'rotate', 'list', 'public-keys'];

class UsageError extends Error {}

async function run(token: Pkcs11Token, options: GenerationOptions, command: string, args: string[]): Promise<void> {
  switch (command) {
    case 'init': {
      const made = await generateMissingPkcs11Keys(token, options);
      for (const key of made) console.log(`created ${key.label} (kid ${key.kid})`);
      console.log(made.length === 0 ? `token "${token.label}" holds every key already` : `${made.length} keys created`);
      return;
    }
    case 'rotate': {
      const [purpose] = args;
      if (!purpose || !isPkcs11KeyPurpose(purpose)) throw new UsageError(`rotate takes a purpose: ${purpose ?? ''}`);
      const key = await rotatePkcs11Key(token, purpose, options);
      console.log(`created ${key.label} (kid ${key.kid}); it is used from the next start of each process`);
      return;
    }
    case 'list': {
      const audit = await keyObjectAudit(token);
      let problems = 0;
      for (const entry of audit) {
        const found = auditProblems(entry);
        problems += found.length;
        const refusal = entry.secretReadRefused ? `refused (${entry.secretReadReturnValue ?? 'no value'})` : 'READ';
        console.log(
          `${entry.label}  ${entry.objectClass}  extractable=${entry.extractable} sensitive=${entry.sensitive} ` +
            `neverExtractable=${entry.neverExtractable} alwaysSensitive=${entry.alwaysSensitive} secret read ${refusal} ` +
            `mechanisms=${entry.allowedMechanisms.join(',') || 'any'}` +
            (found.length > 0 ? `  PROBLEM: ${found.join(', ')}` : ''),
        );
      }
      console.log(`${audit.length} key objects in token "${token.label}", ${problems} problems`);
      if (problems > 0) process.exitCode = 1;
      return;
    }
    case 'public-keys': {
      const out = args[0] === '--out' ? args[1] : undefined;
      if (args.length > 0 && !out) throw new UsageError('public-keys takes --out <file> or nothing');
      const json = `${JSON.stringify(await publicKeysForNetworks(token), null, 2)}\n`;
      if (out) {
        await writeFile(out, json);
        console.log(`public keys written to ${out}`);
      } else {
        process.stdout.write(json);
      }
      return;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

try {
  const [command, ...args] = process.argv.slice(2);
  if (!command || !commands.includes(command))
    throw new UsageError(command ? `unknown command ${command}` : 'no command');
  const env = parseEnv();
  if (env.PUSHPROV_KEY_STORE !== 'pkcs11') {
    console.error('note: PUSHPROV_KEY_STORE is not pkcs11: the engine does not use the token until it is');
  }
  const settings = await pkcs11SettingsFrom(env);
  const token = Pkcs11Token.open({ module: settings.module, tokenLabel: settings.tokenLabel, pin: settings.pin });
  try {
    await run(token, { rsaOaep: settings.rsaOaep }, command, args);
  } finally {
    await token.close();
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  if (error instanceof UsageError) console.error(usage);
  process.exitCode = 1;
}
