// The hotline panel: messages to and from this party with their acknowledgement state, and
// composing from the standard phrases. Messages and acknowledgements are signed in the page
// with the party's Ed25519 key (signing.js); the server renders each message in the
// reader's language.

import { ApiError, api, optional } from "./api.js";
import { language, t, utc } from "./i18n.js";
import { hasKey, loadKeyFile, publicKey, sign, supported } from "./signing.js";

const $ = (sel) => document.querySelector(sel);
const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const CHOICES = {
  direction: ["left", "right"],
  reason: ["traffic", "weather", "terrain", "restricted_airspace", "operational", "technical"],
};
const TIMES = new Set(["time", "start_time", "end_time", "until_time"]);
const INTEGERS = new Set(["flight_level"]);

export class Hotline {
  constructor({ me, parties, conflicts, partyName, h }) {
    Object.assign(this, { me, parties, conflicts, partyName, h });
    this.templates = [];
    this.messages = new Map();
    this.reloading = null;
  }

  /** Ask for templates and messages (start it early; `start` waits for it). */
  load() {
    this.loading = Promise.all([optional("/v1/templates"), optional("/v1/messages")]);
    return this.loading;
  }

  /** Show the panel; false when this server has no hotline yet (404). */
  async start() {
    const [templates, messages] = await (this.loading ?? this.load());
    if (templates === null || messages === null) return false;
    this.templates = templates;
    for (const m of messages) this.messages.set(m.id, m);
    $("#key-file").addEventListener("change", (e) => this.loadKey(e.target.files[0]));
    $("#compose-template").addEventListener("change", () => this.renderParams());
    $("#compose").addEventListener("submit", (e) => { e.preventDefault(); this.send(); });
    this.render();
    return true;
  }

  async loadKey(file) {
    const status = $("#key-status");
    if (!file) return;
    if (!(await supported())) { status.textContent = t("no_ed25519"); return; }
    try {
      await loadKeyFile(await file.text());
      status.textContent = `${t("key_loaded")} ${publicKey()}`;
      status.dataset.loaded = "true";
    } catch {
      status.textContent = t("key_bad");
      delete status.dataset.loaded;
    }
    $("#key-file").value = "";
  }

  /** A `message.*` event: read the list again so each text is in this party's language. */
  changed() {
    if (this.reloading) return;
    this.reloading = api("/v1/messages").then((list) => {
      for (const m of list) this.messages.set(m.id, m);
      this.renderMessages();
    }).catch(() => {}).finally(() => { this.reloading = null; });
  }

  render() {
    const h = this.h;
    const to = $("#compose-to");
    const chosenTo = to.value;
    to.replaceChildren(...[...this.parties.values()].filter((p) => p.id !== this.me.id)
      .map((p) => h("option", { value: p.id }, p.name)));
    if (chosenTo) to.value = chosenTo;
    const sel = $("#compose-template");
    const chosen = sel.value;
    sel.replaceChildren(...this.templates.map((tp) => h("option", { value: tp.id }, `${tp.id} — ${this.textOf(tp).slice(0, 60)}`)));
    if (chosen) sel.value = chosen;
    const conflict = $("#compose-conflict");
    const chosenConflict = conflict.value;
    conflict.replaceChildren(h("option", { value: "" }, t("none")),
      ...this.conflicts().map((c) => h("option", { value: c.id }, `${c.kind} ${c.subjects.map((s) => s.id).join(" / ")}`)));
    conflict.value = chosenConflict;
    this.renderParams();
    this.renderMessages();
  }

  textOf(tp) {
    return tp.text[language()] ?? tp.text.en;
  }

