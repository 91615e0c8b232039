// The token requestors' logos as the sandbox serves them: static files in assets/ (see its README), read once.
import type { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { tokenRequestors, type TokenRequestorProfile } from './catalogue.js';

export const logoSize = 192;

export interface MediaContent {
  type: 'image/svg+xml' | 'image/png';
  /** Base64 of the image bytes. */
  data: string;
  width: number;
  height: number;
}

export interface LogoFiles {
  svg: Buffer;
  png: Buffer;
}

export const logoAssetsDir = new URL('./assets/', import.meta.url);

// Read at start-up, so that a token requestor without artwork stops the sandbox rather than a request.
const logos = new Map<string, LogoFiles>(
  tokenRequestors.map((profile) => [
    profile.tokenRequestorId,
    {
      svg: readFileSync(new URL(`${profile.logo}.svg`, logoAssetsDir)),
      png: readFileSync(new URL(`${profile.logo}.png`, logoAssetsDir)),
    },
  ]),
);

export function logoOf(profile: TokenRequestorProfile): LogoFiles {
  const logo = logos.get(profile.tokenRequestorId);
  if (!logo) throw new RangeError(`no logo for token requestor ${profile.tokenRequestorId}`);
  return logo;
}

/** The logo as MDES's asset endpoint answers it: the SVG, then the PNG. */
export function logoMediaContents(profile: TokenRequestorProfile): MediaContent[] {
  const { svg, png } = logoOf(profile);
  return [
    { type: 'image/svg+xml', data: svg.toString('base64'), width: logoSize, height: logoSize },
    { type: 'image/png', data: png.toString('base64'), width: logoSize, height: logoSize },
  ];
}
