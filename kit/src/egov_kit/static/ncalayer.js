/*
 * ncalayer.js — sign XML in the browser through NCALayer (НУЦ РК) or the sandbox's `egov signer`.
 *
 * No dependencies; load it with <script src=".../ncalayer.js"></script> and use window.NCALayer:
 *   NCALayer.connect(url?)            → Promise   (optional: calls connect on demand; the default URL
 *                                                  ws://127.0.0.1:13579/ falls back to wss://)
 *   NCALayer.getActiveTokens()        → Promise<string[]>
 *   NCALayer.signXml(xml, storage?)   → Promise<string>  (storage defaults to "PKCS12")
 *   NCALayer.signForm(form, xmlFieldName, signedFieldName) → Promise<string>: signs the unsigned XML
 *       of one hidden field, puts the signed XML in another and submits the form:
 *     <form id="sign" method="post">
 *       <input type="hidden" name="xml" value="&lt;application…&gt;">
 *       <input type="hidden" name="signedXml">
 *       <p data-ncalayer-error></p>            (failures are shown here, in Russian and Kazakh)
 *       <button>Подписать / Қол қою</button>
 *     </form>
 *     <script>
 *       document.getElementById("sign").addEventListener("submit", function (event) {
 *         event.preventDefault();
 *         NCALayer.signForm(this, "xml", "signedXml").catch(function () {});
 *       });
 *     </script>
 *   NCALayer.timeoutMs                 60000 by default; NCALayer.version: from the greeting.
 *
 * Protocol (JSON text frames over a WebSocket on 127.0.0.1:13579; the real NCALayer is wss://,
 * the sandbox's signer ws://):
 *   on connect, the server sends   {"result": {"version": "1.4"}}
 *   request                        {"module": "kz.gov.pki.knca.commonUtils", "method": "getActiveTokens"}
 *   answer                         {"code": "200", "responseObject": ["PKCS12"]}
 *   request                        {"module": "kz.gov.pki.knca.commonUtils", "method": "signXml",
 *                                   "args": [storage, "SIGNATURE", xml, "", ""]}
 *   answer                         {"code": "200", "responseObject": "<signed xml>"}
 *   failure                        {"code": "500", "message": "..."}  ("action.canceled": user closed
 *                                   NCALayer's dialog)
 * One request at a time: the server answers in order and the answers carry no id, so calls are
 * queued here and sent one after the other. Each call times out after 60 s (the connection is then
 * dropped so that a late answer cannot be taken for the next call's); a dropped connection is
 * opened again by the next call.
 *
 * Errors are Error objects with .code: the server's "500", or NOT_RUNNING, CLOSED, TIMEOUT,
 * BAD_ANSWER, NO_FIELD for failures seen here. Their messages are in Russian and Kazakh.
 */
