// The inspector's field app: download a day's visits while online, inspect with no network
// (checklist, findings, photos, signatures, refusal or absence), sync when back in signal.
// Every change is written to the phone (store.js) before the screen confirms it.
import * as store from "./store.js";
import * as net from "./sync.js";
import { createPad } from "./pad.js";

const T = JSON.parse(document.getElementById("field-text").textContent);
const root = document.getElementById("app");
const status = document.getElementById("net");
const body = document.body.dataset;
let pack = null;
let syncing = false;

// -- Helpers ---------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function label(list, value) {
  const found = (pack.vocabulary[list] || []).find((c) => c.value === value);
  return found ? found.label : value;
}

function today() {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function say(message, kind = "info") {
  const box = document.getElementById("message");
  box.textContent = message;
  box.className = "fmsg fmsg-" + kind;
  box.hidden = !message;
}

function showNet() {
  status.textContent = navigator.onLine ? T.online : T.offline;
  status.className = "net " + (navigator.onLine ? "net-on" : "net-off");
}

function resultOf(id) {
  for (const visit of pack.visits) {
    for (const result of visit.results) if (result.id === id) return [visit, result];
  }
  return [null, null];
}

// The values shown for a result: the phone's draft if there is one, else the server's.
async function values(result) {
  const draft = await store.get("drafts", result.id);
  return draft ? draft.values : result;
}

// -- Home: the day, the visits, the queue ----------------------------------------------------

async function home() {
  const ops = await store.all("ops");
  const session = await store.getMeta("session");
  const day = pack ? pack.date : today();
  const dateInput = h("input", { type: "date", name: "day", value: day });
  const pending = ops.filter((op) => op.state === "pending");
  const problems = ops.filter((op) => op.state !== "pending");
  root.replaceChildren(
    h("section", { class: "fcard" },
      h("h2", {}, T.download_title),
      h("div", { class: "frow" }, dateInput,
        h("button", { type: "button", class: "fbtn", "data-action": "download",
                      onclick: () => download(dateInput.value) }, T.download)),
      pack && pack.dates.length ? h("p", { class: "fhint" }, T.dates_with_visits,
        pack.dates.map((d) => h("button", { type: "button", class: "fchip",
                                            onclick: () => download(d) }, d))) : null,
      pack ? h("p", { class: "fhint" }, T.downloaded_at, " ",
               new Date(pack.generated_at).toLocaleString("zh-CN"),
               session ? " · " + (pack.user.name || "") : "") : null),
    h("section", { class: "fcard", id: "queue" },
      h("h2", {}, T.sync_title),
      h("p", { "data-pending": pending.length }, T.pending.replace("{n}", pending.length)),
      h("button", { type: "button", class: "fbtn", "data-action": "sync",
                    onclick: () => syncNow() }, T.sync),
      problems.map(problem)),
    h("section", {},
      h("h2", {}, pack ? T.visits_of.replace("{day}", pack.date) : T.no_pack),
      pack && !pack.visits.length ? h("p", {}, T.no_visits) : null,
      (pack ? pack.visits : []).map((visit) =>
        h("a", { class: "fcard fvisit", href: "#visit-" + visit.id,
                 "data-visit": visit.id },
          h("strong", {}, visit.target.name),
          h("span", {}, visit.target.address),
          h("span", { class: "fhint" }, visit.task.code, " · ",
            visit.results.map((r) => r.department_name + "：" + r.state_label).join("；"))))),
  );
}

function problem(op) {
  const answer = op.answer || {};
  const [, result] = pack ? resultOf(op.inspection) : [null, null];
  const what = result ? result.department_name : "#" + op.inspection;
  if (op.state === "conflict") {
    const server = answer.server || {};
    return h("div", { class: "fconflict", "data-conflict": op.inspection },
      h("p", {}, h("strong", {}, T.conflict, "（", what, "）"), " ", answer.detail || ""),
      h("div", { class: "fcompare" },
        h("div", {}, h("h3", {}, T.theirs), summary(server)),
        h("div", {}, h("h3", {}, T.mine), summary(op.payload))),
      h("div", { class: "frow" },
        h("button", { type: "button", class: "fbtn", "data-action": "keep-mine",
                      onclick: async () => { await net.resolve(op, true); await home(); } },
          T.keep_mine),
        h("button", { type: "button", class: "fbtn fbtn-quiet", "data-action": "take-theirs",
                      onclick: async () => { await net.resolve(op, false); await home(); } },
          T.take_theirs)));
  }
  return h("div", { class: "frefused", "data-refused": op.inspection },
    h("p", {}, h("strong", {}, T.refused, "（", what, "）"), " ", answer.detail || ""),
    h("button", { type: "button", class: "fbtn fbtn-quiet", "data-action": "dismiss",
                  onclick: async () => { await net.dismiss(op); await home(); } }, T.dismiss));
}

function summary(v) {
  if (!pack || !v) return h("p", {}, "—");
  const outcomes = (v.findings || []).map((f) => label("outcomes", f.outcome) || "—");
  return h("ul", { class: "fsummary" },
    h("li", {}, T.inspected_on, "：", v.inspected_on || "—"),
    h("li", {}, T.categories, "：", (v.categories || []).map((c) => label("categories", c))
      .join("、") || "—"),
    v.conduct ? h("li", {}, label("conduct", v.conduct)) : null,
    h("li", {}, T.findings, "：", outcomes.join("、")),
    v.summary ? h("li", {}, v.summary) : null,
    v.entered_by ? h("li", { class: "fhint" }, T.entered_by, "：", v.entered_by) : null);
}

// -- A visit -----------------------------------------------------------------------------------

async function visitPage(id) {
  const visit = pack && pack.visits.find((v) => v.id === id);
  if (!visit) { location.hash = ""; return home(); }
  const t = visit.target;
  const parts = [
    h("p", {}, h("a", { href: "#", class: "fback" }, "‹ ", T.back)),
    h("section", { class: "fcard" },
      h("h2", {}, t.name),
      h("p", {}, t.address), h("p", { class: "fhint" }, t.uscc, " · ", visit.task.code, " ",
                                 visit.task.name),
      t.contacts.length ? h("ul", { class: "fcontacts" }, t.contacts.map((c) =>
        h("li", {}, c.name, c.position ? "（" + c.position + "）" : "", " ",
          c.phone ? h("a", { href: "tel:" + c.phone }, c.phone) : ""))) : null,
      visit.materials ? h("p", {}, T.materials, "：", visit.materials) : null,
      visit.last_results.length ? h("details", {}, h("summary", {}, T.last_results),
        h("ul", {}, visit.last_results.map((r) => h("li", {}, r.inspected_on || "", " ",
          r.department, "：", r.result, r.conduct ? "（" + r.conduct + "）" : "")))) : null),
  ];
  for (const result of visit.results) parts.push(await resultCard(visit, result));
  root.replaceChildren(...parts);
}

async function resultCard(visit, result) {
  const v = await values(result);
  const card = h("section", { class: "fcard fresult", "data-result": result.id });
  card.append(h("h2", {}, result.department_name, " ",
                h("span", { class: "fbadge" }, result.state_label)));
  card.append(h("p", { class: "fhint" }, T.group, "：",
                result.group.map((m) => m.name).join("、")));
  if (!result.editable) {
    card.append(h("p", { class: "fhint" }, T.read_only), summary(v), checklist(result, v, true));
    return card;
  }
  const form = h("form", { class: "fform", onsubmit: (e) => { e.preventDefault(); } });
  form.append(
    h("label", {}, T.inspected_on, h("input", { type: "date", name: "inspected_on",
                                                value: v.inspected_on || visit.agreed_date || today() })),
    h("fieldset", {}, h("legend", {}, T.methods), pack.vocabulary.methods.map((m) =>
      h("label", { class: "fcheck" }, h("input", { type: "checkbox", name: "methods",
        value: m.value, checked: (v.methods || []).includes(m.value) }), m.label))),
    checklist(result, v, false),
    h("fieldset", {}, h("legend", {}, T.categories), pack.vocabulary.categories.map((c) =>
      h("label", { class: "fcheck" }, h("input", { type: "checkbox", name: "categories",
        value: c.value, checked: (v.categories || []).includes(c.value) }), c.label))),
    h("label", {}, T.conduct, h("select", { name: "conduct" }, pack.vocabulary.conduct.map((c) =>
      h("option", { value: c.value, selected: v.conduct === c.value }, c.label)))),
    h("label", {}, T.summary, h("textarea", { name: "summary", rows: 3 }, v.summary || "")),
    h("div", { class: "frow" },
      h("button", { type: "button", class: "fbtn fbtn-quiet", "data-action": "refused",
                    onclick: () => mark(form, "refused") }, T.mark_refused),
      h("button", { type: "button", class: "fbtn fbtn-quiet", "data-action": "absent",
                    onclick: () => mark(form, "unreachable") }, T.mark_absent)),
    h("button", { type: "button", class: "fbtn", "data-action": "save",
                  onclick: () => save(result, form) }, T.save));
  card.append(form, await photos(result), await signatures(result),
              h("button", { type: "button", class: "fbtn fbtn-quiet", "data-action": "submit",
                            onclick: () => submit(result) }, T.submit));
  return card;
}

function checklist(result, v, readOnly) {
  const lines = new Map((v.findings || []).map((f) => [f.item, f]));
  return h("fieldset", { class: "fchecklist" }, h("legend", {}, T.checklist),
    result.findings.map((item) => {
      const line = lines.get(item.item) || {};
      return h("div", { class: "fitem", "data-item": item.item },
        h("p", {}, h("strong", {}, item.code), " ", item.matter, item.key ? " ★" : ""),
        h("details", {}, h("summary", {}, T.content_basis),
          h("p", {}, item.content), h("p", { class: "fhint" }, T.basis, "：", item.basis)),
        readOnly ? h("p", {}, label("outcomes", line.outcome) || "—") :
          h("div", { class: "frow" }, pack.vocabulary.outcomes.map((o) =>
            h("label", { class: "fradio" }, h("input", { type: "radio",
              name: "outcome-" + item.item, value: o.value, checked: line.outcome === o.value }),
              o.label))),
        readOnly ? (line.note ? h("p", {}, line.note) : null) :
          h("input", { type: "text", name: "note-" + item.item, value: line.note || "",
                       placeholder: T.note }));
    }));
}

function mark(form, what) {
  // 拒绝检查: the conduct and the category; 无法联系: the category alone.
  if (what === "refused") form.elements.conduct.value = "refused";
  for (const box of form.querySelectorAll("input[name=categories]")) {
    if (box.value === what) box.checked = true;
    if (box.value === "no_problem") box.checked = false;
  }
  say(what === "refused" ? T.marked_refused : T.marked_absent);
}

function formValues(result, form) {
  const checked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)]
    .map((b) => b.value);
  return {
    inspected_on: form.elements.inspected_on.value || null,
    methods: checked("methods"), categories: checked("categories"),
    conduct: form.elements.conduct.value, summary: form.elements.summary.value,
    violation_categories: [],
    findings: result.findings.map((f) => {
      const chosen = form.querySelector(`input[name="outcome-${f.item}"]:checked`);
      return { item: f.item, outcome: chosen ? chosen.value : "",
               note: form.querySelector(`input[name="note-${f.item}"]`).value };
    }),
  };
}

