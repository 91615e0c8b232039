/**
 * @peculiar/x509, ready to use: it needs the Reflect polyfill loaded before it (its tsyringe dependency
 * refuses to load without one) and a WebCrypto provider to sign and hash with (Node's). Import the library
 * through this module only.
 */
import 'reflect-metadata';
import { cryptoProvider } from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

cryptoProvider.set(webcrypto);

export * from '@peculiar/x509';
