// The field page: on a phone, what a fire or maintenance team asks about the place they
// stand at. The map's cross marks the point (moved by panning, or by "My location"); the
// answers come from the /lookup endpoints and are drawn on the same map.
import {
  AttributionControl, GeolocateControl, Map, NavigationControl, ScaleControl,
} from './vendor/maplibre-gl/maplibre-gl.mjs';
import {OSM, getJSON, withoutMissingGlyphs} from './shared.js';

const ANSWER = 'field-answer';
const answer = document.getElementById('answer');
const status = document.getElementById('status');
const pointStatus = document.getElementById('point');
let titles = {};

const metres = (value) => (value === null || value === undefined
  ? '—' : `${Math.round(value).toLocaleString('en')} m`);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function layerTitle(id) {
  const about = titles[id];
  return about ? `${about.title} · ${about.title_vi}` : id;
}

// Risk overlays stay off: the field page shows the registry, and the answers say the risk.
function fieldStyle(style) {
  withoutMissingGlyphs(style);
  for (const layer of style.layers) {
    const id = layer['source-layer'];
    if (id !== undefined && titles[id]?.domain === 'risk') {
      layer.layout = {...layer.layout, visibility: 'none'};
    }
  }
  return style;
}

function addAnswerLayers(map) {
  map.addSource(ANSWER, {type: 'geojson', data: {type: 'FeatureCollection', features: []}});
  map.addLayer({id: `${ANSWER}-line`, type: 'line', source: ANSWER,
    filter: ['!=', ['geometry-type'], 'Point'],
    layout: {'line-cap': 'round', 'line-join': 'round'},
    paint: {'line-color': '#d7263d', 'line-width': 5, 'line-opacity': 0.85}});
  map.addLayer({id: `${ANSWER}-point`, type: 'circle', source: ANSWER,
    filter: ['==', ['geometry-type'], 'Point'],
    paint: {'circle-radius': 9, 'circle-color': '#ffd400', 'circle-opacity': 0.6,
      'circle-stroke-color': '#d7263d', 'circle-stroke-width': 3}});
}

// Draws an answer and shows all of it. With `around` (the point asked about) the view stays
// centred there, so the cross still marks it and the next lookup asks about the same place.
function draw(map, features, around) {
  map.getSource(ANSWER).setData({type: 'FeatureCollection', features});
  const points = [];
  const collect = (coordinates) => (typeof coordinates[0] === 'number'
    ? points.push(coordinates) : coordinates.forEach(collect));
  features.forEach((feature) => collect(feature.geometry.coordinates));
  if (around) {
    points.push(...points.map(([lon, lat]) => [2 * around[0] - lon, 2 * around[1] - lat]));
  }
  if (points.length) {
    const lons = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]],
      {padding: 50, maxZoom: 18, duration: 0});
  }
}

function centre(map) {
  const {lng, lat} = map.getCenter();
  return {lon: lng.toFixed(6), lat: lat.toFixed(6)};
}

async function ask(label, work) {
  status.textContent = `${label}…`;
  answer.replaceChildren();
  try {
    await work();
    status.textContent = '';
  } catch (error) {
    status.textContent = error.message;
  }
}

// --- Nearest working hydrants -----------------------------------------------------------

function hydrantItem(feature, index) {
  const p = feature.properties;
  const item = element('li');
  item.dataset.fid = feature.id;
  item.append(element('strong', `${index + 1}. ${p.code ?? 'Hydrant'}`),
    element('span', p.street ? ` · ${p.street}` : ''));
  const distances = element('p', '', 'distances');
  distances.append(element('span', `${metres(p.network_m)} along streets`, 'network'),
    element('span', ` · ${metres(p.straight_m)} straight`, 'straight'));
  if (p.network_m === null) distances.append(element('span', ' · not reachable by street'));
  item.append(distances);
  if (p.pressure_bar !== null && p.pressure_bar !== undefined) {
    item.append(element('p', `${p.pressure_bar} bar at last inspection`, 'detail'));
  }
  return item;
}

async function nearestHydrants(map) {
  const {lon, lat} = centre(map);
  const body = await getJSON(`lookup/hydrants?lon=${lon}&lat=${lat}&limit=3`);
  const list = element('ol', undefined, 'hits hydrant-hits');
  list.append(...body.features.map(hydrantItem));
  answer.append(element('h2', 'Nearest working hydrants · Trụ nước gần nhất'),
    body.features.length ? list : element('p', 'No working hydrant within reach.'),
    element('p', body.method, 'method'));
  const routes = body.features.filter((f) => f.properties.route)
    .map((f) => ({type: 'Feature', properties: {}, geometry: f.properties.route}));
  draw(map, [...routes, ...body.features.map((f) => ({...f, properties: {}}))], body.point);
}

// --- What is here -----------------------------------------------------------------------

function fact(list, label, value) {
  const row = element('div');
  row.append(element('dt', label), element('dd', value));
  list.append(row);
}

