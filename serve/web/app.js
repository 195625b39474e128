// SD-GAN latent explorer: a grid of identities (rows) × observations (columns) drawn by the server.
// The view is kept as one seed per row and per column (base 36 in the URL hash), so a link reproduces it
// exactly: the server turns each seed into a code (POST /api/grid with identity_seeds/observation_seeds).
// Projected identities (images dropped on the page, projected by POST /api/project, or given to serve
// --identity) are extra rows below the seeded ones, kept in the hash as their codes.
// Truncation (ψ_I, ψ_O) is the server's: every request whose codes the server draws from seeds carries psi_i and
// psi_o, and the server scales those codes; projected codes travel as codes, so they are never scaled.
"use strict";

const MAX_SIDE = 8; // largest grid the page offers
const MAX_PROJECTED = 8; // projected rows kept
const STEP_CHOICES = [2, 3, 4, 5, 6, 7, 8];

const $ = (id) => document.getElementById(id);

// state is everything the URL hash holds.
let state = null;
let pick = null; // the first clicked cell, waiting for the second: {rs, cs}
let info = null;
let queue = Promise.resolve();
let pending = 0;
let version = 0;
let interpHint = null; // the interpolation panel's first hint, restored when the interpolation is cleared

function newSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

function freshState(rows, cols) {
  return {
    rows, cols,
    rowSeeds: Array.from({ length: rows }, newSeed),
    colSeeds: Array.from({ length: cols }, newSeed),
    lockRows: new Set(), lockCols: new Set(),
    a: null, b: null, steps: 4,
    proj: [], // projected rows: {name, zi}
    psiI: 1, psiO: 1, // truncation of the codes drawn from seeds
  };
}

// ---- rows: state.rows seeded ones, then the projected ones ----

const nRows = () => state.rows + state.proj.length;
const isProjected = (i) => i >= state.rows;

// rowEnd names row i for an interpolation end: {rs: seed} or {pr: index among the projected rows}.
function rowEnd(i) {
  return isProjected(i) ? { pr: i - state.rows } : { rs: state.rowSeeds[i] };
}

// isEnd reports whether e (an end or the pending pick) is cell (i, j).
function isEnd(e, i, j) {
  if (!e || e.cs !== state.colSeeds[j]) return false;
  return e.pr !== undefined ? isProjected(i) && e.pr === i - state.rows : !isProjected(i) && e.rs === state.rowSeeds[i];
}

// A projected code travels in the hash as its float32 values, little-endian, in base64url.
function codeToB64(zi) {
  const bytes = new Uint8Array(new Float32Array(zi).buffer);
  return bytesToB64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function b64ToCode(s) {
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    if (bin.length !== 4 * info.d_i) return null;
    const code = Array.from(new Float32Array(Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer));
    return code.every((v) => Number.isFinite(v) && Math.abs(v) <= 10) ? code : null;
  } catch (_) {
    return null;
  }
}

function bytesToB64(bytes) {
  let bin = "";
  for (let k = 0; k < bytes.length; k += 0x8000) bin += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  return btoa(bin);
}

// ---- URL hash: #g=4x4&r=seed.seed…&c=…&lr=0.2&lc=1&a=rs.cs&b=rs.cs&s=4&p=code.code&pi=0.8&po=0.5 (seeds in
// base 36; an end on a projected row is _k.cs; projected codes in base64url; ψ left out when 1) ----

function encodeHash(st) {
  const p = new URLSearchParams();
  const b36 = (s) => s.toString(36);
  const end = (e) => `${e.pr !== undefined ? "_" + e.pr : b36(e.rs)}.${b36(e.cs)}`;
  p.set("g", `${st.rows}x${st.cols}`);
  p.set("r", st.rowSeeds.map(b36).join("."));
  p.set("c", st.colSeeds.map(b36).join("."));
  if (st.lockRows.size) p.set("lr", [...st.lockRows].sort((x, y) => x - y).join("."));
  if (st.lockCols.size) p.set("lc", [...st.lockCols].sort((x, y) => x - y).join("."));
  if (st.a && st.b) {
    p.set("a", end(st.a));
    p.set("b", end(st.b));
    p.set("s", String(st.steps));
  }
  if (st.proj.length) p.set("p", st.proj.map((r) => codeToB64(r.zi)).join("."));
  if (st.psiI !== 1) p.set("pi", String(st.psiI));
  if (st.psiO !== 1) p.set("po", String(st.psiO));
  return "#" + p.toString();
}

