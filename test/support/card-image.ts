/** Pictures of test cards, drawn with a real font (DejaVu Sans Mono from npm), as a phone would take them. */
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import * as PImage from 'pureimage';

const fontPath = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono-Bold.ttf');
let fontLoaded: Promise<void> | undefined;

export interface CardFace {
  /** As printed, e.g. "5204 7316 0001 4792". */
  number: string;
  /** As printed, e.g. "09/31". */
  expiry: string;
  name: string;
  colour?: string;
}

export async function cardImagePng(face: CardFace): Promise<Buffer> {
  fontLoaded ??= PImage.registerFont(fontPath, 'CardMono').load();
  await fontLoaded;
  const image = PImage.make(856, 540);
  const context = image.getContext('2d');
  context.fillStyle = face.colour ?? '#1f3a93';
  context.fillRect(0, 0, 856, 540);
  context.fillStyle = '#ffffff';
  context.font = "56pt 'CardMono'";
  context.fillText(face.number, 60, 320);
  context.font = "32pt 'CardMono'";
  context.fillText(`VALID THRU ${face.expiry}`, 260, 400);
  context.fillText(face.name, 60, 470);
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await PImage.encodePNGToStream(image, stream);
  return Buffer.concat(chunks);
}
