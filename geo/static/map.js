// The planners' map: MapLibre GL JS over this service's style, tiles and search.
// Every URL is relative to the page, so nothing is ever fetched from another host.
import {
  AttributionControl, Map, NavigationControl, Popup, ScaleControl,
} from './vendor/maplibre-gl/maplibre-gl.mjs';
import {OSM, getJSON, here, withoutMissingGlyphs} from './shared.js';

const HIGHLIGHT = 'search-hit';

const layerBoxes = [...document.querySelectorAll('input[data-layer]')];
const dayInputs = [...document.querySelectorAll('input[data-day-for]')];

// The service's style, adapted for this page: the switcher's initial choices, one source
// per layer that changes by day (so picking a day reloads only that layer), and no glyph
// URL when the service has no glyphs installed: MapLibre then draws labels with the
// browser's own fonts instead of asking for glyphs that are not there.
function adaptStyle(style) {
  withoutMissingGlyphs(style);
  const shown = Object.fromEntries(layerBoxes.map((box) => [box.dataset.layer, box.checked]));
  for (const input of dayInputs) {
    const id = input.dataset.dayFor;
    style.sources[`urbanmap-${id}`] = {type: 'vector', url: here(`tiles/${id}.json`)};
  }
  for (const layer of style.layers) {
    const id = layer['source-layer'];
    if (id === undefined) continue;
    if (style.sources[`urbanmap-${id}`]) layer.source = `urbanmap-${id}`;
    layer.layout = {...layer.layout, visibility: shown[id] === false ? 'none' : 'visible'};
  }
  return style;
}

function styleLayersOf(map, id) {
  return map.getStyle().layers.filter((layer) => layer['source-layer'] === id);
}

function setShown(map, id, shown) {
  for (const layer of styleLayersOf(map, id)) {
    map.setLayoutProperty(layer.id, 'visibility', shown ? 'visible' : 'none');
  }
}

function wireSwitcher(map) {
  for (const box of layerBoxes) {
    box.addEventListener('change', () => setShown(map, box.dataset.layer, box.checked));
  }
}

// --- Days of the layers that change by day (epidemic risk) ---------------------------------

async function wireDays(map) {
  const baseTiles = {};
  for (const input of dayInputs) {
    const id = input.dataset.dayFor;
    const sourceId = `urbanmap-${id}`;
    input.addEventListener('change', () => {
      const source = map.getSource(sourceId);
      baseTiles[id] ??= [...source.tiles];
      const day = input.value ? `&datetime=${input.value}` : '';
      source.setTiles(baseTiles[id].map((url) => url + day));
      const box = layerBoxes.find((b) => b.dataset.layer === id);
      if (box && !box.checked) { box.checked = true; setShown(map, id, true); }
    });
    try {  // the reported days, to bound the picker; empty means the latest day
      const field = input.dataset.dayField || 'report_date';
      const ends = await Promise.all(['', '-'].map((order) => getJSON(
        `collections/${id}/items?limit=1&sortby=${order}${field}&properties=${field}`)));
      [input.min, input.max] = ends.map((c) => c.features[0]?.properties[field] ?? '');
      input.title = `Reported days ${input.min} to ${input.max}; empty shows the latest`;
    } catch { /* the picker still works unbounded */ }
  }
}

// --- Popups ---------------------------------------------------------------------------------

function featureSection(feature, titles) {
  const section = document.createElement('section');
  const heading = section.appendChild(document.createElement('h3'));
  const about = titles[feature.sourceLayer] ?? {title: feature.sourceLayer};
  heading.textContent = about.title_vi ? `${about.title} (${about.title_vi})` : about.title;
  const table = section.appendChild(document.createElement('table'));
  for (const [name, value] of Object.entries(feature.properties)) {
    const row = table.insertRow();
    const key = row.appendChild(document.createElement('th'));
    key.scope = 'row';
    key.textContent = name;
    row.insertCell().textContent = value === null ? '' : String(value);
  }
  return section;
}

function featuresAt(map, point) {
  const box = [[point.x - 4, point.y - 4], [point.x + 4, point.y + 4]];
  const seen = new Set();
  return map.queryRenderedFeatures(box)
    .filter((f) => f.sourceLayer && f.layer.source !== HIGHLIGHT)
    .filter((f) => {
      const key = `${f.sourceLayer}/${f.id}`;
      return !seen.has(key) && seen.add(key);
    });
}

function wirePopups(map, titles) {
  const popup = new Popup({maxWidth: '22rem'});
  map.on('click', (event) => {
    const features = featuresAt(map, event.point).slice(0, 4);
    if (!features.length) { popup.remove(); return; }
    const content = document.createElement('div');
    content.className = 'popup';
    for (const feature of features) content.appendChild(featureSection(feature, titles));
    popup.setLngLat(event.lngLat).setDOMContent(content).addTo(map);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') popup.remove();
  });
  map.on('mousemove', (event) => {
    map.getCanvas().style.cursor = featuresAt(map, event.point).length ? 'pointer' : '';
  });
}

// --- Search ---------------------------------------------------------------------------------