function riskFacts(list, risk) {
  if (!risk) return;
  if ('hydrant_gap' in risk) {
    fact(list, 'Hydrant coverage', risk.hydrant_gap
      ? 'Not covered: no working hydrant within reach' : 'Covered');
  }
  fact(list, 'Flood risk', risk.flood
    ? `${risk.flood.level} (within ${metres(risk.flood.within_m)} of water)` : 'none');
  if (risk.epidemic) {
    const e = risk.epidemic;
    fact(list, 'Epidemic level', `${e.level ?? '—'} ${e.level_name ?? ''} on ${e.day}`);
  }
}

function hereItem(feature) {
  const p = feature.properties;
  const item = element('li');
  item.dataset.layer = p.layer;
  item.append(element('strong', p.name || layerTitle(p.layer)),
    element('span', ` · ${layerTitle(p.layer)} · ${metres(p.distance_m)}`));
  return item;
}

async function whatIsHere(map) {
  const {lon, lat} = centre(map);
  const body = await getJSON(`lookup/here?lon=${lon}&lat=${lat}&radius_m=100`);
  const facts = element('dl', undefined, 'facts');
  fact(facts, 'Ward · Phường', body.ward?.name ?? 'outside the wards');
  const zone = body.planning_zone;
  fact(facts, 'Planning zone · Quy hoạch', zone
    ? [zone.zone_code, zone.land_use_code, zone.land_use_category].filter(Boolean).join(' · ')
    : 'none');
  riskFacts(facts, body.risk);
  const features = body.features.features;
  const list = element('ol', undefined, 'hits here-hits');
  list.append(...features.map(hereItem));
  answer.append(element('h2', 'What is here · Ở đây có gì'), facts,
    element('h3', `Within ${body.radius_m} m, nearest first`),
    features.length ? list : element('p', 'Nothing registered nearby.'));
  draw(map, [{type: 'Feature', properties: {}, geometry: {type: 'Point', coordinates: body.point}}]);
}

// --- An alley or road, and whether a fire truck fits -------------------------------------

function wayItem(map, feature) {
  const p = feature.properties;
  const item = element('li');
  const button = item.appendChild(element('button'));
  button.type = 'button';
  button.append(element('strong', p.name ?? p.number ?? `${p.layer} ${feature.id}`),
    element('span', ` · ${layerTitle(p.layer)}`));
  const width = p.width_m === null ? 'width unknown'
    : `${p.width_m.toFixed(1)} m wide${p.width_estimated ? ` (estimated from its kind: ${p.kind})` : ''}`;
  item.append(element('p', width, 'detail'));
  item.append(element('p', p.fire_truck_fits
    ? `A fire truck fits (needs ${p.truck_width_m} m)`
    : `Too narrow for a fire truck (needs ${p.truck_width_m} m)`,
  p.fire_truck_fits ? 'fits' : 'too-narrow'));
  button.addEventListener('click', () => draw(map, [feature]));
  return item;
}

async function findWay(map, text) {
  const body = await getJSON(`lookup/ways?q=${encodeURIComponent(text)}&limit=5`);
  const list = element('ol', undefined, 'hits way-hits');
  list.append(...body.features.map((feature) => wayItem(map, feature)));
  answer.append(element('h2', 'Alleys and roads · Hẻm, đường'),
    body.features.length ? list : element('p', 'No alley or road by that name or number.'));
  if (body.features.length) draw(map, [body.features[0]]);
}

// --- Start ------------------------------------------------------------------------------

function showPoint(map) {
  const {lon, lat} = centre(map);
  pointStatus.textContent = `Point: ${lat}, ${lon}`;
}

function wire(map, locate) {
  document.getElementById('hydrants').addEventListener('click',
    () => ask('Looking for hydrants', () => nearestHydrants(map)));
  document.getElementById('here').addEventListener('click',
    () => ask('Looking around', () => whatIsHere(map)));
  document.getElementById('way').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = document.getElementById('way-q').value.trim();
    if (text) ask('Searching', () => findWay(map, text));
  });
  document.getElementById('locate').addEventListener('click', () => {
    if (!locate.trigger()) status.textContent = 'This browser cannot tell your location.';
  });
  locate.on('error', () => { status.textContent = 'Your location is not available.'; });
  map.on('moveend', () => showPoint(map));
}

async function start() {
  const style = await getJSON('styles/map.json');
  titles = style.metadata?.['urbanmap:legend'] ?? {};
  const map = new Map({container: 'map', style: fieldStyle(style), hash: true,
    attributionControl: false});
  window.urbanmap = {map, ready: false};  // for tests and the browser console
  const locate = new GeolocateControl({positionOptions: {enableHighAccuracy: true},
    fitBoundsOptions: {maxZoom: 17}});
  map.addControl(locate, 'top-right');
  map.addControl(new NavigationControl({showCompass: false}), 'top-right');
  map.addControl(new ScaleControl({unit: 'metric'}), 'bottom-left');
  map.addControl(new AttributionControl({compact: true, customAttribution: OSM}));
  await map.once('load');
  addAnswerLayers(map);
  wire(map, locate);
  showPoint(map);
  window.urbanmap.ready = true;
}

start().catch((error) => {
  status.textContent = `The page could not start: ${error.message}`;
  throw error;
});