// decodeHash returns the state in hash, or null when it is missing or malformed.
function decodeHash(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const g = /^(\d+)x(\d+)$/.exec(p.get("g") || "");
  if (!g) return null;
  const rows = +g[1], cols = +g[2];
  const seeds = (s) => (s || "").split(".").map((x) => (/^[0-9a-z]{1,7}$/.test(x) ? parseInt(x, 36) : NaN));
  const okSeed = (s) => Number.isInteger(s) && s >= 0 && s <= 0xffffffff;
  const rowSeeds = seeds(p.get("r")), colSeeds = seeds(p.get("c"));
  if (rows < 1 || cols < 1 || rows > MAX_SIDE || cols > MAX_SIDE) return null;
  if (rowSeeds.length !== rows || colSeeds.length !== cols || ![...rowSeeds, ...colSeeds].every(okSeed)) return null;
  const idx = (s, n) => new Set((s ? s.split(".") : []).map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < n));
  const proj = p.get("p") ? p.get("p").split(".").map(b64ToCode) : [];
  if (proj.length > MAX_PROJECTED || proj.some((c) => c === null)) return null;
  const st = { rows, cols, rowSeeds, colSeeds, lockRows: idx(p.get("lr"), rows), lockCols: idx(p.get("lc"), cols), a: null, b: null, steps: 4,
    proj: proj.map((zi, k) => ({ name: `projected identity ${k + 1}`, zi })), psiI: readPsi(p.get("pi")), psiO: readPsi(p.get("po")) };
  if (!canTruncateIdentities()) st.psiI = 1;
  // end reads "seed.seed" or "_k.seed" (projected row k).
  const end = (s) => {
    const [r, c] = (s || "").split(".");
    const cs = seeds(c)[0];
    const pr = /^_\d$/.test(r || "") ? +r.slice(1) : NaN;
    if (!okSeed(cs)) return null;
    if (pr < proj.length) return { pr, cs };
    const rs = seeds(r)[0];
    return r !== undefined && okSeed(rs) ? { rs, cs } : null;
  };
  const ends = [end(p.get("a")), end(p.get("b"))];
  if (ends.every((e) => e !== null)) {
    [st.a, st.b] = ends;
    const steps = +p.get("s");
    st.steps = STEP_CHOICES.includes(steps) ? steps : 4;
  }
  return st;
}

// readPsi reads ψ from the hash: a number in (0, 1], else 1 (no truncation).
function readPsi(s) {
  const v = s === null ? 1 : Number(s);
  return v > 0 && v <= 1 ? v : 1;
}

// canTruncateIdentities is false for an AC-GAN, whose identity codes are its label table's rows (the server
// refuses psi_i for it).
const canTruncateIdentities = () => !info.identities;

// psi returns the truncation fields for a request whose codes the server draws from seeds, each left out at 1.
function psi() {
  const f = {};
  if (state.psiI !== 1) f.psi_i = state.psiI;
  if (state.psiO !== 1) f.psi_o = state.psiO;
  return f;
}

function saveHash() {
  history.replaceState(null, "", encodeHash(state));
}

// ---- server calls, run one at a time; body[data-busy] is 1 while any is pending ----

async function api(path, body, accept = "application/json") {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: accept },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    try { msg = (await res.json()).error; } catch (_) { /* keep the status line */ }
    throw new Error(`${path}: ${msg}`);
  }
  return accept === "application/json" ? res.json() : res.blob();
}