  renderParams() {
    const h = this.h;
    const tp = this.templates.find((x) => x.id === $("#compose-template").value);
    $("#compose-preview").textContent = tp ? this.textOf(tp) : "";
    $("#compose-preview").dir = "auto";
    const box = $("#compose-params");
    const old = Object.fromEntries([...box.querySelectorAll("[name]")].map((el) => [el.name, el.value]));
    box.replaceChildren(...(tp ? tp.params : []).map((name) => {
      let input;
      if (CHOICES[name]) {
        input = h("select", { name }, CHOICES[name].map((v) => h("option", { value: v }, v)));
      } else if (TIMES.has(name)) {
        input = h("input", { name, type: "text", dir: "ltr", value: rfc3339(Date.now()), pattern: "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d)?Z" });
      } else {
        input = h("input", { name, type: "number", step: INTEGERS.has(name) ? "1" : "any", dir: "ltr", required: true });
      }
      if (old[name] !== undefined) input.value = old[name];
      return h("label", {}, h("span", {}, name), input);
    }));
  }

  paramsFromForm(tp) {
    const params = {};
    for (const name of tp.params) {
      const el = $(`#compose-params [name="${name}"]`);
      params[name] = CHOICES[name] || TIMES.has(name) ? el.value : Number(el.value);
    }
    return params;
  }

  async send() {
    const error = $("#compose-error");
    error.textContent = "";
    if (!hasKey()) { error.textContent = t("need_key"); return; }
    const tp = this.templates.find((x) => x.id === $("#compose-template").value);
    const body = {
      id: crypto.randomUUID(),
      to: $("#compose-to").value,
      sent_at: rfc3339(Date.now()),
      template: tp.id,
      params: this.paramsFromForm(tp),
    };
    const conflictId = $("#compose-conflict").value;
    if (conflictId) body.conflict_id = conflictId;
    try {
      const signature = await sign(body);
      const stored = await api("/v1/messages", { method: "POST", body: { ...body, signature } });
      this.messages.set(stored.id, stored);
      this.renderMessages();
    } catch (err) {
      error.textContent = err instanceof ApiError && err.field ? `${err.field}: ${err.message}` : err.message;
    }
  }

  async acknowledge(m) {
    const error = $("#compose-error");
    if (!hasKey()) { error.textContent = t("need_key"); return; }
    try {
      const signature = await sign({ type: "ack", message_id: m.id });
      const stored = await api(`/v1/messages/${encodeURIComponent(m.id)}/acknowledge`, { method: "POST", body: { signature } });
      this.messages.set(m.id, { ...m, ...stored });
      this.renderMessages();
    } catch (err) {
      error.textContent = err.message;
    }
  }

  renderMessages() {
    const h = this.h;
    const list = [...this.messages.values()].sort((a, b) => Date.parse(b.sent_at) - Date.parse(a.sent_at));
    $("#message-list").replaceChildren(...list.map((m) => {
      const from = m.from ?? m.sender ?? m.from_party;
      const incoming = from !== this.me.id;
      const acked = Boolean(m.acknowledged_at);
      return h("li", { class: `message ${incoming ? "in" : "out"} ${acked ? "acked" : "unacked"}`, dataset: { id: m.id } },
        h("div", { class: "title" },
          h("span", { class: "badge" }, incoming ? `${t("received")} · ${t("from")} ${this.partyName(from)}` : `${t("sent")} → ${this.partyName(m.to)}`),
          h("span", { class: "muted" }, ` ${utc(Date.parse(m.sent_at), { seconds: true })}`)),
        h("p", { class: "text", dir: "auto" }, m.rendered ?? m.text ?? m.template),
        h("div", { class: "ackstate" }, acked ? `✓ ${t("ack_at")} ${utc(Date.parse(m.acknowledged_at), { seconds: true })}` : t("unacked"),
          m.overdue_at && !acked ? h("span", { class: "badge late" }, t("overdue")) : null),
        incoming && !acked ? h("button", { type: "button", class: "ack", onclick: () => this.acknowledge(m) }, t("acknowledge_msg")) : null);
    }));
    const unacked = list.filter((m) => (m.from ?? m.sender ?? m.from_party) !== this.me.id && !m.acknowledged_at).length;
    $("#n-messages").textContent = String(unacked);
  }
}
