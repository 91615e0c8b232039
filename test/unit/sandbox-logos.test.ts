// The token requestors' logos the sandbox serves (its MDES asset endpoint and /tr/{id}/logo.svg): one SVG
// and one PNG per requestor, read from sandbox/token-requestors/assets/.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tokenRequestors } from '../../sandbox/token-requestors/catalogue.js';
import { logoAssetsDir, logoMediaContents, logoOf, logoSize } from '../../sandbox/token-requestors/logos.js';

// Issuers cache an asset forever: new artwork takes a new imageAssetId, and a new line here.
const digestByAssetId: Record<string, string> = {
  '3789637f-32a1-4810-a138-4bf34501c509': '9e6c2fd22a12015bd5cbe2d7844c35fdd7257145e6b62b59bc023924d9300b9e',
  '0c5a3b56-7a7e-4a3e-9d2c-51b8a4c6e2f1': 'e6486a01b1191d62278e67f81ffd98eb008ae4cbae4f9bfcbb76d9d159667670',
  'b7e0d1c2-5f44-4f0e-8a61-9c2d7e3f4a10': '08ad91fefafa97279a8d01c8ac54d617018d532a9f697a9488de415b4626ac2b',
  'e3f1a7c4-2b9d-4c61-8f05-6d2a9b7e41c8': 'a12bee922e90a5b299b4896245f8abc1d06e0345124c6c98f94d709243ab2d7e',
  '7d4e9a02-6c1b-4f3e-a8d5-2b60c9e1f743': 'bc9a0feef14ba9df5b4196317278924619fa5f73190b142ba53fba9e77ca3b58',
  'c2a85f17-94d0-4b6a-b3e2-0f71d8c5a926': 'dbe865c31480fef669a6e2dafc8119fb45e5ac26352128f14e859de900c10bbb',
};

const white = '#ffffff';

/** Every attribute of every element, depth first. */
function elements(node: unknown): Record<string, unknown>[] {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (typeof node !== 'object' || node === null) return [];
  return [node as Record<string, unknown>, ...Object.values(node).flatMap(elements)];
}

function hex(png: PNG, x: number, y: number): string {
  const offset = (y * png.width + x) * 4;
  return `#${[...png.data.subarray(offset, offset + 3)].map((value) => value.toString(16).padStart(2, '0')).join('')}`;
}

describe.each(tokenRequestors.map((profile) => [profile.name, profile] as const))('the logo of %s', (_, profile) => {
  const { svg, png } = logoOf(profile);
  const text = svg.toString('utf8');
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text) as {
    svg?: Record<string, unknown>;
  };

  it('is a well-formed, standalone 192x192 SVG document that refers to nothing outside it', () => {
    expect(XMLValidator.validate(text)).toBe(true);
    expect(parsed.svg).toMatchObject({
      xmlns: 'http://www.w3.org/2000/svg',
      width: String(logoSize),
      height: String(logoSize),
      viewBox: `0 0 ${logoSize} ${logoSize}`,
    });
    expect(text).not.toMatch(/href|@import|url\(/);
  });

  it("has a PNG twin: 192x192, opaque, white at the corners, and mostly the colour the SVG's mark is filled with", () => {
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toEqual([logoSize, logoSize]);
    expect(image.data.filter((_, offset) => offset % 4 === 3 && image.data[offset] !== 255)).toHaveLength(0);
    for (const [x, y] of [
      [0, 0],
      [logoSize - 1, 0],
      [0, logoSize - 1],
      [logoSize - 1, logoSize - 1],
    ] as const) {
      expect(hex(image, x, y)).toBe(white);
    }
    const counts = new Map<string, number>();
    for (let y = 0; y < logoSize; y++) {
      for (let x = 0; x < logoSize; x++) {
        const colour = hex(image, x, y);
        counts.set(colour, (counts.get(colour) ?? 0) + 1);
      }
    }
    const [dominant, pixels] = [...counts].filter(([colour]) => colour !== white).sort((a, b) => b[1] - a[1])[0]!;
    expect(pixels).toBeGreaterThan((logoSize * logoSize) / 2);
    const fills = elements(parsed)
      .map((element) => element.fill)
      .filter((fill): fill is string => typeof fill === 'string')
      .map((fill) => fill.toLowerCase());
    expect(fills).toContain(dominant);
  });

  it('is served as MDES mediaContents: the SVG, then the PNG, base64, each 192x192', () => {
    const contents = logoMediaContents(profile);
    expect(contents).toEqual([
      { type: 'image/svg+xml', data: svg.toString('base64'), width: logoSize, height: logoSize },
      { type: 'image/png', data: png.toString('base64'), width: logoSize, height: logoSize },
    ]);
  });

  it('is the artwork its imageAssetId was issued for', () => {
    const digest = createHash('sha256').update(svg).update(png).digest('hex');
    expect({ [profile.imageAssetId]: digest }).toEqual({
      [profile.imageAssetId]: digestByAssetId[profile.imageAssetId],
    });
  });
});

describe('the logo files', () => {
  it('are one SVG and one PNG per token requestor, each its own, and nothing else', () => {
    const expected = tokenRequestors.flatMap((profile) => [`${profile.logo}.png`, `${profile.logo}.svg`]);
    expect(readdirSync(logoAssetsDir).sort()).toEqual([...expected, 'README.md'].sort());
    const digests = tokenRequestors.map((profile) => createHash('sha256').update(logoOf(profile).png).digest('hex'));
    expect(new Set(digests).size).toBe(tokenRequestors.length);
    expect(new Set(tokenRequestors.map((profile) => profile.imageAssetId)).size).toBe(tokenRequestors.length);
  });
});