function addHighlight(map) {
  map.addSource(HIGHLIGHT, {type: 'geojson', data: {type: 'FeatureCollection', features: []}});
  map.addLayer({id: `${HIGHLIGHT}-fill`, type: 'fill', source: HIGHLIGHT,
    filter: ['==', ['geometry-type'], 'Polygon'],
    paint: {'fill-color': '#ffd400', 'fill-opacity': 0.25}});
  map.addLayer({id: `${HIGHLIGHT}-line`, type: 'line', source: HIGHLIGHT,
    filter: ['!=', ['geometry-type'], 'Point'],
    paint: {'line-color': '#e07b00', 'line-width': 4}});
  map.addLayer({id: `${HIGHLIGHT}-point`, type: 'circle', source: HIGHLIGHT,
    filter: ['==', ['geometry-type'], 'Point'],
    paint: {'circle-radius': 10, 'circle-color': '#ffd400', 'circle-opacity': 0.5,
      'circle-stroke-color': '#e07b00', 'circle-stroke-width': 3}});
}

async function highlight(map, result) {
  let data;
  try {  // the feature itself, so its outline shows; its bbox or point when that fails
    data = await getJSON(`collections/${encodeURIComponent(result.layer)}/items/`
      + `${encodeURIComponent(result.fid)}`);
  } catch {
    const [w, s, e, n] = result.bbox;
    data = w === e && s === n
      ? {type: 'Point', coordinates: result.point ?? [w, s]}
      : {type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]]};
  }
  map.getSource(HIGHLIGHT).setData(data);
}

function wireSearch(map) {
  const form = document.getElementById('search');
  const input = document.getElementById('q');
  const list = document.getElementById('results');
  const status = document.getElementById('search-status');
  let asked = 0;
  let timer;

  const clear = () => list.replaceChildren();
  const pick = (result) => {
    clear();
    const [w, s, e, n] = result.bbox;
    map.fitBounds([[w, s], [e, n]], {padding: 40, maxZoom: 17, duration: 0});
    status.textContent = `Showing ${result.name} (${result.layer_title})`;
    highlight(map, result);
    input.focus();
  };
  const show = (results) => {
    list.replaceChildren(...results.map((result) => {
      const item = document.createElement('li');
      const button = item.appendChild(document.createElement('button'));
      button.type = 'button';
      button.textContent = result.name;
      const kind = button.appendChild(document.createElement('span'));
      kind.className = 'kind';
      kind.textContent = ` · ${result.layer_title}`;
      button.addEventListener('click', () => pick(result));
      return item;
    }));
    status.textContent = results.length ? `${results.length} found` : 'No place found';
  };
  const search = async () => {
    const text = input.value.trim();
    const mine = ++asked;
    if (text.length < 2) { clear(); status.textContent = ''; return; }
    try {
      const body = await getJSON(`search?q=${encodeURIComponent(text)}&limit=10`);
      if (mine === asked) show(body.results);
    } catch {
      if (mine === asked) { clear(); status.textContent = 'Search is not available'; }
    }
  };

  form.addEventListener('submit', (event) => { event.preventDefault(); search(); });
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  // Keyboard: arrows move between the input and the results, Escape closes the list.
  form.addEventListener('keydown', (event) => {
    const buttons = [...list.querySelectorAll('button')];
    const at = buttons.indexOf(document.activeElement);
    if (event.key === 'Escape') { clear(); input.focus(); return; }
    if (!['ArrowDown', 'ArrowUp'].includes(event.key) || !buttons.length) return;
    event.preventDefault();
    const next = event.key === 'ArrowDown' ? at + 1 : at - 1;
    if (next < 0) input.focus(); else buttons[Math.min(next, buttons.length - 1)].focus();
  });
}

// --- The panel on a phone -------------------------------------------------------------------

function wirePanel() {
  const toggle = document.getElementById('panel-toggle');
  const panel = document.getElementById('panel');
  const narrow = window.matchMedia('(max-width: 700px)');
  const set = (open) => { panel.hidden = !open; toggle.setAttribute('aria-expanded', open); };
  set(!narrow.matches);
  narrow.addEventListener('change', () => set(!narrow.matches));
  toggle.addEventListener('click', () => set(panel.hidden));
}

// --- Start ----------------------------------------------------------------------------------

async function start() {
  wirePanel();
  const style = adaptStyle(await getJSON('styles/map.json'));
  const titles = style.metadata?.['urbanmap:legend'] ?? {};
  const map = new Map({container: 'map', style, hash: true, attributionControl: false});
  window.urbanmap = {map, ready: false};  // for tests and the browser console
  map.addControl(new NavigationControl(), 'top-right');
  map.addControl(new ScaleControl({unit: 'metric'}), 'bottom-left');
  map.addControl(new AttributionControl({compact: false, customAttribution: OSM}));
  wireSwitcher(map);
  wireSearch(map);
  await map.once('load');
  addHighlight(map);
  wirePopups(map, titles);
  await wireDays(map);
  window.urbanmap.ready = true;
}

start().catch((error) => {
  document.getElementById('search-status').textContent = `The map could not start: ${error.message}`;
  throw error;
});
