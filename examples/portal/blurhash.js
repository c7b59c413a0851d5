// A BlurHash decoder (https://blurha.sh, the algorithm of its reference implementation, written
// here so the page needs nothing installed): the API sends each photo's hash, the page paints it
// while the photo loads.

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';

/** @param {string} text */
function decode83(text) {
  let value = 0;
  for (const c of text) {
    const digit = DIGITS.indexOf(c);
    if (digit < 0) throw new Error('not a blurhash');
    value = value * 83 + digit;
  }
  return value;
}

/** @param {number} v 0–255 */
function toLinear(v) {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** @param {number} v linear 0–1 */
function toSrgb(v) {
  const c = Math.max(0, Math.min(1, v));
  return Math.round((c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055) * 255);
}

/**
 * The pixels (RGBA) of `hash` at `width` × `height`.
 * @param {string} hash
 * @param {number} width
 * @param {number} height
 * @returns {Uint8ClampedArray}
 */
export function decode(hash, width, height) {
  if (hash.length < 6) throw new Error('not a blurhash');
  const size = decode83(hash[0]);
  const nx = (size % 9) + 1;
  const ny = Math.floor(size / 9) + 1;
  if (hash.length !== 4 + 2 * nx * ny) throw new Error('not a blurhash');
  const max = (decode83(hash[1]) + 1) / 166;
  /** @type {number[][]} */
  const colors = [];
  const dc = decode83(hash.slice(2, 6));
  colors.push([toLinear(dc >> 16), toLinear((dc >> 8) & 255), toLinear(dc & 255)]);
  for (let i = 1; i < nx * ny; i += 1) {
    const ac = decode83(hash.slice(4 + i * 2, 6 + i * 2));
    const q = [Math.floor(ac / 361), Math.floor(ac / 19) % 19, ac % 19];
    colors.push(q.map((v) => {
      const x = (v - 9) / 9;
      return Math.sign(x) * x * x * max;
    }));
  }
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < ny; j += 1) {
        for (let i = 0; i < nx; i += 1) {
          const basis = Math.cos((Math.PI * x * i) / width) * Math.cos((Math.PI * y * j) / height);
          const c = colors[i + j * nx];
          r += c[0] * basis;
          g += c[1] * basis;
          b += c[2] * basis;
        }
      }
      const at = 4 * (x + y * width);
      pixels[at] = toSrgb(r);
      pixels[at + 1] = toSrgb(g);
      pixels[at + 2] = toSrgb(b);
      pixels[at + 3] = 255;
    }
  }
  return pixels;
}

/**
 * A small image of `hash` as a data URL, to use as a placeholder background.
 * @param {string | null | undefined} hash
 * @returns {string | null}
 */
export function placeholder(hash) {
  if (!hash) return null;
  try {
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 32;
    const context = canvas.getContext('2d');
    if (!context) return null;
    const image = context.createImageData(32, 32);
    image.data.set(decode(hash, 32, 32));
    context.putImageData(image, 0, 0);
    return canvas.toDataURL();
  } catch {
    return null;
  }
}
