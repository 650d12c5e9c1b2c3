// Talking to the server: the phone's key, the day pack, files by SHA-256, the sync.
// Every operation is sent with its client id until the server has answered it: a sync cut
// half-way is simply run again, and the server answers what it already applied from its
// record instead of applying it twice.
import * as store from "./store.js";

const API = "/api/v1/field/";
const BATCH = 50;

export class Refused extends Error {}   // the server refuses the phone itself (key revoked…)

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : document.body.dataset.csrf;
}

async function call(path, { method = "GET", body, key, raw } = {}) {
  const headers = { "Accept": "application/json" };
  if (key) headers["Authorization"] = "Field " + key;
  else headers["X-CSRFToken"] = csrfToken();
  if (raw) headers["Content-Type"] = "application/octet-stream";
  else if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, {
    method, headers, credentials: "same-origin",
    body: raw || (body !== undefined ? JSON.stringify(body) : undefined),
  });
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (response.status === 401 || response.status === 403) {
    throw new Refused((data && data.detail) || response.statusText);
  }
  if (!response.ok) {
    const detail = data && (data.detail || Object.values(data).flat().join("；"));
    throw new Error(detail || response.statusText);
  }
  return data;
}

// The phone's key: made once while signed in on the web, used for everything after.
export async function key() {
  const existing = await store.getMeta("session");
  if (existing && new Date(existing.expires_at) > new Date() && !existing.refused) {
    return existing.key;
  }
  const opened = await call("sessions/", { method: "POST",
                                          body: { device: navigator.userAgent.slice(0, 200) } });
  await store.setMeta("session", { key: opened.key, id: opened.id, user: opened.user,
                                   expires_at: opened.expires_at });
  return opened.key;
}

export async function downloadDay(date) {
  const pack = await call("day/?date=" + encodeURIComponent(date), { key: await key() });
  await store.put("packs", pack);
  await store.setMeta("day", pack.date);
  // Drafts nothing waits for any more give way to the server's values.
  const ops = await store.all("ops");
  const busy = new Set(ops.map((op) => op.inspection));
  for (const draft of await store.all("drafts")) {
    if (!busy.has(draft.id)) await store.remove("drafts", draft.id);
  }
  return pack;
}

async function sendFiles(sessionKey, ops, progress) {
  const hashes = [...new Set(ops.filter((op) => op.payload && op.payload.sha256)
                                 .map((op) => op.payload.sha256))];
  if (!hashes.length) return;
  const { have } = await call("uploads/have/", { method: "POST", body: { sha256: hashes },
                                                 key: sessionKey });
  const missing = hashes.filter((h) => !have.includes(h));
  let sent = 0;
  for (const hash of missing) {
    const row = await store.get("blobs", hash);
    if (!row) continue;  // already used on the server: its operation is answered from the record
    await call("uploads/" + hash + "/", { method: "PUT", raw: row.blob, key: sessionKey });
    sent += 1;
    progress({ files: sent, filesTotal: missing.length });
  }
}

// One round: the pending operations in order, at most one save per result (a second save of
// the same result waits for the first's answer, which gives the version it builds on).
async function round(sessionKey, progress) {
  const ops = await store.all("ops");
  const pending = ops.filter((op) => op.state === "pending").sort((a, b) => a.seq - b.seq);
  // A submission waits while a save of its result waits for the inspector's decision.
  const undecided = new Set(ops.filter((op) => op.state !== "pending"
                                         && op.kind === "result.save").map((op) => op.inspection));
  const batch = [];
  const saving = new Set();
  for (const op of pending) {
    if (op.kind === "result.submit" && undecided.has(op.inspection)) continue;
    if (op.kind === "result.save") {
      if (saving.has(op.inspection)) continue;
      saving.add(op.inspection);
    }
    batch.push(op);
    if (batch.length >= BATCH) break;
  }
  if (!batch.length) return 0;
  await sendFiles(sessionKey, batch, progress);
  // Marked sent before they go: from here an edit queues a new operation instead of
  // changing one the server may already have applied.
  await store.atomically(["ops"], (tx) => {
    for (const op of batch) { op.sent = true; tx.objectStore("ops").put(op); }
  });
  const { results } = await call("sync/", { method: "POST", key: sessionKey, body: {
    ops: batch.map(({ client_id, kind, inspection, base_version, payload }) =>
      ({ client_id, kind, inspection, base_version, payload })) } });
  let progressed = 0;
  const byId = new Map(results.map((answer) => [answer.client_id, answer]));
  for (const op of batch) {
    const answer = byId.get(op.client_id);
    if (!answer) continue;
    await settle(op, answer);
    if (answer.status !== "missing_file") progressed += 1;
  }
  progress({ ops: progressed });
  return progressed;
}

async function settle(op, answer) {
  if (answer.status === "applied") {
    const hash = op.payload && op.payload.sha256;
    const shared = hash && (await store.all("ops")).some((other) => other.seq !== op.seq
      && other.payload && other.payload.sha256 === hash);
    await store.atomically(["ops", "drafts", "blobs"], (tx) => {
      tx.objectStore("ops").delete(op.seq);
      // The file goes with its last operation (two may carry the same bytes).
      if (hash && !shared) tx.objectStore("blobs").delete(hash);
      if (op.kind === "result.save") {
        const drafts = tx.objectStore("drafts");
        const request = drafts.get(op.inspection);
        request.onsuccess = () => {
          const draft = request.result;
          if (draft) { draft.version = answer.version; drafts.put(draft); }
        };
        // Saves queued after this one were made on top of it.
        const ops = tx.objectStore("ops");
        const cursor = ops.openCursor();
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (!c) return;
          const later = c.value;
          if (later.kind === "result.save" && later.inspection === op.inspection
              && later.seq > op.seq && later.state === "pending") {
            later.base_version = answer.version;
            c.update(later);
          }
          c.continue();
        };
      }
    });
  } else if (answer.status === "missing_file") {
    op.sent = false;
    await store.put("ops", op);
  } else {  // conflict or refused: kept, shown, until the inspector decides
    op.state = answer.status;
    op.answer = answer;
    await store.put("ops", op);
  }
}

export async function sync(progress = () => {}) {
  const sessionKey = await key();
  for (let i = 0; i < 20; i += 1) {
    if (!(await round(sessionKey, progress))) break;
  }
}

// A conflict: keep the phone's values on top of the server's version, or take the server's.
export async function resolve(op, keepMine) {
  const server = op.answer.server;
  await store.atomically(["ops", "drafts"], (tx) => {
    tx.objectStore("ops").delete(op.seq);
    const drafts = tx.objectStore("drafts");
    const request = drafts.get(op.inspection);
    request.onsuccess = () => {
      const draft = request.result || { id: op.inspection };
      draft.version = server.version;
      if (keepMine) {
        tx.objectStore("ops").add(store.newOp("result.save", op.inspection, server.version,
                                              op.payload));
      } else {
        draft.values = server;
      }
      drafts.put(draft);
    };
  });
}

export async function dismiss(op) {
  await store.remove("ops", op.seq);
  const hash = op.payload && op.payload.sha256;
  if (hash && !(await store.all("ops")).some((other) => other.payload
                                              && other.payload.sha256 === hash)) {
    await store.remove("blobs", hash);
  }
}
