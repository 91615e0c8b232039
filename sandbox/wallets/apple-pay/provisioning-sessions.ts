/**
 * The wallet's provisioning sessions, what PassKit's delegate hands the issuer's app when "Add to Apple
 * Wallet" starts: a leaf certificate issued for the device by the wallet's sub-CA, a fresh nonce and its
 * signature by the leaf key. The leaf's private key and the nonce stay here, in memory, for ten minutes;
 * a session takes one payload (PassKit's completion handler is one-shot).
 */
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { signPassKitNonce } from '../../../activities/wallets/apple-pay/passkit-chain.js';
import type { PassKitScheme } from '../../../domain/wallets.js';
import type { DeviceCertificateOptions, WalletPki } from '../device-pki.js';

/** What the session request may ask of the device certificate, to see the issuer refuse it. */
export const certificateKinds = ['valid', 'untrusted', 'expired'] as const;
export type CertificateKind = (typeof certificateKinds)[number];

const certificateOptions: Record<CertificateKind, DeviceCertificateOptions> = {
  valid: {},
  untrusted: { selfIssued: true },
  expired: { expired: true },
};

export const sessionLifetimeMs = 10 * 60_000;
/** Sessions held at once: a sandbox left running is not filled up by a script. */
const maximumSessions = 10_000;
const nonceBytes = 32;

export interface ProvisioningSession {
  sessionId: string;
  deviceId: string;
  scheme: PassKitScheme;
  certificate: CertificateKind;
  /** DER, the leaf then the sub-CA. */
  certificates: Buffer[];
  leafPrivateKey: KeyObject;
  nonce: Buffer;
  nonceSignature: Buffer;
  expiresAt: number;
  /** Whether a payload was handed in already: the next one is a replay. */
  payloadTaken: boolean;
}

export type SessionLookup =
  { found: true; session: ProvisioningSession } | { found: false; reason: 'SESSION_NOT_FOUND' | 'SESSION_EXPIRED' };

export class ProvisioningSessions {
  private readonly sessions = new Map<string, ProvisioningSession>();

  constructor(private readonly pki: WalletPki) {}

  /** A new session for this device, or undefined when the wallet holds too many already. */
  async open(
    request: { deviceId: string; scheme: PassKitScheme; certificate: CertificateKind },
    now: Date = new Date(),
  ): Promise<ProvisioningSession | undefined> {
    this.forgetExpired(now.getTime());
    if (this.sessions.size >= maximumSessions) return undefined;
    const device = await this.pki.issueDeviceCertificate(request.scheme, {
      ...certificateOptions[request.certificate],
      now,
    });
    const nonce = randomBytes(nonceBytes);
    const session: ProvisioningSession = {
      sessionId: randomUUID(),
      ...request,
      certificates: device.certificates,
      leafPrivateKey: device.privateKey,
      nonce,
      nonceSignature: signPassKitNonce(device.privateKey, nonce),
      expiresAt: now.getTime() + sessionLifetimeMs,
      payloadTaken: false,
    };
    this.sessions.set(session.sessionId, session);
    return session;
  }

  find(sessionId: string, now: Date = new Date()): SessionLookup {
    const session = this.sessions.get(sessionId);
    if (!session) return { found: false, reason: 'SESSION_NOT_FOUND' };
    if (session.expiresAt <= now.getTime()) {
      this.sessions.delete(sessionId);
      return { found: false, reason: 'SESSION_EXPIRED' };
    }
    return { found: true, session };
  }

  private forgetExpired(now: number): void {
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}