function setStatus(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

// run queues fn after every earlier action, so clicks apply in order and never interleave.
function run(fn) {
  pending++;
  document.body.dataset.busy = "1";
  queue = queue.then(fn).catch((err) => setStatus(err.message, true)).finally(() => {
    pending--;
    version++;
    document.body.dataset.version = String(version);
    if (pending === 0) document.body.dataset.busy = "0";
  });
  return queue;
}

// setImage shows a base64 PNG in img and resolves once it is decoded.
function setImage(img, b64) {
  img.src = "data:image/png;base64," + b64;
  return img.decode().catch(() => {});
}

// ---- the grid ----

function el(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function cellImage(i, j) {
  return document.querySelector(`#grid img[data-row="${i}"][data-col="${j}"]`);
}

// buildGrid lays out headers and empty cells for the current size.
function buildGrid() {
  const grid = $("grid");
  grid.replaceChildren();
  grid.style.gridTemplateColumns = `auto repeat(${state.cols}, auto)`;
  grid.append(el("div"));
  for (let j = 0; j < state.cols; j++) {
    grid.append(el("div", { className: "head col" }, [
      el("button", { type: "button", textContent: `Obs ${j + 1}`, title: `Change observation ${j + 1}`,
        dataset: { testid: `change-observation-${j}` }, onclick: () => changeObservation(j) }),
      lockButton("observation", j, state.lockCols),
    ]));
  }
  for (let i = 0; i < nRows(); i++) {
    if (isProjected(i)) {
      const k = i - state.rows;
      grid.append(el("div", { className: "head row projected" }, [
        el("button", { type: "button", textContent: `P${k + 1} ✕`, title: `Remove ${state.proj[k].name}`,
          dataset: { testid: `remove-projected-${k}` }, onclick: () => removeProjected(k) }),
      ]));
    } else {
      grid.append(el("div", { className: "head row" }, [
        el("button", { type: "button", textContent: `ID ${i + 1}`, title: `Change identity ${i + 1}`,
          dataset: { testid: `change-identity-${i}` }, onclick: () => changeIdentity(i) }),
        lockButton("identity", i, state.lockRows),
      ]));
    }
    for (let j = 0; j < state.cols; j++) {
      const img = el("img", { alt: `identity ${i + 1}, observation ${j + 1}`, dataset: { testid: `cell-${i}-${j}`, row: i, col: j } });
      grid.append(el("button", { type: "button", className: "cell", onclick: () => clickCell(i, j) }, [img]));
    }
  }
  markCells();
}

function lockButton(kind, index, set) {
  const b = el("button", { type: "button", className: "lock", textContent: set.has(index) ? "Locked" : "Lock",
    title: `Keep this ${kind} when changing all`, dataset: { testid: `lock-${kind}-${index}` } });
  b.setAttribute("aria-pressed", String(set.has(index)));
  b.onclick = () => {
    if (set.has(index)) set.delete(index); else set.add(index);
    b.setAttribute("aria-pressed", String(set.has(index)));
    b.textContent = set.has(index) ? "Locked" : "Lock";
    saveHash();
    markCells();
  };
  return b;
}

// markCells outlines A, B, the pending pick and locked rows/columns.
function markCells() {
  document.querySelectorAll("#grid img").forEach((img) => {
    const i = +img.dataset.row, j = +img.dataset.col, cell = img.parentElement;
    cell.classList.toggle("is-a", isEnd(state.a, i, j));
    cell.classList.toggle("is-b", isEnd(state.b, i, j));
    cell.classList.toggle("is-pick", isEnd(pick, i, j));
    cell.classList.toggle("locked", state.lockRows.has(i) || state.lockCols.has(j));
  });
}

// fillGrid draws the cells at rows × cols (index lists): the seeded rows with one request, the projected ones
// with another, from their codes and the columns' codes.
async function fillGrid(rows, cols) {
  const done = [];
  const show = (list, resp) => list.forEach((i, a) => cols.forEach((j, b) => done.push(setImage(cellImage(i, j), resp.images[a * cols.length + b]))));
  const seeded = rows.filter((i) => !isProjected(i)), projected = rows.filter(isProjected);
  if (seeded.length) {
    show(seeded, await api("/api/grid", {
      identity_seeds: seeded.map((i) => state.rowSeeds[i]),
      observation_seeds: cols.map((j) => state.colSeeds[j]),
      ...psi(),
    }));
  }
  if (projected.length) {
    const zo = await columnCodes(cols.map((j) => state.colSeeds[j]));
    show(projected, await api("/api/grid", { zi: projected.map((i) => state.proj[i - state.rows].zi), zo }));
  }
  await Promise.all(done);
}

// columnCodes returns the observation codes of column seeds, truncated by ψ_O as the seeded rows' are.
async function columnCodes(colSeeds) {
  return (await api("/api/sample", { identity_seeds: [0], observation_seeds: colSeeds, ...psi() })).zo;
}

const range = (n) => Array.from({ length: n }, (_, i) => i);

function changeIdentity(i) {
  run(async () => {
    state.rowSeeds[i] = newSeed();
    saveHash();
    markCells();
    await fillGrid([i], range(state.cols));
    setStatus(`Identity ${i + 1} changed.`);
  });
}

function changeObservation(j) {
  run(async () => {
    state.colSeeds[j] = newSeed();
    saveHash();
    markCells();
    await fillGrid(range(nRows()), [j]);
    setStatus(`Observation ${j + 1} changed.`);
  });
}

function changeAll() {
  run(async () => {
    state.rowSeeds = state.rowSeeds.map((s, i) => (state.lockRows.has(i) ? s : newSeed()));
    state.colSeeds = state.colSeeds.map((s, j) => (state.lockCols.has(j) ? s : newSeed()));
    saveHash();
    markCells();
    await fillGrid(range(nRows()), range(state.cols));
    setStatus("All unlocked rows and columns changed.");
  });
}

function resize() {
  run(async () => {
    const rows = +$("rows").value, cols = +$("cols").value;
    const grow = (seeds, n) => Array.from({ length: n }, (_, k) => (k < seeds.length ? seeds[k] : newSeed()));
    state.rowSeeds = grow(state.rowSeeds, rows);
    state.colSeeds = grow(state.colSeeds, cols);
    state.rows = rows;
    state.cols = cols;
    state.lockRows = new Set([...state.lockRows].filter((i) => i < rows));
    state.lockCols = new Set([...state.lockCols].filter((j) => j < cols));
    state.a = state.b = pick = null; // row indices moved: an interpolation's ends may be gone
    $("interp").replaceChildren();
    saveHash();
    buildGrid();
    await fillGrid(range(nRows()), range(cols));
    setStatus(`Grid is ${rows} × ${cols}.`);
  });
}

// ---- interpolation: click A, then B ----

function clickCell(i, j) {
  const cell = { ...rowEnd(i), cs: state.colSeeds[j] };
  if (!pick) {
    pick = cell;
    markCells();
    setStatus(`A is identity ${i + 1}, observation ${j + 1}. Now click image B.`);
    return;
  }
  const a = pick;
  pick = null;
  run(async () => {
    state.a = a;
    state.b = cell;
    saveHash();
    markCells();
    await showInterpolation();
    setStatus("Interpolation: A top left, B bottom right, identities swapped in the other corners.");
  });
}

// clearInterpolation forgets A, B and a pending pick, and empties the interpolation panel.
function clearInterpolation() {
  run(async () => {
    pick = null;
    state.a = null;
    state.b = null;
    saveHash();
    markCells();
    $("interp").replaceChildren();
    $("interp-hint").replaceChildren(...interpHint.cloneNode(true).childNodes);
    setStatus("Interpolation cleared. Click image A, then image B, to interpolate.");
  });
}

// showInterpolation asks for A's and B's codes by their seeds (truncated as the grid's), then for the grid between
// them; a projected end keeps its own identity code.
async function showInterpolation() {
  const { a, b, steps } = state;
  const lat = await api("/api/sample", { identity_seeds: [a.rs ?? 0, b.rs ?? 0], observation_seeds: [a.cs, b.cs], ...psi() });
  const zi = [a, b].map((e, k) => (e.pr !== undefined ? state.proj[e.pr].zi : lat.zi[k]));
  const resp = await api("/api/interpolate", {
    a: { zi: zi[0], zo: lat.zo[0] },
    b: { zi: zi[1], zo: lat.zo[1] },
    steps,
  });
  const box = $("interp");
  box.replaceChildren();
  box.style.gridTemplateColumns = `repeat(${steps}, auto)`;
  const last = steps - 1;
  const labels = { [`0,0`]: ["A", "a"], [`${last},${last}`]: ["B", "b"], [`0,${last}`]: ["A id · B obs", "a"], [`${last},0`]: ["B id · A obs", "b"] };
  const done = [];
  for (let r = 0; r < steps; r++) {
    for (let c = 0; c < steps; c++) {
      const img = el("img", { alt: `interpolation row ${r + 1}, column ${c + 1}`, dataset: { testid: `interp-${r}-${c}`, row: r, col: c } });
      const fig = el("figure", {}, [img]);
      const label = labels[`${r},${c}`];
      if (label) fig.append(el("figcaption", { className: label[1], textContent: label[0] }));
      box.append(fig);
      done.push(setImage(img, resp.images[r * steps + c]));
    }
  }
  $("interp-hint").textContent = "Rows: identity from A to B. Columns: observation from A to B.";
  await Promise.all(done);
}

// ---- projection: images dropped on the page become a row ----

// prepareImage reads an image file and returns it as a base64 PNG, its centre square (as the data loader crops)
// scaled down to at most twice the model's resolution, so that uploads stay small; the server then resizes it
// exactly as the data loader does.
async function prepareImage(file) {
  let bmp;
  try {
    bmp = await createImageBitmap(file);
  } catch (_) {
    throw new Error(`${file.name}: not an image the browser can read (want PNG, JPEG or GIF)`);
  }
  const side = Math.min(bmp.width, bmp.height), out = Math.min(side, 2 * info.res);
  const c = document.createElement("canvas");
  c.width = c.height = out;
  const g = c.getContext("2d");
  g.imageSmoothingQuality = "high";
  g.drawImage(bmp, Math.floor((bmp.width - side) / 2), Math.floor((bmp.height - side) / 2), side, side, 0, 0, out, out);
  bmp.close();
  const blob = await new Promise((resolve) => c.toBlob(resolve, "image/png"));
  return bytesToB64(new Uint8Array(await blob.arrayBuffer()));
}

// streamProject posts the images to /api/project and reads its JSON lines, calling onStep with the progress,
// until the result (returned) or an error (thrown).
async function streamProject(images, onStep) {
  const res = await fetch("/api/project", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/x-ndjson" },
    body: JSON.stringify({ images }),
  });
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    try { msg = (await res.json()).error; } catch (_) { /* keep the status line */ }
    throw new Error(`/api/project: ${msg}`);
  }
  const reader = res.body.getReader(), dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buf += dec.decode(value, { stream: true });
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.error) throw new Error(`/api/project: ${msg.error}`);
      if (msg.result) return msg.result;
      if (msg.steps) onStep(msg.step, msg.steps);
    }
    if (done) throw new Error("/api/project: the answer ended before its result");
  }
}