async function save(result, form) {
  const payload = formValues(result, form);
  const draft = (await store.get("drafts", result.id)) || { id: result.id,
                                                            version: result.version };
  draft.values = { ...payload, version: draft.version };
  await store.queueSave(draft, payload);
  say(T.saved_locally, "ok");
}

async function submit(result) {
  await store.put("ops", store.newOp("result.submit", result.id, null, {}));
  say(T.submit_queued, "ok");
}

// -- Photos --------------------------------------------------------------------------------------

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition((p) => resolve(p.coords), () => resolve(null),
                                             { timeout: 5000, maximumAge: 60000 });
  });
}

async function photos(result) {
  const ops = (await store.all("ops")).filter((op) => op.kind === "result.evidence"
                                                       && op.inspection === result.id);
  const list = h("div", { class: "fphotos" });
  for (const e of result.evidence) {
    list.append(h("span", { class: "fphoto fphoto-server", title: e.sha256 }, "✓ ", e.name));
  }
  for (const op of ops) {
    const row = await store.get("blobs", op.payload.sha256);
    const picture = row && op.payload.kind === "photo";
    list.append(h("figure", { class: "fphoto", "data-sha256": op.payload.sha256,
                              "data-kind": op.payload.kind },
      picture ? h("img", { src: URL.createObjectURL(row.blob), alt: op.payload.name })
        : h("span", { class: "frecording" }, "🎙 ", op.payload.name),
      h("figcaption", {}, op.payload.sha256.slice(0, 12), "… ",
        new Date(op.payload.captured_at).toLocaleString("zh-CN"),
        op.payload.latitude !== null ? " · " + T.located : "")));
  }
  const input = h("input", { type: "file", accept: "image/*", capture: "environment",
                             name: "photo", onchange: async () => {
    for (const file of input.files) await addPhoto(result, file);
    input.value = "";
    await visitPage(currentVisit());
  } });
  const recorder = h("input", { type: "file", accept: "audio/*,video/*", capture: "user",
                                name: "recording", onchange: async () => {
    for (const file of recorder.files) await addPhoto(result, file);
    recorder.value = "";
    await visitPage(currentVisit());
  } });
  return h("fieldset", { class: "fevidence" }, h("legend", {}, T.photos),
           h("div", { class: "frow" },
             h("label", { class: "fbtn fbtn-file" }, T.take_photo, input),
             h("label", { class: "fbtn fbtn-file fbtn-quiet" }, T.record, recorder)), list);
}

