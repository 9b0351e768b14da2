// What the planners' map and the field page share: URLs relative to the page, JSON from
// this service with its error messages, the attribution, and the style's glyph URL.
export const here = (path) => new URL(path, document.baseURI).href;

export const OSM = '<a href="https://www.openstreetmap.org/copyright">'
  + '© OpenStreetMap contributors (ODbL)</a>';

// The service answers errors as {"code", "description"}, the description written for a
// person: that is what the page shows.
export async function getJSON(path) {
  const response = await fetch(here(path), {headers: {Accept: 'application/json'}});
  if (!response.ok) {
    let message = `${path}: HTTP ${response.status}`;
    try { message = (await response.json()).description ?? message; } catch { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

// Without glyphs installed on the service (see geo/routes/map.py), MapLibre draws labels
// with the browser's own fonts instead of asking for glyphs that are not there.
export function withoutMissingGlyphs(style) {
  if (document.body.dataset.glyphs !== 'installed') delete style.glyphs;
  return style;
}