// projectFiles projects the images of one identity and adds the identity as a row.
function projectFiles(fileList) {
  const files = [...fileList];
  if (!info.project) {
    setStatus("This model cannot project images: an AC-GAN's identities are the labels of its training data.", true);
    return;
  }
  const max = info.project.max_images;
  if (files.length < 1 || files.length > max) {
    setStatus(`Drop 1 to ${max} images of one identity; got ${files.length}.`, true);
    return;
  }
  if (state.proj.length >= MAX_PROJECTED) {
    setStatus(`At most ${MAX_PROJECTED} projected rows: remove one first.`, true);
    return;
  }
  run(async () => {
    const images = [];
    for (const f of files) images.push(await prepareImage(f));
    const bar = $("project-progress");
    bar.hidden = false;
    bar.max = info.project.steps;
    bar.value = 0;
    setStatus(`Projecting ${files.length} image${files.length > 1 ? "s" : ""}…`);
    let result;
    try {
      result = await streamProject(images, (step, steps) => {
        bar.max = steps;
        bar.value = step;
        setStatus(`Projecting: step ${step} of ${steps}.`);
      });
    } finally {
      bar.hidden = true;
    }
    const name = files.length === 1 ? files[0].name : `${files[0].name} and ${files.length - 1} more`;
    state.proj.push({ name, zi: result.zi });
    showProjection(result);
    saveHash();
    buildGrid();
    await fillGrid(range(nRows()), range(state.cols));
    setStatus(`Added ${name} as row P${state.proj.length}.`);
  });
}