// The extension the server expects for what the phone's camera or recorder made.
const EXTENSIONS = { "image/png": "png", "image/jpeg": "jpg", "audio/mp4": "m4a",
                     "video/mp4": "mp4", "audio/x-m4a": "m4a", "video/3gpp": "3gp",
                     "audio/webm": "webm", "video/webm": "webm", "audio/ogg": "ogg" };

async function addPhoto(result, file) {
  const kind = file.type.startsWith("image/") ? "photo" : "recording";
  const type = EXTENSIONS[file.type] || (kind === "photo" ? "jpg" : "mp4");
  const sha256 = await store.sha256(file);
  const coords = await position();
  const capturedAt = new Date().toISOString();
  const name = kind + "-" + capturedAt.replace(/[^0-9]/g, "").slice(0, 14) + "." + type;
  await store.queueFile("result.evidence", result.id,
    { sha256, blob: file, type: file.type, name },
    { sha256, name, kind, description: "", captured_at: capturedAt,
      latitude: coords ? Number(coords.latitude.toFixed(6)) : null,
      longitude: coords ? Number(coords.longitude.toFixed(6)) : null,
      accuracy_m: coords ? Math.round(coords.accuracy) : null });
  say(T.photo_kept.replace("{hash}", sha256.slice(0, 12)), "ok");
}

