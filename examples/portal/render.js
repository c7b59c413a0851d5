// Pieces both pages draw: dates, photos (srcset, WebP, BlurHash placeholder), links.

import { placeholder } from './blurhash.js';

/** @typedef {import('./api.js').Photo} Photo */

/**
 * `2023-09-20` as people read it here: `20/9/2023`.
 * @param {string | null | undefined} day
 */
export function vnDate(day) {
  if (!day) return '';
  const [y, m, d] = day.split('-').map(Number);
  return `${d}/${m}/${y}`;
}

/**
 * An element with attributes and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 * @param {(Node | string | null | undefined | false)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

/**
 * A photo as a `<picture>`: WebP renditions first, the original format's renditions, the
 * BlurHash painted behind until it loads, its size reserved (no layout shift).
 * @param {Photo} photo
 * @param {string} sizes the `sizes` of its place in the page
 * @param {{ eager?: boolean }} [options]
 */
export function picture(photo, sizes, options = {}) {
  const src = photo.src ?? photo.url;
  const img = h('img', {
    src,
    srcset: photo.srcset ?? null,
    sizes: photo.srcset ? sizes : null,
    width: photo.width ?? null,
    height: photo.height ?? null,
    alt: photo.alt || photo.caption || '',
    loading: options.eager ? 'eager' : 'lazy',
    decoding: 'async',
  });
  const blur = placeholder(photo.blurhash);
  if (blur) {
    img.style.backgroundImage = `url(${blur})`;
    img.style.backgroundSize = 'cover';
    img.addEventListener('load', () => { img.style.backgroundImage = ''; }, { once: true });
  }
  return h('picture', {}, [
    photo.webp_srcset ? h('source', { type: 'image/webp', srcset: photo.webp_srcset, sizes }) : null,
    img,
  ]);
}

/**
 * The portal's page of a unit.
 * @param {string} slug
 */
export function unitHref(slug) {
  return `/to-chuc/${encodeURIComponent(slug)}`;
}

/**
 * A message in the page's live region.
 * @param {string} text
 */
export function say(text) {
  const status = document.getElementById('status');
  if (status) status.textContent = text;
}
