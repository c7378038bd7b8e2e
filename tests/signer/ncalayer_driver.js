// Drives kit/src/egov_kit/static/ncalayer.js under node (a WebSocket global) for test_ncalayer_js.py.
// Usage: node [--experimental-websocket] ncalayer_driver.js NCALAYER_JS URL SCENARIO [ARG]
// Prints one JSON object with what the scenario observed.
"use strict";

require(process.argv[2]);
const N = globalThis.NCALayer;
const url = process.argv[3];
const scenario = process.argv[4];
const arg = process.argv[5] || "";

function outcome(promise) {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, code: error.code, message: error.message })
  );
}

function fakeForm(fields) {
  const form = {
    elements: {},
    submitted: 0,
    attributes: {},
    errorBox: { textContent: "" },
    submit() {
      form.submitted += 1;
    },
    querySelector(selector) {
      return selector === "[data-ncalayer-error]" ? form.errorBox : null;
    },
    setAttribute(name, value) {
      form.attributes[name] = value;
    },
    removeAttribute(name) {
      delete form.attributes[name];
    },
  };
  for (const [name, value] of Object.entries(fields)) form.elements[name] = { value };
  return form;
}

const scenarios = {
  // getActiveTokens, queued signXml calls (one bad), signForm, reconnect after close().
  async ok() {
    await N.connect(url);
    const tokens = await N.getActiveTokens();
    const calls = [
      outcome(N.signXml(`<a><iin>${arg}</iin></a>`)),
      outcome(N.signXml("<broken")),
      outcome(N.signXml("<b>без ИИН</b>", "PKCS12")),
    ];
    const [first, broken, third] = await Promise.all(calls);
    const form = fakeForm({ xml: `<application><recipientIin>${arg}</recipientIin></application>`, signedXml: "" });
    const formResult = await outcome(N.signForm(form, "xml", "signedXml"));
    const badForm = fakeForm({ signedXml: "" });
    const badFormResult = await outcome(N.signForm(badForm, "xml", "signedXml"));
    N.close();
    const afterClose = await outcome(N.getActiveTokens());
    N.close();
    return {
      version: N.version,
      tokens,
      first,
      broken,
      third,
      form: { result: formResult, signed: form.elements.signedXml.value, submitted: form.submitted, busy: form.attributes["aria-busy"] || null },
      badForm: { result: badFormResult, error: badForm.errorBox.textContent, submitted: badForm.submitted },
      afterClose,
    };
  },
  // Nothing listens at URL.
  async notRunning() {
    const connecting = await outcome(N.connect(url));
    const call = await outcome(N.getActiveTokens());
    return { connecting, call };
  },
  // The server accepts and never answers.
  async timeout() {
    N.timeoutMs = 300;
    const started = Date.now();
    const call = await outcome(N.getActiveTokens());
    return { call, elapsed: Date.now() - started };
  },
  // The server closes the connection (origin refused).
  async refused() {
    const call = await outcome(N.signXml("<a/>"));
    N.close();
    return { call };
  },
};

(async () => {
  if (url !== "-") await outcome(N.connect(url)); // connect() sets the URL later calls use
  const result = await scenarios[scenario]();
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
})().catch((error) => {
  process.stdout.write(JSON.stringify({ crash: String(error && error.stack) }));
  process.exit(1);
});