(function (global) {
  "use strict";

  var DEFAULT_URL = "ws://127.0.0.1:13579/";
  var SECURE_URL = "wss://127.0.0.1:13579/"; // the real NCALayer's
  var MODULE = "kz.gov.pki.knca.commonUtils";
  var TIMEOUT_MS = 60000;

  var MESSAGES = {
    NOT_RUNNING:
      "NCALayer не запущен или недоступен. Запустите NCALayer и повторите. / " +
      "NCALayer іске қосылмаған немесе қолжетімсіз. NCALayer-ді іске қосып, қайталаңыз.",
    CLOSED: "Соединение с NCALayer прервано. / NCALayer-мен байланыс үзілді.",
    TIMEOUT: "NCALayer не ответил за 60 секунд. / NCALayer 60 секунд ішінде жауап бермеді.",
    BAD_ANSWER: "Непонятный ответ NCALayer. / NCALayer-дің жауабы түсініксіз.",
    NO_FIELD: "На странице нет поля формы для подписи. / Бетте қол қоюға арналған форма өрісі жоқ.",
  };

  var state = {
    url: DEFAULT_URL,
    socket: null, // an open WebSocket, or null
    opening: null, // Promise of the WebSocket being opened
    current: null, // the call waiting for its answer: {request, resolve, reject, timer}
    queue: [], // calls not sent yet
    version: null, // from the greeting
    attempt: null, // identifies the latest connect()
  };

  function failure(code, message) {
    var error = new Error(message || MESSAGES[code] || code);
    error.code = code;
    return error;
  }

  function closedError(event) {
    var reason = event && event.reason ? " (" + event.reason + ")" : "";
    return failure("CLOSED", MESSAGES.CLOSED + reason);
  }

  function settle(call) {
    clearTimeout(call.timer);
    if (state.current === call) state.current = null;
  }

  function onMessage(event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      data = null;
    }
    if (data && data.code === undefined && data.result && data.result.version) {
      state.version = String(data.result.version); // the greeting, not an answer
      return;
    }
    var call = state.current;
    if (!call) return; // nothing asked: ignore
    settle(call);
    if (!data || typeof data !== "object") {
      call.reject(failure("BAD_ANSWER"));
    } else if (String(data.code) === "200") {
      call.resolve(data.responseObject);
    } else {
      call.reject(failure(String(data.code || "500"), data.message || MESSAGES.BAD_ANSWER));
    }
    pump();
  }

  function onClose(socket, event) {
    if (state.socket === socket) state.socket = null;
    var call = state.current;
    if (call && call.socket === socket) {
      settle(call);
      call.reject(closedError(event));
      pump();
    }
  }

  /** One WebSocket to `target`: resolves with it once open, rejects with NOT_RUNNING. */
  function openSocket(target) {
    return new Promise(function (resolve, reject) {
      var socket;
      try {
        socket = new global.WebSocket(target);
      } catch (e) {
        reject(failure("NOT_RUNNING")); // e.g. ws:// from an https:// page
        return;
      }
      var opened = false;
      socket.onopen = function () {
        opened = true;
        resolve(socket);
      };
      socket.onmessage = onMessage;
      // Browsers follow an error with a close event; some clients (node 20) do not: settle here too.
      socket.onerror = function () {
        if (!opened) reject(failure("NOT_RUNNING"));
        else onClose(socket, null);
      };
      socket.onclose = function (event) {
        if (!opened) {
          var reason = event && event.reason ? " (" + event.reason + ")" : "";
          reject(failure("NOT_RUNNING", MESSAGES.NOT_RUNNING + reason));
        }
        onClose(socket, event);
      };
    });
  }

  /**
   * Open the connection (or reuse the open one); resolves when it can carry requests. For the
   * default URL, wss:// is tried after ws://: the real NCALayer listens with TLS, the sandbox's
   * signer without, and the same page works with both.
   */
  function connect(url) {
    var target = url || state.url;
    if (state.socket && state.url === target && state.socket.readyState === 1) {
      return Promise.resolve();
    }
    if (state.opening && state.url === target) return state.opening;
    if (state.socket) state.socket.close();
    state.url = target;
    state.socket = null;
    state.version = null;
    var candidates = target === DEFAULT_URL ? [DEFAULT_URL, SECURE_URL] : [target];
    var attempt = {};
    state.attempt = attempt;
    var opening = candidates
      .reduce(function (previous, candidate) {
        return previous.catch(function () {
          return openSocket(candidate);
        });
      }, Promise.reject(failure("NOT_RUNNING")))
      .then(function (socket) {
        if (state.attempt !== attempt) {
          socket.close(); // superseded by a connect() to another URL
          throw failure("CLOSED");
        }
        state.socket = socket;
      });
    state.opening = opening;
    var forget = function () {
      if (state.opening === opening) state.opening = null;
    };
    opening.then(forget, forget);
    return opening;
  }

  /** Send the next queued call once the previous one is answered. */
  function pump() {
    if (state.current || state.queue.length === 0) return;
    var call = state.queue.shift();
    state.current = call;
    connect().then(
      function () {
        if (state.current !== call) return;
        call.socket = state.socket;
        call.timer = setTimeout(function () {
          if (state.current !== call) return;
          settle(call);
          call.reject(failure("TIMEOUT"));
          if (call.socket) call.socket.close(); // a late answer must not reach the next call
          pump();
        }, api.timeoutMs);
        try {
          call.socket.send(JSON.stringify(call.request));
        } catch (e) {
          settle(call);
          call.reject(failure("CLOSED"));
          pump();
        }
      },
      function (error) {
        if (state.current !== call) return;
        settle(call);
        call.reject(error);
        pump();
      }
    );
  }

  function call(method, args) {
    var request = { module: MODULE, method: method };
    if (args) request.args = args;
    return new Promise(function (resolve, reject) {
      state.queue.push({ request: request, resolve: resolve, reject: reject, timer: null, socket: null });
      pump();
    });
  }

  /** Storages NCALayer can sign with: hardware tokens, and "PKCS12" (key files). */
  function getActiveTokens() {
    return call("getActiveTokens").then(function (tokens) {
      return Array.isArray(tokens) ? tokens : [];
    });
  }

  /** The XML with an enveloped XML-DSig, signed with a SIGNATURE key from `storage`. */
  function signXml(xml, storage) {
    return call("signXml", [storage || "PKCS12", "SIGNATURE", String(xml), "", ""]);
  }

  function field(form, name) {
    var element = form.elements ? form.elements[name] : null;
    if (!element) throw failure("NO_FIELD", MESSAGES.NO_FIELD + " (" + name + ")");
    return element;
  }

  /**
   * Sign the XML held in the hidden field `xmlFieldName`, put the result in `signedFieldName` and
   * submit the form. `form` is a form element or its id. Resolves with the signed XML; on failure
   * rejects, and shows the message in the form's [data-ncalayer-error] element when it has one.
   */
  function signForm(form, xmlFieldName, signedFieldName) {
    var target = typeof form === "string" ? global.document.getElementById(form) : form;
    var show = function (text) {
      var box = target && target.querySelector ? target.querySelector("[data-ncalayer-error]") : null;
      if (box) box.textContent = text;
    };
    var busy = function (on) {
      if (target && target.setAttribute) {
        if (on) target.setAttribute("aria-busy", "true");
        else target.removeAttribute("aria-busy");
      }
    };
    return new Promise(function (resolve) {
      resolve(field(target || {}, xmlFieldName).value);
    })
      .then(function (xml) {
        show("");
        busy(true);
        return getActiveTokens().then(function (tokens) {
          // Hardware tokens first, as pages for the real NCALayer do; key files otherwise.
          return signXml(xml, tokens.length ? tokens[0] : "PKCS12");
        });
      })
      .then(function (signed) {
        busy(false);
        field(target, signedFieldName).value = signed;
        if (typeof global.HTMLFormElement !== "undefined" && target instanceof global.HTMLFormElement) {
          global.HTMLFormElement.prototype.submit.call(target); // even if a field is named "submit"
        } else {
          target.submit();
        }
        return signed;
      })
      .catch(function (error) {
        busy(false);
        show(error.message);
        throw error;
      });
  }

  /** Drop the connection (the next call opens it again); queued calls are rejected. */
  function close() {
    var pending = state.queue.splice(0);
    pending.forEach(function (item) {
      item.reject(failure("CLOSED"));
    });
    if (state.socket) state.socket.close();
    state.socket = null;
  }

  var api = {
    DEFAULT_URL: DEFAULT_URL,
    timeoutMs: TIMEOUT_MS,
    connect: function (url) {
      return connect(url);
    },
    getActiveTokens: getActiveTokens,
    signXml: signXml,
    signForm: signForm,
    close: close,
    get version() {
      return state.version;
    },
  };
  global.NCALayer = api;
})(typeof window !== "undefined" ? window : globalThis);