// -- Signatures ----------------------------------------------------------------------------------

async function signatures(result) {
  const ops = (await store.all("ops")).filter((op) => op.kind === "result.signature"
                                                       && op.inspection === result.id);
  const done = [...result.signatures.map((s) => ({ ...s, synced: true })),
                ...ops.map((op) => ({ ...op.payload, synced: false }))];
  const role = h("select", { name: "role" }, pack.vocabulary.signers.filter((s) =>
    s.value !== "seal").map((s) => h("option", { value: s.value }, s.label)));
  const inspector = h("select", { name: "inspector" }, result.group.map((m) =>
    h("option", { value: m.inspector }, m.name)));
  const name = h("input", { type: "text", name: "name", placeholder: T.signer_name });
  const canvas = h("canvas", { width: 600, height: 220, class: "fpad" });
  const pad = createPad(canvas);
  const fit = () => {
    inspector.hidden = role.value !== "inspector";
    name.hidden = role.value === "inspector";
  };
  role.addEventListener("change", fit);
  fit();
  return h("fieldset", { class: "fsign" }, h("legend", {}, T.signatures),
    h("ul", {}, done.map((s) => h("li", { "data-signed": s.role }, label("signers", s.role),
      "：", s.name || (result.group.find((m) => m.inspector === s.inspector) || {}).name || "",
      s.synced ? " ✓" : " · " + T.not_synced))),
    h("div", { class: "frow" }, role, inspector, name), canvas,
    h("div", { class: "frow" },
      h("button", { type: "button", class: "fbtn fbtn-quiet", onclick: () => pad.clear() },
        T.clear),
      h("button", { type: "button", class: "fbtn", "data-action": "sign", onclick: async () => {
        if (pad.isEmpty()) { say(T.sign_first, "error"); return; }
        if (role.value !== "inspector" && !name.value.trim()) { say(T.name_first, "error"); return; }
        const blob = await pad.toBlob();
        const sha256 = await store.sha256(blob);
        const member = result.group.find((m) => String(m.inspector) === inspector.value);
        await store.queueFile("result.signature", result.id,
          { sha256, blob, type: "image/png", name: "signature.png" },
          { sha256, role: role.value,
            name: role.value === "inspector" ? (member ? member.name : "") : name.value.trim(),
            inspector: role.value === "inspector" ? Number(inspector.value) : null });
        say(T.signature_kept, "ok");
        await visitPage(currentVisit());
      } }, T.keep_signature)));
}

