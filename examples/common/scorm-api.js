/*
 * scorm-api.js: a small, dependency-free helper shared by the scormlms sample
 * packages. The build script (examples/build.py) copies it into every zip.
 *
 * It does three things:
 *   1. finds the LMS API object ("API" for SCORM 1.2, "API_1484_11" for
 *      SCORM 2004) by walking the window hierarchy;
 *   2. wraps the version-specific calls behind one tiny interface that never
 *      throws and always hands strings back;
 *   3. formats session times the way each version wants them.
 *
 * Usage:
 *   const lms = ScormAPI.connect("1.2");   // or "2004"
 *   lms.initialize();
 *   lms.get("cmi.core.entry");             // "" when unknown, never null
 *   lms.set("cmi.core.lesson_location", "2/3");
 *   lms.commit();
 *   lms.terminate();
 *
 * Every call is appended to ScormAPI.calls (and lms.calls) so browser tests
 * can inspect what the SCO sent without touching the LMS.
 */
(function (global) {
  "use strict";

  // How many parents to climb before giving up. The ADL sample discovery
  // code for SCORM 1.2 (RTE section 3.3, finding the API adapter) stops after
  // 7 levels; the SCORM 2004 sample (RTE section 3.3, "SCO Responsibilities":
  // the API instance search, Figure 3.3.1b in the original 2004 RTE book)
  // allows more. 7 is more than any real player nests frames.
  const MAX_PARENT_LEVELS = 7;

  // Method names per SCORM version. SCORM 1.2 RTE section 3.3 defines the
  // LMS-prefixed functions; SCORM 2004 RTE section 3.1 (IEEE 1484.11.2) the
  // unprefixed ones. Every method takes "" as its parameter where the spec
  // says the parameter is the empty characterstring.
  const METHODS = {
    "1.2": {
      apiName: "API",
      initialize: "LMSInitialize",
      terminate: "LMSFinish",
      getValue: "LMSGetValue",
      setValue: "LMSSetValue",
      commit: "LMSCommit",
      getLastError: "LMSGetLastError",
    },
    "2004": {
      apiName: "API_1484_11",
      initialize: "Initialize",
      terminate: "Terminate",
      getValue: "GetValue",
      setValue: "SetValue",
      commit: "Commit",
      getLastError: "GetLastError",
    },
  };

  const calls = [];

  // Reads win[name] without throwing: a cross-origin window raises a
  // SecurityError on property access, which we treat as "not here".
  function readProperty(win, name) {
    try {
      const value = win[name];
      return value === undefined ? null : value;
    } catch (_error) {
      return null;
    }
  }

  // Looks for the API in `win` and then in up to MAX_PARENT_LEVELS of its
  // parents, as the spec's discovery algorithm does (current window first,
  // then window.parent, window.parent.parent, ...).
  function searchUpwards(win, apiName) {
    let current = win;
    for (let level = 0; current && level <= MAX_PARENT_LEVELS; level += 1) {
      const api = readProperty(current, apiName);
      if (api) {
        return api;
      }
      const parent = readProperty(current, "parent");
      if (!parent || parent === current) {
        return null;
      }
      current = parent;
    }
    return null;
  }

  // The full search: our own chain of parents first, then the chain of the
  // window that opened us (a player that launches SCOs in a pop-up keeps the
  // API in the opener), per the same RTE sections.
  function findAPI(apiName) {
    const own = searchUpwards(global, apiName);
    if (own) {
      return own;
    }
    const opener = readProperty(global, "opener");
    return opener ? searchUpwards(opener, apiName) : null;
  }

  function asString(value) {
    return value === undefined || value === null ? "" : String(value);
  }

  // Connection to the LMS for one SCORM version ("1.2" or "2004").
  function connect(version) {
    const names = METHODS[version];
    if (!names) {
      throw new Error("ScormAPI.connect: unknown SCORM version " + version);
    }
    const api = findAPI(names.apiName);
    let initialized = false;
    let terminated = false;

    function invoke(method, args) {
      const entry = { method: method, args: args, result: "" };
      calls.push(entry);
      if (!api || typeof api[method] !== "function") {
        entry.result = "false";
        return "false";
      }
      try {
        entry.result = asString(api[method].apply(api, args));
      } catch (error) {
        entry.result = "false";
        entry.error = String(error);
      }
      return entry.result;
    }

    // The API hands back "true"/"false" strings (SCORM 1.2 CMIBoolean,
    // SCORM 2004 characterstring); some implementations return booleans.
    function ok(result) {
      return result === "true";
    }

    const connection = {
      version: version,
      available: Boolean(api),
      calls: calls,

      initialize() {
        if (initialized) {
          return true;
        }
        initialized = ok(invoke(names.initialize, [""]));
        return initialized;
      },

      // Never throws; never returns null. A missing element, an LMS error or a
      // missing API all read as "".
      get(element) {
        if (!initialized || terminated) {
          return "";
        }
        return invoke(names.getValue, [element]);
      },

      set(element, value) {
        if (!initialized || terminated) {
          return false;
        }
        return ok(invoke(names.setValue, [element, asString(value)]));
      },

      commit() {
        if (!initialized || terminated) {
          return false;
        }
        return ok(invoke(names.commit, [""]));
      },

      terminate() {
        if (!initialized || terminated) {
          return false;
        }
        terminated = true;
        return ok(invoke(names.terminate, [""]));
      },

      lastError() {
        return api ? invoke(names.getLastError, []) : "";
      },

      isActive() {
        return initialized && !terminated;
      },
    };
    return connection;
  }

  function pad(number, width) {
    let text = String(number);
    while (text.length < width) {
      text = "0" + text;
    }
    return text;
  }

  // SCORM 1.2 CMITimespan, "HHHH:MM:SS.SS" (RTE section 3.4, data types):
  // hours take 2 to 4 digits, seconds may carry up to two decimals.
  function formatTime12(milliseconds) {
    const centiseconds = Math.max(0, Math.round(milliseconds / 10));
    const hours = Math.min(9999, Math.floor(centiseconds / 360000));
    const minutes = Math.floor((centiseconds % 360000) / 6000);
    const seconds = Math.floor((centiseconds % 6000) / 100);
    const fraction = centiseconds % 100;
    return pad(hours, 4) + ":" + pad(minutes, 2) + ":" + pad(seconds, 2) + "." + pad(fraction, 2);
  }

  // SCORM 2004 timeinterval (second, 10, 2): an ISO 8601 duration such as
  // "PT1H2M3.45S" (RTE appendix C, data types; used by cmi.session_time).
  function formatDuration2004(milliseconds) {
    const centiseconds = Math.max(0, Math.round(milliseconds / 10));
    const hours = Math.floor(centiseconds / 360000);
    const minutes = Math.floor((centiseconds % 360000) / 6000);
    const seconds = (centiseconds % 6000) / 100;
    return "PT" + hours + "H" + minutes + "M" + seconds.toFixed(2) + "S";
  }

  // JSON.parse that falls back instead of throwing on "" or junk.
  function parseJSON(text, fallback) {
    if (!text) {
      return fallback;
    }
    try {
      const value = JSON.parse(text);
      return value !== null && typeof value === "object" ? value : fallback;
    } catch (_error) {
      return fallback;
    }
  }

  global.ScormAPI = {
    connect: connect,
    findAPI: findAPI,
    formatTime12: formatTime12,
    formatDuration2004: formatDuration2004,
    parseJSON: parseJSON,
    calls: calls,
  };
})(window);