// showProjection shows the inputs as the model sees them above their projections.
function showProjection(result) {
  const box = $("projection");
  box.replaceChildren();
  box.style.gridTemplateColumns = `repeat(${result.inputs.length}, auto)`;
  const done = [];
  const row = (label, list, kind) => {
    box.append(el("div", { className: "label", textContent: label }));
    list.forEach((b64, i) => {
      const img = el("img", { alt: `${kind} ${i + 1}`, dataset: { testid: `projection-${kind}-${i}` } });
      box.append(img);
      done.push(setImage(img, b64));
    });
  };
  row("Inputs, as the model sees them", result.inputs, "input");
  row("Their projections", result.projection, "output");
  return Promise.all(done);
}

// removeProjected removes projected row k (and an interpolation that used it).
function removeProjected(k) {
  run(async () => {
    const fix = (e) => (e && e.pr !== undefined ? (e.pr === k ? undefined : { ...e, pr: e.pr > k ? e.pr - 1 : e.pr }) : e);
    const name = state.proj[k].name;
    state.proj.splice(k, 1);
    const [a, b] = [fix(state.a), fix(state.b)];
    pick = fix(pick) || null;
    if (a === undefined || b === undefined) {
      state.a = state.b = null;
      $("interp").replaceChildren();
    } else {
      [state.a, state.b] = [a, b];
    }
    saveHash();
    buildGrid();
    await fillGrid(range(nRows()), range(state.cols));
    setStatus(`Removed ${name}.`);
  });
}