// -- Network actions -----------------------------------------------------------------------------

async function guard(fn) {
  try {
    await fn();
  } catch (error) {
    if (error instanceof net.Refused) {
      const session = await store.getMeta("session");
      if (session) { session.refused = true; await store.setMeta("session", session); }
      say(T.refused_phone.replace("{reason}", error.message), "error");
      document.getElementById("signin").hidden = false;
    } else {
      say(navigator.onLine ? T.failed.replace("{reason}", error.message) : T.offline_now,
          "error");
    }
    return false;
  }
  return true;
}

async function download(day) {
  say(T.downloading);
  if (await guard(async () => { pack = await net.downloadDay(day); })) {
    say(T.downloaded.replace("{n}", pack.visits.length), "ok");
  }
  await render();
}

async function syncNow() {
  if (syncing) return;
  syncing = true;
  say(T.syncing);
  try {
    const ok = await guard(() => net.sync((p) => {
      if (p.filesTotal) say(T.sending_files.replace("{n}", p.files).replace("{total}", p.filesTotal));
    }));
    if (ok) {
      const left = await store.all("ops");
      if (pack) await guard(async () => { pack = await net.downloadDay(pack.date); });
      say(left.length ? T.synced_with_problems.replace("{n}", left.length) : T.synced,
          left.length ? "error" : "ok");
    }
  } finally {
    syncing = false;
    await render();
  }
}

// -- Start ---------------------------------------------------------------------------------------

function currentVisit() {
  const match = location.hash.match(/^#visit-(\d+)$/);
  return match ? Number(match[1]) : null;
}

async function render() {
  const id = currentVisit();
  const scrolled = window.scrollY;
  if (id) await visitPage(id); else await home();
  window.scrollTo(0, scrolled);
  root.dataset.ready = "1";
}

// Another user signed in on this phone: what the previous one left is sent with their own
// key (their changes stay theirs), then the phone forgets them. Changes that cannot be sent
// (no network, a conflict to decide) stop the app until the previous user deals with them.
async function handOver() {
  const session = await store.getMeta("session");
  if (!session || !body.user || String(session.user) === body.user) return true;
  if ((await store.all("ops")).length && navigator.onLine) {
    try { await net.sync(); } catch (error) { /* reported below: the changes are still here */ }
  }
  const left = await store.all("ops");
  if (left.length) {
    say(T.other_user.replace("{n}", left.length), "error");
    root.replaceChildren();
    root.dataset.ready = "1";
    return false;
  }
  await store.clearAll();
  return true;
}

async function start() {
  showNet();
  window.addEventListener("online", () => { showNet(); syncNow(); });
  window.addEventListener("offline", showNet);
  window.addEventListener("hashchange", () => { window.scrollTo(0, 0); render(); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.worker, { scope: body.scope })
      .catch((e) => say(T.no_offline.replace("{reason}", e.message), "error"));
  }
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
  if (!(await handOver())) return;
  const day = await store.getMeta("day");
  pack = day ? await store.get("packs", day) : null;
  await render();
}

start();
