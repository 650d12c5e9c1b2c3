// The phone's storage (IndexedDB): the day packs, the results as edited here, the queue of
// operations waiting for the network, and the photos and signatures they carry. Every write
// is a transaction that completes before the app goes on, so closing the phone mid-way loses
// nothing that was confirmed on the screen.
const DB_NAME = "shuangsuiji-field";
const STORES = {
  meta: { keyPath: "key" },            // the phone's key, the last day downloaded
  packs: { keyPath: "date" },          // day packs as the server sent them
  drafts: { keyPath: "id" },           // a result as edited here: values and the version it is based on
  ops: { keyPath: "seq", autoIncrement: true },  // the queue, in the order the changes were made
  blobs: { keyPath: "sha256" },        // photos and signatures not yet on the server
};

let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        for (const [name, options] of Object.entries(STORES)) {
          if (!request.result.objectStoreNames.contains(name)) {
            request.result.createObjectStore(name, options);
          }
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("aborted"));
  });
}

function result(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function get(store, key) {
  const db = await open();
  return result(db.transaction(store).objectStore(store).get(key));
}

export async function all(store) {
  const db = await open();
  return result(db.transaction(store).objectStore(store).getAll());
}

export async function put(store, value) {
  const db = await open();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).put(value);
  await done(tx);
}

export async function remove(store, key) {
  const db = await open();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).delete(key);
  await done(tx);
}

// Several writes that stand or fall together: fn(tx) queues them.
export async function atomically(stores, fn) {
  const db = await open();
  const tx = db.transaction(stores, "readwrite");
  const value = fn(tx);
  await done(tx);
  return value;
}

export async function getMeta(key) {
  const row = await get("meta", key);
  return row ? row.value : undefined;
}

export function setMeta(key, value) {
  return put("meta", { key, value });
}

// Queue a save of a result's values: an edit not yet sent replaces the queued one (each save
// carries the whole result), an edit after a sent one waits behind it. The draft and the
// queue change in one transaction.
export function queueSave(draft, payload) {
  return atomically(["drafts", "ops"], (tx) => {
    tx.objectStore("drafts").put(draft);
    const ops = tx.objectStore("ops");
    const cursor = ops.openCursor();
    let replaced = false;
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (c) {
        const op = c.value;
        if (op.kind === "result.save" && op.inspection === draft.id && op.state === "pending"
            && !op.sent) {
          op.payload = payload;
          c.update(op);
          replaced = true;
        }
        c.continue();
      } else if (!replaced) {
        ops.add(newOp("result.save", draft.id, draft.version, payload));
      }
    };
  });
}

export function newOp(kind, inspection, baseVersion, payload) {
  return { client_id: crypto.randomUUID(), kind, inspection, base_version: baseVersion,
           payload, state: "pending", sent: false, created_at: new Date().toISOString() };
}

// A photo or a signature and the operation that sends it, together.
export function queueFile(kind, inspection, blobRow, payload) {
  return atomically(["blobs", "ops"], (tx) => {
    tx.objectStore("blobs").put(blobRow);
    tx.objectStore("ops").add(newOp(kind, inspection, null, payload));
  });
}

export async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Everything on the phone forgotten: another user signs in on it.
export function clearAll() {
  return atomically(Object.keys(STORES), (tx) => {
    for (const name of Object.keys(STORES)) tx.objectStore(name).clear();
  });
}