// ---- download, link, model facts ----

function download() {
  run(async () => {
    let body = { identity_seeds: state.rowSeeds, observation_seeds: state.colSeeds, padding: 2, ...psi() };
    if (state.proj.length) { // the codes themselves: the seeded rows' (truncated), then the projected ones
      const lat = await api("/api/sample", { identity_seeds: state.rowSeeds, observation_seeds: state.colSeeds, ...psi() });
      body = { zi: [...lat.zi, ...state.proj.map((r) => r.zi)], zo: lat.zo, padding: 2 };
    }
    const blob = await api("/api/grid", body, "image/png");
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: `sdgan-grid-${state.rows}x${state.cols}.png` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    setStatus("Grid downloaded.");
  });
}

async function copyLink() {
  try {
    await navigator.clipboard.writeText(location.href);
    setStatus("Link copied: it reloads this exact view.");
  } catch (_) {
    setStatus("The address bar holds this view's link.");
  }
}

function showInfo() {
  const dl = $("info");
  dl.replaceChildren();
  const rows = [
    ["Architecture", info.arch],
    ["Image", `${info.res} × ${info.res} × ${info.channels}`],
    ["d_I (identity)", info.d_i],
    ["d_O (observation)", info.d_o],
    ["k (tuple size)", info.k],
    ["Training steps", Number(info.step).toLocaleString("en")],
    ...Object.keys(info.facts).sort().map((k) => [k, info.facts[k]]),
  ];
  if (info.identities) rows.splice(1, 0, ["Identities", `${info.identities.count}: ${info.identities.note}`]);
  for (const [k, v] of rows) dl.append(el("dt", { textContent: k }), el("dd", {}, breakable(String(v))));
  if (info.res < 64) document.body.classList.add("pixelated");
}

// breakable returns text as nodes with a line-break opportunity (<wbr>) after each path separator, dot,
// underscore or hyphen, so that long file names wrap between their parts rather than mid-word.
function breakable(text) {
  const parts = text.split(/(?<=[\/\\._-])/);
  return parts.flatMap((p, i) => (i < parts.length - 1 ? [p, el("wbr")] : [p]));
}

function fillSelect(sel, choices, value) {
  sel.replaceChildren(...choices.map((n) => el("option", { value: String(n), textContent: String(n) })));
  sel.value = String(value);
}

// ---- truncation: ψ_I and ψ_O sliders ----

const PSI = { i: "psiI", o: "psiO" }; // slider suffix → state field

// showPsi sets the slider and its value label for state's ψ (k is "i" or "o").
function showPsi(k) {
  $(`psi-${k}`).value = String(state[PSI[k]]);
  $(`psi-${k}-value`).textContent = state[PSI[k]].toFixed(2);
}

// setPsi applies slider k's value: every code drawn from seeds is drawn again, truncated.
function setPsi(k) {
  run(async () => {
    state[PSI[k]] = Math.round(+$(`psi-${k}`).value * 100) / 100;
    showPsi(k);
    saveHash();
    await fillGrid(range(nRows()), range(state.cols));
    if (state.a && state.b) await showInterpolation();
    const part = k === "i" ? "identity codes z_I" : "observation codes z_O";
    setStatus(`ψ_${k.toUpperCase()} = ${state[PSI[k]]}: drawn ${part} scaled by it (projected identities never are).`);
  });
}

// render rebuilds the whole view from state.
async function render() {
  fillSelect($("rows"), range(MAX_SIDE).map((k) => k + 1), state.rows);
  fillSelect($("cols"), range(MAX_SIDE).map((k) => k + 1), state.cols);
  fillSelect($("steps"), STEP_CHOICES, state.steps);
  showPsi("i");
  showPsi("o");
  saveHash();
  buildGrid();
  await fillGrid(range(nRows()), range(state.cols));
  if (state.a && state.b) await showInterpolation();
  setStatus("Ready. Click image A, then image B, to interpolate.");
}

async function start() {
  const res = await fetch("/api/info");
  if (!res.ok) throw new Error(`/api/info: ${res.status} ${res.statusText}`);
  info = await res.json();
  showInfo();
  if (!canTruncateIdentities()) {
    $("psi-i").disabled = true;
    $("psi-i").closest("label").title = "An AC-GAN's identity codes are the learned codes of its training identities: they cannot be truncated, only ψ_O applies.";
  }
  if (info.project) {
    $("project-max").textContent = String(info.project.max_images);
  } else {
    $("project-hint").textContent = "This model cannot project images: an AC-GAN's identities are the labels of its training data.";
  }
  state = decodeHash(location.hash);
  if (!state) {
    state = freshState(4, 4);
    state.proj = (info.projected || []).slice(0, MAX_PROJECTED).map((r) => ({ name: r.name, zi: r.zi }));
  }
  await render();
}

document.addEventListener("DOMContentLoaded", () => {
  $("change-all").onclick = changeAll;
  $("download").onclick = download;
  $("copy-link").onclick = copyLink;
  $("clear-interp").onclick = clearInterpolation;
  $("project-files").onchange = (ev) => {
    projectFiles(ev.target.files);
    ev.target.value = "";
  };
  document.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", (ev) => {
    if (!ev.relatedTarget) document.body.classList.remove("dragging");
  });
  document.addEventListener("drop", (ev) => {
    ev.preventDefault();
    document.body.classList.remove("dragging");
    if (info && state) projectFiles(ev.dataTransfer.files);
  });
  interpHint = $("interp-hint").cloneNode(true);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && pick) {
      pick = null;
      markCells();
      setStatus("Pick cancelled. Click image A, then image B, to interpolate.");
    }
  });
  for (const k of Object.keys(PSI)) {
    $(`psi-${k}`).oninput = () => { $(`psi-${k}-value`).textContent = (+$(`psi-${k}`).value).toFixed(2); };
    $(`psi-${k}`).onchange = () => setPsi(k);
  }
  $("rows").onchange = resize;
  $("cols").onchange = resize;
  $("steps").onchange = () => run(async () => {
    state.steps = +$("steps").value;
    saveHash();
    if (state.a && state.b) await showInterpolation();
  });
  window.addEventListener("hashchange", () => {
    const st = decodeHash(location.hash);
    if (st) run(async () => { state = st; pick = null; await render(); });
  });
  run(start);
});
