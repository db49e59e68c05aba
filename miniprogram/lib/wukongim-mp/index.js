"use strict";
var __defProp = Object.defineProperty;
var __defProps = Object.defineProperties;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropDescs = Object.getOwnPropertyDescriptors;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getOwnPropSymbols = Object.getOwnPropertySymbols;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __propIsEnum = Object.prototype.propertyIsEnumerable;
var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
var __spreadValues = (a, b) => {
  for (var prop in b || (b = {}))
    if (__hasOwnProp.call(b, prop))
      __defNormalProp(a, prop, b[prop]);
  if (__getOwnPropSymbols)
    for (var prop of __getOwnPropSymbols(b)) {
      if (__propIsEnum.call(b, prop))
        __defNormalProp(a, prop, b[prop]);
    }
  return a;
};
var __spreadProps = (a, b) => __defProps(a, __getOwnPropDescs(b));
var __export = (target, all) => {
  for (var name2 in all)
    __defProp(target, name2, { get: all[name2], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);
var __publicField = (obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);

// sdk/index.ts
var index_exports = {};
__export(index_exports, {
  ChannelType: () => ChannelType,
  ClientError: () => ClientError,
  DeviceFlag: () => DeviceFlag,
  ImError: () => ImError,
  InvalidArgumentError: () => InvalidArgumentError,
  InvalidOptionError: () => InvalidOptionError,
  NetworkError: () => NetworkError,
  PlatformError: () => PlatformError,
  ProtocolError: () => ProtocolError,
  ReasonCode: () => ReasonCode,
  StorageError: () => StorageError,
  classifySendack: () => classifySendack,
  createClient: () => createClient,
  createHttpSyncProvider: () => createHttpSyncProvider,
  createWxPlatform: () => createWxPlatform,
  isImError: () => isImError,
  isInvalidArgumentError: () => isInvalidArgumentError,
  isProtocolError: () => isProtocolError,
  isStorageError: () => isStorageError
});
module.exports = __toCommonJS(index_exports);

// sdk/connection/backoff.ts
function backoffDelay(attempt, policy, random) {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * Math.pow(2, Math.min(attempt, 30)));
  return Math.floor(Math.min(Math.max(random, 0), 0.999999) * ceiling);
}
function floatFromBytes(bytes) {
  var _a, _b, _c, _d;
  const n = (((_a = bytes[0]) != null ? _a : 0) << 24 >>> 0) + (((_b = bytes[1]) != null ? _b : 0) << 16) + (((_c = bytes[2]) != null ? _c : 0) << 8) + ((_d = bytes[3]) != null ? _d : 0);
  return n / 4294967296;
}
function jitterSource(random, platform, diagnostics) {
  const fromPlatform = async () => {
    try {
      return floatFromBytes(await platform.randomBytes(4));
    } catch (e) {
      return 0.5;
    }
  };
  if (!random) return fromPlatform;
  let reported = false;
  return async () => {
    let value;
    try {
      value = random();
    } catch (error) {
      value = error instanceof Error ? `threw ${error.message}` : "threw";
    }
    if (typeof value === "number" && value >= 0 && value < 1) return value;
    if (!reported) diagnostics.record("connection", "random-invalid", { value: String(value) });
    reported = true;
    return fromPlatform();
  };
}

// sdk/codes.ts
var ReasonCode = {
  Unknown: 0,
  Success: 1,
  AuthFail: 2,
  SubscriberNotExist: 3,
  InBlacklist: 4,
  ChannelNotExist: 5,
  UserNotOnNode: 6,
  SenderOffline: 7,
  MsgKeyError: 8,
  PayloadDecodeError: 9,
  ForwardSendPacketError: 10,
  NotAllowSend: 11,
  ConnectKick: 12,
  NotInWhitelist: 13,
  QueryTokenError: 14,
  SystemError: 15,
  ChannelIDError: 16,
  NodeMatchError: 17,
  NodeNotMatch: 18,
  Ban: 19,
  NotSupportHeader: 20,
  ClientKeyIsEmpty: 21,
  RateLimit: 22,
  NotSupportChannelType: 23,
  Disband: 24,
  SendBan: 25,
  ChannelDeleting: 26,
  ProtocolUpgradeRequired: 27,
  IdempotencyConflict: 28,
  MessageSeqExhausted: 29
};
var RETRYABLE = /* @__PURE__ */ new Set([0, 6, 10, 15, 17, 18, 22]);
function classifySendack(reasonCode) {
  if (reasonCode === ReasonCode.Success) return "done";
  if (reasonCode === ReasonCode.PayloadDecodeError) return "reencode";
  return RETRYABLE.has(reasonCode) ? "retry" : "permanent";
}
function endsSession(reasonCode) {
  return reasonCode === ReasonCode.AuthFail || reasonCode === ReasonCode.ConnectKick || reasonCode === ReasonCode.Ban;
}
var ChannelType = {
  Person: 1,
  Group: 2,
  CustomerService: 3,
  Community: 4,
  CommunityTopic: 5,
  Info: 6,
  Data: 7,
  Temp: 8,
  Live: 9,
  Visitors: 10,
  Agent: 11,
  AgentGroup: 12
};
var DeviceFlag = { App: 0, Web: 1, PC: 2 };

// sdk/errors.ts
var ImError = class extends Error {
  constructor(code, message, context = {}, cause) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
    if (cause !== void 0) this.cause = cause;
    Object.setPrototypeOf(this, new.target.prototype);
  }
};
var ProtocolError = class extends ImError {
  constructor(message, context = {}, cause) {
    super("PROTOCOL", message, context, cause);
  }
};
var InvalidArgumentError = class extends ImError {
  constructor(message, context = {}) {
    super("INVALID_ARGUMENT", message, context);
  }
};
var InvalidOptionError = class extends InvalidArgumentError {
};
var StorageError = class extends ImError {
  constructor(code, message, context = {}, cause) {
    super(code, message, context, cause);
  }
};
var PlatformError = class extends ImError {
  constructor(message, context = {}, cause) {
    super("PLATFORM_UNSUPPORTED", message, context, cause);
  }
};
var NetworkError = class extends ImError {
  constructor(message, context = {}, cause) {
    super("NETWORK", message, context, cause);
  }
};
var ClientError = class extends ImError {
};
var isImError = (e) => e instanceof ImError;
var isProtocolError = (e) => e instanceof ImError && e.code === "PROTOCOL";
var isStorageError = (e) => e instanceof ImError && (e.code === "STORAGE_FULL" || e.code === "STORAGE_FAILED" || e.code === "STORAGE_CORRUPT");
var isInvalidArgumentError = (e) => e instanceof ImError && e.code === "INVALID_ARGUMENT";

// sdk/options.ts
function resolveOptions(o) {
  var _a, _b, _c, _d, _e, _f, _g, _h, _i, _j, _k, _l, _m, _n, _o, _p, _q, _r, _s, _t, _u, _v, _w, _x, _y, _z, _A;
  CLIENT_OPTIONS(o, "");
  if (o.uid === void 0) throw new InvalidOptionError("uid is required", { option: "uid" });
  if (o.wsAddr === void 0 && o.apiAddr === void 0) {
    throw new InvalidOptionError("give wsAddr, or apiAddr for the route lookup", { option: "wsAddr" });
  }
  const heartbeat = (_a = o.heartbeat) != null ? _a : {};
  const outbox = (_b = o.outbox) != null ? _b : {};
  const intervalMs = (_c = heartbeat.intervalMs) != null ? _c : 25e3;
  return {
    uid: o.uid,
    wsAddr: o.wsAddr,
    apiAddr: (_d = o.apiAddr) == null ? void 0 : _d.replace(/\/+$/, ""),
    routeAddr: (_e = o.routeAddr) != null ? _e : "wss_addr",
    token: (_f = o.token) != null ? _f : "",
    tokenProvider: o.tokenProvider,
    deviceFlag: (_g = o.deviceFlag) != null ? _g : DeviceFlag.Web,
    deviceId: o.deviceId,
    heartbeat: {
      intervalMs,
      deadAfterMs: (_h = heartbeat.deadAfterMs) != null ? _h : 2 * intervalMs + 5e3,
      probeTimeoutMs: (_i = heartbeat.probeTimeoutMs) != null ? _i : 3e3
    },
    backoff: { initialMs: (_k = (_j = o.backoff) == null ? void 0 : _j.initialMs) != null ? _k : 500, maxMs: (_m = (_l = o.backoff) == null ? void 0 : _l.maxMs) != null ? _m : 3e4 },
    connectTimeoutMs: (_n = o.connectTimeoutMs) != null ? _n : 1e4,
    callbackTimeoutMs: (_o = o.callbackTimeoutMs) != null ? _o : 1e4,
    rebuildAfterHiddenMs: (_p = o.rebuildAfterHiddenMs) != null ? _p : 5e3,
    outbox: {
      window: (_q = outbox.window) != null ? _q : 32,
      channelWindow: (_r = outbox.channelWindow) != null ? _r : 0,
      maxMessages: (_s = outbox.maxMessages) != null ? _s : 1e3,
      sendackTimeoutMs: (_t = outbox.sendackTimeoutMs) != null ? _t : 1e4,
      expireAfterMs: (_u = outbox.expireAfterMs) != null ? _u : 0,
      retryInitialMs: (_v = outbox.retryInitialMs) != null ? _v : 1e3,
      retryMaxMs: (_w = outbox.retryMaxMs) != null ? _w : 6e4
    },
    storage: { prefix: (_y = (_x = o.storage) == null ? void 0 : _x.prefix) != null ? _y : "wkmp", encrypt: ((_z = o.storage) == null ? void 0 : _z.encrypt) === true },
    random: o.random,
    unsafe: (_A = o._unsafe) != null ? _A : {}
  };
}
function rule(must, ok) {
  return (value, option) => {
    if (!ok(value)) throw new InvalidOptionError(`${option || "options"} must be ${must}`, { option, value });
  };
}
var isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
var isFunction = (v) => typeof v === "function";
var text = rule("a string", (v) => typeof v === "string");
var name = rule('a non-empty string without ":"', (v) => typeof v === "string" && v !== "" && v.indexOf(":") < 0);
var fn = rule("a function", isFunction);
var flag = rule("true or false", (v) => typeof v === "boolean");
var positive = rule("a positive finite number", (v) => typeof v === "number" && v > 0 && Number.isFinite(v));
var nonNegative = rule("a finite number >= 0", (v) => typeof v === "number" && v >= 0 && Number.isFinite(v));
var integer = (min, max = Number.MAX_SAFE_INTEGER) => rule(`an integer ${min}..${max}`, (v) => Number.isInteger(v) && v >= min && v <= max);
var oneOf = (...values) => rule(`one of ${values.join(", ")}`, (v) => values.indexOf(v) >= 0);
var isWsUrl = (v) => typeof v === "string" && /^wss?:\/\/[^/\s]/.test(v);
function shape(rules) {
  const table = rules;
  return (value, option) => {
    if (!isObject(value)) throw new InvalidOptionError(`${option || "options"} must be an object`, { option, value });
    for (const key of Object.keys(value)) {
      const path = option ? `${option}.${key}` : key;
      if (!Object.prototype.hasOwnProperty.call(table, key)) throw new InvalidOptionError(`unknown option ${path}`, { option: path });
      if (value[key] !== void 0) table[key](value[key], path);
    }
  };
}
var diagnosticsSettings = shape({ capacity: integer(1), traceCapacity: integer(1), includeBodies: flag, realtimeLog: flag });
var diagnosticsSink = rule("a DiagnosticsSink (record and trace functions)", (v) => isObject(v) && isFunction(v.record) && isFunction(v.trace));
var CLIENT_OPTIONS = shape({
  uid: name,
  wsAddr: rule("a ws:// or wss:// URL, or a function returning one", (v) => isFunction(v) || isWsUrl(v)),
  routeAddr: oneOf("wss_addr", "ws_addr"),
  apiAddr: rule("an http:// or https:// URL", (v) => typeof v === "string" && /^https?:\/\/[^/\s]/.test(v)),
  token: text,
  tokenProvider: fn,
  deviceFlag: integer(0, 255),
  deviceId: rule("a non-empty string", (v) => typeof v === "string" && v !== ""),
  heartbeat: shape({ intervalMs: positive, deadAfterMs: positive, probeTimeoutMs: positive }),
  backoff: shape({ initialMs: positive, maxMs: positive }),
  connectTimeoutMs: positive,
  callbackTimeoutMs: positive,
  rebuildAfterHiddenMs: nonNegative,
  outbox: shape({
    window: integer(1),
    channelWindow: integer(0),
    maxMessages: integer(1),
    sendackTimeoutMs: positive,
    expireAfterMs: nonNegative,
    retryInitialMs: positive,
    retryMaxMs: positive
  }),
  storage: shape({ prefix: name, encrypt: flag }),
  platform: rule("a Platform (createWxPlatform or createMemoryPlatform)", (v) => isObject(v) && isFunction(v.openSocket) && isFunction(v.setTimeout) && isObject(v.storage)),
  diagnostics: (v, option) => (isObject(v) && "record" in v ? diagnosticsSink : diagnosticsSettings)(v, option),
  sync: rule("a SyncProvider (syncMessages and syncConversations functions)", (v) => isObject(v) && isFunction(v.syncMessages) && isFunction(v.syncConversations)),
  serverLine: oneOf("v2", "v3", "auto"),
  // Ranges as the inbox applies them (it checks them again itself, for its own unit tests).
  inbox: shape({
    continuityCheckMs: integer(0),
    maxHeldPerChannel: integer(1),
    syncPageLimit: integer(1),
    gapRetries: integer(0),
    gapRetryDelayMs: integer(0),
    gapRetryMaxDelayMs: integer(0),
    syncDeadlineMs: integer(1),
    dedupCapacity: integer(1),
    maxChannels: integer(1),
    newChannelBacklog: integer(0)
  }),
  random: fn,
  _unsafe: shape({
    disableDedup: flag,
    disableResend: flag,
    giveUpGapsOnSyncError: flag,
    unreadableStateIsEmpty: flag,
    strictOutboxLoad: flag,
    skipRestoreValidation: flag,
    noCallbackDeadlines: flag,
    stickyLineDetection: flag,
    acceptPlainRecv: flag,
    stopOnAnyDisconnect: flag,
    cursorAfterDelivery: flag,
    resendWithoutLookup: flag
  })
});

// sdk/proto/base64.ts
var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
var ENC = new Uint8Array(64);
var DEC = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  ENC[i] = ALPHABET.charCodeAt(i);
  DEC[ALPHABET.charCodeAt(i)] = i;
}
var PAD = 61;
function encodeBase64Ascii(bytes) {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    out[o++] = ENC[v >> 18];
    out[o++] = ENC[v >> 12 & 63];
    out[o++] = ENC[v >> 6 & 63];
    out[o++] = ENC[v & 63];
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = bytes[i] << 16 | (two ? bytes[i + 1] << 8 : 0);
    out[o++] = ENC[v >> 18];
    out[o++] = ENC[v >> 12 & 63];
    out[o++] = two ? ENC[v >> 6 & 63] : PAD;
    out[o++] = PAD;
  }
  return out;
}
function encodeBase64(bytes) {
  return asciiToString(encodeBase64Ascii(bytes));
}
function decodeBase64Ascii(ascii) {
  const n = ascii.length;
  if (n % 4 !== 0) throw new ProtocolError("invalid base64 length", { length: n });
  if (n === 0) return new Uint8Array(0);
  const pad = ascii[n - 1] === PAD ? ascii[n - 2] === PAD ? 2 : 1 : 0;
  const out = new Uint8Array(n / 4 * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    const a = DEC[ascii[i]];
    const b = DEC[ascii[i + 1]];
    const c = last && pad === 2 ? 0 : DEC[ascii[i + 2]];
    const d = last && pad >= 1 ? 0 : DEC[ascii[i + 3]];
    if ((a | b | c | d) < 0) throw new ProtocolError("invalid base64 character", { offset: i });
    const v = a << 18 | b << 12 | c << 6 | d;
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = v >> 8 & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}
function decodeBase64(s) {
  return decodeBase64Ascii(stringToAscii(s));
}
function asciiToString(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096));
  return s;
}
function stringToAscii(s) {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[i] = c < 128 ? c : 255;
  }
  return out;
}

// sdk/proto/utf8.ts
function writeUtf8(s, out, offset) {
  let o = offset;
  const n = s.length;
  let i = 0;
  for (let c = 0; i < n && (c = s.charCodeAt(i)) < 128; i++) out[o++] = c;
  for (; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 128) {
      out[o++] = c;
      continue;
    }
    if (c < 2048) {
      out[o++] = 192 | c >> 6;
      out[o++] = 128 | c & 63;
      continue;
    }
    if (c >= 55296 && c <= 57343) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 56319 && d >= 56320 && d <= 57343) {
        i++;
        c = 65536 + (c - 55296 << 10) + (d - 56320);
        out[o++] = 240 | c >> 18;
        out[o++] = 128 | c >> 12 & 63;
        out[o++] = 128 | c >> 6 & 63;
        out[o++] = 128 | c & 63;
        continue;
      }
      c = 65533;
    }
    out[o++] = 224 | c >> 12;
    out[o++] = 128 | c >> 6 & 63;
    out[o++] = 128 | c & 63;
  }
  return o;
}
function encodeUtf8(s) {
  const buf = new Uint8Array(s.length * 3);
  return buf.subarray(0, writeUtf8(s, buf, 0));
}
var CHUNK = 4096;
function decodeUtf8(bytes, start = 0, end = bytes.length) {
  let out = "";
  const units = [];
  let i = start;
  while (i < end) {
    const b = bytes[i++];
    if (b < 128) {
      units.push(b);
    } else {
      let need;
      let cp;
      let min;
      if (b >= 194 && b <= 223) need = 1, cp = b & 31, min = 128;
      else if (b >= 224 && b <= 239) need = 2, cp = b & 15, min = 2048;
      else if (b >= 240 && b <= 244) need = 3, cp = b & 7, min = 65536;
      else throw invalid(i - 1);
      if (i + need > end) throw invalid(i - 1);
      for (let k = 0; k < need; k++) {
        const c = bytes[i++];
        if ((c & 192) !== 128) throw invalid(i - 1);
        cp = cp << 6 | c & 63;
      }
      if (cp < min || cp > 1114111 || cp >= 55296 && cp <= 57343) throw invalid(i - need - 1);
      if (cp >= 65536) {
        cp -= 65536;
        units.push(55296 + (cp >> 10), 56320 + (cp & 1023));
      } else units.push(cp);
    }
    if (units.length >= CHUNK) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return units.length ? out + String.fromCharCode.apply(null, units) : out;
}
function invalid(offset) {
  return new ProtocolError("invalid UTF-8 in string field", { offset });
}

// sdk/proto/bytes.ts
var MAX_STRING_BYTES = 32767;
var TWO32 = 4294967296;
var TWO21 = 2097152;
var Writer = class {
  constructor(capacity = 64) {
    this.pos = 0;
    this.buf = new Uint8Array(capacity);
  }
  room(n) {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  u8(v, field) {
    if (!(v >= 0 && v <= 255 && v === Math.floor(v))) throw badArg(field, v);
    this.room(1);
    this.buf[this.pos++] = v;
  }
  u32(v, field) {
    if (!(v >= 0 && v < TWO32 && v === Math.floor(v))) throw badArg(field, v);
    this.room(4);
    this.put32(v);
  }
  put32(v) {
    const b = this.buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = v >>> 16 & 255;
    b[this.pos++] = v >>> 8 & 255;
    b[this.pos++] = v & 255;
  }
  /** A safe integer as a signed 64-bit two's complement value (timestamps, timeDiff, v6 seqs). */
  i64(v, field) {
    if (!Number.isSafeInteger(v)) throw badArg(field, v);
    this.room(8);
    if (v >= 0) {
      this.put32(Math.floor(v / TWO32));
      this.put32(v % TWO32);
    } else {
      const m = -v;
      let lo = (TWO32 - m % TWO32) % TWO32;
      let hi = TWO32 - 1 - Math.floor(m / TWO32) + (lo === 0 ? 1 : 0);
      if (hi === TWO32) hi = 0;
      this.put32(hi);
      this.put32(lo);
    }
  }
  /** A non-negative safe integer as u64 (v6 messageSeq). */
  u64(v, field) {
    if (!(v >= 0)) throw badArg(field, v);
    this.i64(v, field);
  }
  /** A decimal string (optional leading '-') as a 64-bit value: ids, nodeId, EVENT timestamp. */
  i64s(s, field) {
    const halves = parseDecimal64(s);
    if (!halves) throw badArg(field, s);
    this.room(8);
    this.put32(halves[0]);
    this.put32(halves[1]);
  }
  str(s, field) {
    this.room(2 + s.length * 3);
    const start = this.pos + 2;
    const end = writeUtf8(s, this.buf, start);
    const n = end - start;
    if (n > MAX_STRING_BYTES) throw badArg(field, `${n} bytes`);
    this.buf[this.pos] = n >> 8;
    this.buf[this.pos + 1] = n & 255;
    this.pos = end;
  }
};
function badArg(field, value) {
  return new InvalidArgumentError(`cannot encode ${field}`, { field, value });
}
function parseDecimal64(s) {
  const neg = s.charCodeAt(0) === 45;
  const digits = neg ? 1 : 0;
  if (s.length === digits || s.length - digits > 20) return null;
  let hi = 0;
  let lo = 0;
  for (let i = digits; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    lo = lo * 10 + d;
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = hi * 10 + carry;
    if (hi >= TWO32) return null;
  }
  if (neg) {
    if (hi > 2147483648 || hi === 2147483648 && lo > 0) return null;
    lo = (TWO32 - lo) % TWO32;
    hi = (TWO32 - hi - (lo === 0 ? 0 : 1)) % TWO32;
  }
  return [hi, lo];
}
function formatDecimal64(hi, lo, signed) {
  if (signed && hi >= 2147483648) {
    lo = (TWO32 - lo) % TWO32;
    hi = (TWO32 - 1 - hi + (lo === 0 ? 1 : 0)) % TWO32;
    return "-" + formatDecimal64(hi, lo, false);
  }
  if (hi < TWO21) return String(hi * TWO32 + lo);
  let out = "";
  while (hi > 0) {
    const rHi = hi % 1e6;
    hi = (hi - rHi) / 1e6;
    const t = rHi * TWO32 + lo;
    const r = t % 1e6;
    lo = (t - r) / 1e6;
    out = String(r + 1e6).slice(1) + out;
  }
  return String(lo) + out;
}
var Reader = class {
  constructor(buf, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }
  get remaining() {
    return this.buf.length - this.pos;
  }
  need(n, field) {
    if (this.pos + n > this.buf.length) throw new ProtocolError(`truncated packet: ${field}`, { field, offset: this.pos });
  }
  u8(field) {
    this.need(1, field);
    return this.buf[this.pos++];
  }
  u32(field) {
    this.need(4, field);
    return this.get32();
  }
  get32() {
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p] << 24 >>> 0) + (b[p + 1] << 16 | b[p + 2] << 8 | b[p + 3]);
  }
  /** 64-bit as decimal string. */
  i64s(field, signed = true) {
    this.need(8, field);
    const hi = this.get32();
    return formatDecimal64(hi, this.get32(), signed);
  }
  /** Signed 64-bit that must be a safe integer (timeDiff, clientTimestamp). */
  i64(field) {
    this.need(8, field);
    const hi = this.get32();
    const lo = this.get32();
    if (hi >= 2147483648) {
      if (hi < 4292870144 || hi === 4292870144 && lo === 0) throw tooBig(field, this.pos - 8);
      return (hi - TWO32) * TWO32 + lo;
    }
    if (hi >= TWO21) throw tooBig(field, this.pos - 8);
    return hi * TWO32 + lo;
  }
  /** Unsigned 64-bit that must be at most 2^53 - 1 (v6 messageSeq). */
  u64(field) {
    this.need(8, field);
    const hi = this.get32();
    const lo = this.get32();
    if (hi >= TWO21) throw tooBig(field, this.pos - 8);
    return hi * TWO32 + lo;
  }
  str(field) {
    this.need(2, field);
    const b = this.buf;
    const n = b[this.pos] << 8 | b[this.pos + 1];
    this.pos += 2;
    this.need(n, field);
    const start = this.pos;
    this.pos += n;
    return decodeUtf8(b, start, this.pos);
  }
  /** All remaining bytes (a view, not a copy). */
  rest() {
    const out = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return out;
  }
};
function tooBig(field, offset) {
  return new ProtocolError(`${field} exceeds 2^53 - 1`, { field, offset });
}

// sdk/proto/packets.ts
var PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  SEND: 3,
  SENDACK: 4,
  RECV: 5,
  RECVACK: 6,
  PING: 7,
  PONG: 8,
  DISCONNECT: 9,
  SUB: 10,
  SUBACK: 11,
  EVENT: 12
};
var PROTOCOL_VERSION = 5;
var MAX_REMAINING_LENGTH = 1024 * 1024;
var Setting = {
  RECEIPT: 128,
  SIGNAL: 32,
  NO_ENCRYPT: 16,
  TOPIC: 8,
  STREAM: 2
};

// sdk/proto/layouts.ts
var hasStream = (setting, v) => v >= 2 && v < 5 && (setting & Setting.STREAM) !== 0;
var hasTopic = (setting) => (setting & Setting.TOPIC) !== 0;
function flagsToNibble(f) {
  return (f.dup ? 8 : 0) | (f.syncOnce ? 4 : 0) | (f.redDot ? 2 : 0) | (f.noPersist ? 1 : 0);
}
function nibbleToFlags(n) {
  return { dup: (n & 8) !== 0, syncOnce: (n & 4) !== 0, redDot: (n & 2) !== 0, noPersist: (n & 1) !== 0 };
}
function encodeBare(type) {
  return Uint8Array.of(type << 4);
}
var scratch = new Writer(1024);
function begin() {
  if (scratch.buf.length > 65536) scratch = new Writer(1024);
  scratch.pos = 0;
  return scratch;
}
var SLAB = 8192;
var POOLED = 1024;
var slab = new ArrayBuffer(SLAB);
var slabUsed = 0;
function allocFrame(size) {
  if (size > POOLED) return new Uint8Array(size);
  if (slabUsed + size > SLAB) {
    slab = new ArrayBuffer(SLAB);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, size);
  slabUsed += size + 7 & ~7;
  return out;
}
function finishFrame(type, flags, w, tail) {
  const head = w.pos;
  const n = head + (tail ? tail.length : 0);
  if (n > MAX_REMAINING_LENGTH) throw new InvalidArgumentError("packet exceeds the 1 MiB remaining-length limit", { type, length: n });
  const lenBytes = n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
  const out = allocFrame(1 + lenBytes + n);
  out[0] = type << 4 | flags & 15;
  let v = n;
  for (let i = 1; i <= lenBytes; i++) {
    out[i] = v & 127 | (i < lenBytes ? 128 : 0);
    v >>>= 7;
  }
  const buf = w.buf;
  const o = 1 + lenBytes;
  for (let i = 0; i < head; i++) out[o + i] = buf[i];
  if (tail) out.set(tail, o + head);
  return out;
}
function writeSeq(w, seq, v) {
  if (v >= 6) w.u64(seq, "messageSeq");
  else w.u32(seq, "messageSeq");
}
function readSeq(r, v) {
  return v >= 6 ? r.u64("messageSeq") : r.u32("messageSeq");
}
function writeConnect(p) {
  const w = begin();
  w.u8(p.version, "version");
  w.u8(p.deviceFlag, "deviceFlag");
  w.str(p.deviceId, "deviceId");
  w.str(p.uid, "uid");
  w.str(p.token, "token");
  w.i64(p.clientTimestamp, "clientTimestamp");
  w.str(p.clientKey, "clientKey");
  return finishFrame(PacketType.CONNECT, 0, w);
}
function readConnack(f, v) {
  const r = new Reader(f.body);
  const hasServerVersion = (f.flags & 1) !== 0;
  const serverVersion = hasServerVersion ? r.u8("serverVersion") : v;
  const timeDiff = r.i64("timeDiff");
  const reasonCode = r.u8("reasonCode");
  const serverKey = r.str("serverKey");
  const salt = r.str("salt");
  const nodeId = serverVersion >= 4 && r.remaining >= 8 ? r.i64s("nodeId", false) : "0";
  return { type: PacketType.CONNACK, hasServerVersion, serverVersion, timeDiff, reasonCode, serverKey, salt, nodeId };
}
function writeSend(p, v) {
  var _a, _b;
  const w = begin();
  w.u8(p.setting, "setting");
  w.u32(p.clientSeq, "clientSeq");
  w.str(p.clientMsgNo, "clientMsgNo");
  if (hasStream(p.setting, v)) w.str((_a = p.streamNo) != null ? _a : "", "streamNo");
  w.str(p.channelId, "channelId");
  w.u8(p.channelType, "channelType");
  if (v >= 3) w.u32(p.expire, "expire");
  w.str(p.msgKey, "msgKey");
  if (hasTopic(p.setting)) w.str((_b = p.topic) != null ? _b : "", "topic");
  return finishFrame(PacketType.SEND, flagsToNibble(p.flags), w, p.payload);
}
function readSendack(f, v) {
  const r = new Reader(f.body);
  const p = {
    type: PacketType.SENDACK,
    flags: nibbleToFlags(f.flags),
    messageId: r.i64s("messageId"),
    clientSeq: r.u32("clientSeq"),
    messageSeq: readSeq(r, v),
    reasonCode: r.u8("reasonCode")
  };
  if (r.remaining > 0) p.clientMsgNo = r.str("clientMsgNo");
  return p;
}
function readRecv(f, v) {
  const r = new Reader(f.body);
  const setting = r.u8("setting");
  const msgKey = r.str("msgKey");
  const fromUid = r.str("fromUid");
  const channelId = r.str("channelId");
  const channelType = r.u8("channelType");
  const expire = v >= 3 ? r.u32("expire") : 0;
  const clientMsgNo = r.str("clientMsgNo");
  const stream = hasStream(setting, v);
  const streamFlag = stream ? r.u8("streamFlag") : 0;
  const streamNo = stream ? r.str("streamNo") : "";
  const streamId = stream ? r.i64s("streamId", false) : "";
  const messageId = r.i64s("messageId");
  const messageSeq = readSeq(r, v);
  const timestamp = r.u32("timestamp");
  const topic = hasTopic(setting) ? r.str("topic") : void 0;
  const p = {
    type: PacketType.RECV,
    flags: nibbleToFlags(f.flags),
    setting,
    msgKey,
    fromUid,
    channelId,
    channelType,
    expire,
    clientMsgNo,
    messageId,
    messageSeq,
    timestamp,
    payload: r.rest()
  };
  if (stream) Object.assign(p, { streamFlag, streamNo, streamId });
  if (topic !== void 0) p.topic = topic;
  return p;
}
function writeRecvack(p, v) {
  const w = begin();
  w.i64s(p.messageId, "messageId");
  writeSeq(w, p.messageSeq, v);
  return finishFrame(PacketType.RECVACK, flagsToNibble(p.flags), w);
}
function readDisconnect(f) {
  const r = new Reader(f.body);
  return { type: PacketType.DISCONNECT, reasonCode: r.u8("reasonCode"), reason: r.str("reason") };
}
function writeSub(p) {
  const w = begin();
  w.u8(p.setting, "setting");
  w.str(p.subNo, "subNo");
  w.str(p.channelId, "channelId");
  w.u8(p.channelType, "channelType");
  w.u8(p.action, "action");
  w.str(p.param, "param");
  return finishFrame(PacketType.SUB, 0, w);
}
function readSuback(f) {
  const r = new Reader(f.body);
  return {
    type: PacketType.SUBACK,
    subNo: r.str("subNo"),
    channelId: r.str("channelId"),
    channelType: r.u8("channelType"),
    action: r.u8("action"),
    reasonCode: r.u8("reasonCode")
  };
}
function readEvent(f) {
  const r = new Reader(f.body);
  return { type: PacketType.EVENT, id: r.str("id"), eventType: r.str("eventType"), timestamp: r.i64s("timestamp"), data: r.rest() };
}
function unexpected(f, side) {
  return new ProtocolError(`unexpected packet type ${f.type} from the ${side}`, { type: f.type });
}

// sdk/proto/codec.ts
function encodeClientPacket(p, version) {
  switch (p.type) {
    case PacketType.CONNECT:
      return writeConnect(p);
    case PacketType.SEND:
      return writeSend(p, version);
    case PacketType.RECVACK:
      return writeRecvack(p, version);
    case PacketType.PING:
      return encodeBare(PacketType.PING);
    case PacketType.SUB:
      return writeSub(p);
  }
}
function decodeServerPacket(frame, version) {
  switch (frame.type) {
    case PacketType.CONNACK:
      return readConnack(frame, version);
    case PacketType.SENDACK:
      return readSendack(frame, version);
    case PacketType.RECV:
      return readRecv(frame, version);
    case PacketType.PONG:
      return { type: PacketType.PONG };
    case PacketType.DISCONNECT:
      return readDisconnect(frame);
    case PacketType.SUBACK:
      return readSuback(frame);
    case PacketType.EVENT:
      return readEvent(frame);
    default:
      throw unexpected(frame, "server");
  }
}

// node_modules/@noble/ciphers/esm/utils.js
function isBytes(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array";
}
function abytes(b, ...lengths) {
  if (!isBytes(b))
    throw new Error("Uint8Array expected");
  if (lengths.length > 0 && !lengths.includes(b.length))
    throw new Error("Uint8Array expected of length " + lengths + ", got length=" + b.length);
}
function u32(arr) {
  return new Uint32Array(arr.buffer, arr.byteOffset, Math.floor(arr.byteLength / 4));
}
function clean(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
var isLE = /* @__PURE__ */ (() => new Uint8Array(new Uint32Array([287454020]).buffer)[0] === 68)();
function overlapBytes(a, b) {
  return a.buffer === b.buffer && // best we can do, may fail with an obscure Proxy
  a.byteOffset < b.byteOffset + b.byteLength && // a starts before b end
  b.byteOffset < a.byteOffset + a.byteLength;
}
function complexOverlapBytes(input, output) {
  if (overlapBytes(input, output) && input.byteOffset < output.byteOffset)
    throw new Error("complex overlap of input and output is not supported");
}
var wrapCipher = /* @__NO_SIDE_EFFECTS__ */ (params, constructor) => {
  function wrappedCipher(key, ...args) {
    abytes(key);
    if (!isLE)
      throw new Error("Non little-endian hardware is not yet supported");
    if (params.nonceLength !== void 0) {
      const nonce = args[0];
      if (!nonce)
        throw new Error("nonce / iv required");
      if (params.varSizeNonce)
        abytes(nonce);
      else
        abytes(nonce, params.nonceLength);
    }
    const tagl = params.tagLength;
    if (tagl && args[1] !== void 0) {
      abytes(args[1]);
    }
    const cipher = constructor(key, ...args);
    const checkOutput = (fnLength, output) => {
      if (output !== void 0) {
        if (fnLength !== 2)
          throw new Error("cipher output not supported");
        abytes(output);
      }
    };
    let called = false;
    const wrCipher = {
      encrypt(data, output) {
        if (called)
          throw new Error("cannot encrypt() twice with same key + nonce");
        called = true;
        abytes(data);
        checkOutput(cipher.encrypt.length, output);
        return cipher.encrypt(data, output);
      },
      decrypt(data, output) {
        abytes(data);
        if (tagl && data.length < tagl)
          throw new Error("invalid ciphertext length: smaller than tagLength=" + tagl);
        checkOutput(cipher.decrypt.length, output);
        return cipher.decrypt(data, output);
      }
    };
    return wrCipher;
  }
  Object.assign(wrappedCipher, params);
  return wrappedCipher;
};
function getOutput(expectedLength, out, onlyAligned = true) {
  if (out === void 0)
    return new Uint8Array(expectedLength);
  if (out.length !== expectedLength)
    throw new Error("invalid output length, expected " + expectedLength + ", got: " + out.length);
  if (onlyAligned && !isAligned32(out))
    throw new Error("invalid output, must be aligned");
  return out;
}
function isAligned32(bytes) {
  return bytes.byteOffset % 4 === 0;
}
function copyBytes(bytes) {
  return Uint8Array.from(bytes);
}

// node_modules/@noble/ciphers/esm/aes.js
var BLOCK_SIZE = 16;
var POLY = 283;
function mul2(n) {
  return n << 1 ^ POLY & -(n >> 7);
}
function mul(a, b) {
  let res = 0;
  for (; b > 0; b >>= 1) {
    res ^= a & -(b & 1);
    a = mul2(a);
  }
  return res;
}
var sbox = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let i = 0, x = 1; i < 256; i++, x ^= mul2(x))
    t[i] = x;
  const box = new Uint8Array(256);
  box[0] = 99;
  for (let i = 0; i < 255; i++) {
    let x = t[255 - i];
    x |= x << 8;
    box[t[i]] = (x ^ x >> 4 ^ x >> 5 ^ x >> 6 ^ x >> 7 ^ 99) & 255;
  }
  clean(t);
  return box;
})();
var invSbox = /* @__PURE__ */ sbox.map((_, j) => sbox.indexOf(j));
var rotr32_8 = (n) => n << 24 | n >>> 8;
var rotl32_8 = (n) => n << 8 | n >>> 24;
function genTtable(sbox2, fn2) {
  if (sbox2.length !== 256)
    throw new Error("Wrong sbox length");
  const T0 = new Uint32Array(256).map((_, j) => fn2(sbox2[j]));
  const T1 = T0.map(rotl32_8);
  const T2 = T1.map(rotl32_8);
  const T3 = T2.map(rotl32_8);
  const T01 = new Uint32Array(256 * 256);
  const T23 = new Uint32Array(256 * 256);
  const sbox22 = new Uint16Array(256 * 256);
  for (let i = 0; i < 256; i++) {
    for (let j = 0; j < 256; j++) {
      const idx = i * 256 + j;
      T01[idx] = T0[i] ^ T1[j];
      T23[idx] = T2[i] ^ T3[j];
      sbox22[idx] = sbox2[i] << 8 | sbox2[j];
    }
  }
  return { sbox: sbox2, sbox2: sbox22, T0, T1, T2, T3, T01, T23 };
}
var tableEncoding = /* @__PURE__ */ genTtable(sbox, (s) => mul(s, 3) << 24 | s << 16 | s << 8 | mul(s, 2));
var tableDecoding = /* @__PURE__ */ genTtable(invSbox, (s) => mul(s, 11) << 24 | mul(s, 13) << 16 | mul(s, 9) << 8 | mul(s, 14));
var xPowers = /* @__PURE__ */ (() => {
  const p = new Uint8Array(16);
  for (let i = 0, x = 1; i < 16; i++, x = mul2(x))
    p[i] = x;
  return p;
})();
function expandKeyLE(key) {
  abytes(key);
  const len = key.length;
  if (![16, 24, 32].includes(len))
    throw new Error("aes: invalid key size, should be 16, 24 or 32, got " + len);
  const { sbox2 } = tableEncoding;
  const toClean = [];
  if (!isAligned32(key))
    toClean.push(key = copyBytes(key));
  const k32 = u32(key);
  const Nk = k32.length;
  const subByte = (n) => applySbox(sbox2, n, n, n, n);
  const xk = new Uint32Array(len + 28);
  xk.set(k32);
  for (let i = Nk; i < xk.length; i++) {
    let t = xk[i - 1];
    if (i % Nk === 0)
      t = subByte(rotr32_8(t)) ^ xPowers[i / Nk - 1];
    else if (Nk > 6 && i % Nk === 4)
      t = subByte(t);
    xk[i] = xk[i - Nk] ^ t;
  }
  clean(...toClean);
  return xk;
}
function expandKeyDecLE(key) {
  const encKey = expandKeyLE(key);
  const xk = encKey.slice();
  const Nk = encKey.length;
  const { sbox2 } = tableEncoding;
  const { T0, T1, T2, T3 } = tableDecoding;
  for (let i = 0; i < Nk; i += 4) {
    for (let j = 0; j < 4; j++)
      xk[i + j] = encKey[Nk - i - 4 + j];
  }
  clean(encKey);
  for (let i = 4; i < Nk - 4; i++) {
    const x = xk[i];
    const w = applySbox(sbox2, x, x, x, x);
    xk[i] = T0[w & 255] ^ T1[w >>> 8 & 255] ^ T2[w >>> 16 & 255] ^ T3[w >>> 24];
  }
  return xk;
}
function apply0123(T01, T23, s0, s1, s2, s3) {
  return T01[s0 << 8 & 65280 | s1 >>> 8 & 255] ^ T23[s2 >>> 8 & 65280 | s3 >>> 24 & 255];
}
function applySbox(sbox2, s0, s1, s2, s3) {
  return sbox2[s0 & 255 | s1 & 65280] | sbox2[s2 >>> 16 & 255 | s3 >>> 16 & 65280] << 16;
}
function encrypt(xk, s0, s1, s2, s3) {
  const { sbox2, T01, T23 } = tableEncoding;
  let k = 0;
  s0 ^= xk[k++], s1 ^= xk[k++], s2 ^= xk[k++], s3 ^= xk[k++];
  const rounds = xk.length / 4 - 2;
  for (let i = 0; i < rounds; i++) {
    const t02 = xk[k++] ^ apply0123(T01, T23, s0, s1, s2, s3);
    const t12 = xk[k++] ^ apply0123(T01, T23, s1, s2, s3, s0);
    const t22 = xk[k++] ^ apply0123(T01, T23, s2, s3, s0, s1);
    const t32 = xk[k++] ^ apply0123(T01, T23, s3, s0, s1, s2);
    s0 = t02, s1 = t12, s2 = t22, s3 = t32;
  }
  const t0 = xk[k++] ^ applySbox(sbox2, s0, s1, s2, s3);
  const t1 = xk[k++] ^ applySbox(sbox2, s1, s2, s3, s0);
  const t2 = xk[k++] ^ applySbox(sbox2, s2, s3, s0, s1);
  const t3 = xk[k++] ^ applySbox(sbox2, s3, s0, s1, s2);
  return { s0: t0, s1: t1, s2: t2, s3: t3 };
}
function decrypt(xk, s0, s1, s2, s3) {
  const { sbox2, T01, T23 } = tableDecoding;
  let k = 0;
  s0 ^= xk[k++], s1 ^= xk[k++], s2 ^= xk[k++], s3 ^= xk[k++];
  const rounds = xk.length / 4 - 2;
  for (let i = 0; i < rounds; i++) {
    const t02 = xk[k++] ^ apply0123(T01, T23, s0, s3, s2, s1);
    const t12 = xk[k++] ^ apply0123(T01, T23, s1, s0, s3, s2);
    const t22 = xk[k++] ^ apply0123(T01, T23, s2, s1, s0, s3);
    const t32 = xk[k++] ^ apply0123(T01, T23, s3, s2, s1, s0);
    s0 = t02, s1 = t12, s2 = t22, s3 = t32;
  }
  const t0 = xk[k++] ^ applySbox(sbox2, s0, s3, s2, s1);
  const t1 = xk[k++] ^ applySbox(sbox2, s1, s0, s3, s2);
  const t2 = xk[k++] ^ applySbox(sbox2, s2, s1, s0, s3);
  const t3 = xk[k++] ^ applySbox(sbox2, s3, s2, s1, s0);
  return { s0: t0, s1: t1, s2: t2, s3: t3 };
}
function validateBlockDecrypt(data) {
  abytes(data);
  if (data.length % BLOCK_SIZE !== 0) {
    throw new Error("aes-(cbc/ecb).decrypt ciphertext should consist of blocks with size " + BLOCK_SIZE);
  }
}
function validateBlockEncrypt(plaintext, pcks5, dst) {
  abytes(plaintext);
  let outLen = plaintext.length;
  const remaining = outLen % BLOCK_SIZE;
  if (!pcks5 && remaining !== 0)
    throw new Error("aec/(cbc-ecb): unpadded plaintext with disabled padding");
  if (!isAligned32(plaintext))
    plaintext = copyBytes(plaintext);
  const b = u32(plaintext);
  if (pcks5) {
    let left = BLOCK_SIZE - remaining;
    if (!left)
      left = BLOCK_SIZE;
    outLen = outLen + left;
  }
  dst = getOutput(outLen, dst);
  complexOverlapBytes(plaintext, dst);
  const o = u32(dst);
  return { b, o, out: dst };
}
function validatePCKS(data, pcks5) {
  if (!pcks5)
    return data;
  const len = data.length;
  if (!len)
    throw new Error("aes/pcks5: empty ciphertext not allowed");
  const lastByte = data[len - 1];
  if (lastByte <= 0 || lastByte > 16)
    throw new Error("aes/pcks5: wrong padding");
  const out = data.subarray(0, -lastByte);
  for (let i = 0; i < lastByte; i++)
    if (data[len - i - 1] !== lastByte)
      throw new Error("aes/pcks5: wrong padding");
  return out;
}
function padPCKS(left) {
  const tmp = new Uint8Array(16);
  const tmp32 = u32(tmp);
  tmp.set(left);
  const paddingByte = BLOCK_SIZE - left.length;
  for (let i = BLOCK_SIZE - paddingByte; i < BLOCK_SIZE; i++)
    tmp[i] = paddingByte;
  return tmp32;
}
var cbc = /* @__PURE__ */ wrapCipher({ blockSize: 16, nonceLength: 16 }, function aescbc(key, iv, opts = {}) {
  const pcks5 = !opts.disablePadding;
  return {
    encrypt(plaintext, dst) {
      const xk = expandKeyLE(key);
      const { b, o, out: _out } = validateBlockEncrypt(plaintext, pcks5, dst);
      let _iv = iv;
      const toClean = [xk];
      if (!isAligned32(_iv))
        toClean.push(_iv = copyBytes(_iv));
      const n32 = u32(_iv);
      let s0 = n32[0], s1 = n32[1], s2 = n32[2], s3 = n32[3];
      let i = 0;
      for (; i + 4 <= b.length; ) {
        s0 ^= b[i + 0], s1 ^= b[i + 1], s2 ^= b[i + 2], s3 ^= b[i + 3];
        ({ s0, s1, s2, s3 } = encrypt(xk, s0, s1, s2, s3));
        o[i++] = s0, o[i++] = s1, o[i++] = s2, o[i++] = s3;
      }
      if (pcks5) {
        const tmp32 = padPCKS(plaintext.subarray(i * 4));
        s0 ^= tmp32[0], s1 ^= tmp32[1], s2 ^= tmp32[2], s3 ^= tmp32[3];
        ({ s0, s1, s2, s3 } = encrypt(xk, s0, s1, s2, s3));
        o[i++] = s0, o[i++] = s1, o[i++] = s2, o[i++] = s3;
      }
      clean(...toClean);
      return _out;
    },
    decrypt(ciphertext, dst) {
      validateBlockDecrypt(ciphertext);
      const xk = expandKeyDecLE(key);
      let _iv = iv;
      const toClean = [xk];
      if (!isAligned32(_iv))
        toClean.push(_iv = copyBytes(_iv));
      const n32 = u32(_iv);
      dst = getOutput(ciphertext.length, dst);
      if (!isAligned32(ciphertext))
        toClean.push(ciphertext = copyBytes(ciphertext));
      complexOverlapBytes(ciphertext, dst);
      const b = u32(ciphertext);
      const o = u32(dst);
      let s0 = n32[0], s1 = n32[1], s2 = n32[2], s3 = n32[3];
      for (let i = 0; i + 4 <= b.length; ) {
        const ps0 = s0, ps1 = s1, ps2 = s2, ps3 = s3;
        s0 = b[i + 0], s1 = b[i + 1], s2 = b[i + 2], s3 = b[i + 3];
        const { s0: o0, s1: o1, s2: o2, s3: o3 } = decrypt(xk, s0, s1, s2, s3);
        o[i++] = o0 ^ ps0, o[i++] = o1 ^ ps1, o[i++] = o2 ^ ps2, o[i++] = o3 ^ ps3;
      }
      clean(...toClean);
      return validatePCKS(dst, pcks5);
    }
  };
});

// node_modules/@stablelib/random/lib/source/system.js
var QUOTA = 65536;
var SystemRandomSource = class {
  constructor() {
    __publicField(this, "isAvailable", false);
    __publicField(this, "isInstantiated", false);
    if (typeof crypto !== "undefined" && "getRandomValues" in crypto) {
      this.isAvailable = true;
      this.isInstantiated = true;
    }
  }
  randomBytes(length) {
    if (!this.isAvailable) {
      throw new Error("System random byte generator is not available.");
    }
    const out = new Uint8Array(length);
    for (let i = 0; i < out.length; i += QUOTA) {
      crypto.getRandomValues(out.subarray(i, i + Math.min(out.length - i, QUOTA)));
    }
    return out;
  }
};

// node_modules/@stablelib/int/lib/int.js
var isInteger = Number.isInteger;
var MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;
var isSafeInteger = Number.isSafeInteger;

// node_modules/@stablelib/random/lib/random.js
var defaultRandomSource = new SystemRandomSource();

// node_modules/@stablelib/x25519/lib/x25519.js
var PUBLIC_KEY_LENGTH = 32;
var SECRET_KEY_LENGTH = 32;
function gf(init) {
  const r = new Float64Array(16);
  if (init) {
    for (let i = 0; i < init.length; i++) {
      r[i] = init[i];
    }
  }
  return r;
}
var _9 = new Uint8Array(32);
_9[0] = 9;
var _121665 = gf([56129, 1]);
function car25519(o) {
  let c = 1;
  for (let i = 0; i < 16; i++) {
    let v = o[i] + c + 65535;
    c = Math.floor(v / 65536);
    o[i] = v - c * 65536;
  }
  o[0] += c - 1 + 37 * (c - 1);
}
function sel25519(p, q, b) {
  const c = ~(b - 1);
  for (let i = 0; i < 16; i++) {
    const t = c & (p[i] ^ q[i]);
    p[i] ^= t;
    q[i] ^= t;
  }
}
function pack25519(o, n) {
  const m = gf();
  const t = gf();
  for (let i = 0; i < 16; i++) {
    t[i] = n[i];
  }
  car25519(t);
  car25519(t);
  car25519(t);
  for (let j = 0; j < 2; j++) {
    m[0] = t[0] - 65517;
    for (let i = 1; i < 15; i++) {
      m[i] = t[i] - 65535 - (m[i - 1] >> 16 & 1);
      m[i - 1] &= 65535;
    }
    m[15] = t[15] - 32767 - (m[14] >> 16 & 1);
    const b = m[15] >> 16 & 1;
    m[14] &= 65535;
    sel25519(t, m, 1 - b);
  }
  for (let i = 0; i < 16; i++) {
    o[2 * i] = t[i] & 255;
    o[2 * i + 1] = t[i] >> 8;
  }
}
function unpack25519(o, n) {
  for (let i = 0; i < 16; i++) {
    o[i] = n[2 * i] + (n[2 * i + 1] << 8);
  }
  o[15] &= 32767;
}
function add(o, a, b) {
  for (let i = 0; i < 16; i++) {
    o[i] = a[i] + b[i];
  }
}
function sub(o, a, b) {
  for (let i = 0; i < 16; i++) {
    o[i] = a[i] - b[i];
  }
}
function mul3(o, a, b) {
  let v, c, t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0, t8 = 0, t9 = 0, t10 = 0, t11 = 0, t12 = 0, t13 = 0, t14 = 0, t15 = 0, t16 = 0, t17 = 0, t18 = 0, t19 = 0, t20 = 0, t21 = 0, t22 = 0, t23 = 0, t24 = 0, t25 = 0, t26 = 0, t27 = 0, t28 = 0, t29 = 0, t30 = 0, b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7], b8 = b[8], b9 = b[9], b10 = b[10], b11 = b[11], b12 = b[12], b13 = b[13], b14 = b[14], b15 = b[15];
  v = a[0];
  t0 += v * b0;
  t1 += v * b1;
  t2 += v * b2;
  t3 += v * b3;
  t4 += v * b4;
  t5 += v * b5;
  t6 += v * b6;
  t7 += v * b7;
  t8 += v * b8;
  t9 += v * b9;
  t10 += v * b10;
  t11 += v * b11;
  t12 += v * b12;
  t13 += v * b13;
  t14 += v * b14;
  t15 += v * b15;
  v = a[1];
  t1 += v * b0;
  t2 += v * b1;
  t3 += v * b2;
  t4 += v * b3;
  t5 += v * b4;
  t6 += v * b5;
  t7 += v * b6;
  t8 += v * b7;
  t9 += v * b8;
  t10 += v * b9;
  t11 += v * b10;
  t12 += v * b11;
  t13 += v * b12;
  t14 += v * b13;
  t15 += v * b14;
  t16 += v * b15;
  v = a[2];
  t2 += v * b0;
  t3 += v * b1;
  t4 += v * b2;
  t5 += v * b3;
  t6 += v * b4;
  t7 += v * b5;
  t8 += v * b6;
  t9 += v * b7;
  t10 += v * b8;
  t11 += v * b9;
  t12 += v * b10;
  t13 += v * b11;
  t14 += v * b12;
  t15 += v * b13;
  t16 += v * b14;
  t17 += v * b15;
  v = a[3];
  t3 += v * b0;
  t4 += v * b1;
  t5 += v * b2;
  t6 += v * b3;
  t7 += v * b4;
  t8 += v * b5;
  t9 += v * b6;
  t10 += v * b7;
  t11 += v * b8;
  t12 += v * b9;
  t13 += v * b10;
  t14 += v * b11;
  t15 += v * b12;
  t16 += v * b13;
  t17 += v * b14;
  t18 += v * b15;
  v = a[4];
  t4 += v * b0;
  t5 += v * b1;
  t6 += v * b2;
  t7 += v * b3;
  t8 += v * b4;
  t9 += v * b5;
  t10 += v * b6;
  t11 += v * b7;
  t12 += v * b8;
  t13 += v * b9;
  t14 += v * b10;
  t15 += v * b11;
  t16 += v * b12;
  t17 += v * b13;
  t18 += v * b14;
  t19 += v * b15;
  v = a[5];
  t5 += v * b0;
  t6 += v * b1;
  t7 += v * b2;
  t8 += v * b3;
  t9 += v * b4;
  t10 += v * b5;
  t11 += v * b6;
  t12 += v * b7;
  t13 += v * b8;
  t14 += v * b9;
  t15 += v * b10;
  t16 += v * b11;
  t17 += v * b12;
  t18 += v * b13;
  t19 += v * b14;
  t20 += v * b15;
  v = a[6];
  t6 += v * b0;
  t7 += v * b1;
  t8 += v * b2;
  t9 += v * b3;
  t10 += v * b4;
  t11 += v * b5;
  t12 += v * b6;
  t13 += v * b7;
  t14 += v * b8;
  t15 += v * b9;
  t16 += v * b10;
  t17 += v * b11;
  t18 += v * b12;
  t19 += v * b13;
  t20 += v * b14;
  t21 += v * b15;
  v = a[7];
  t7 += v * b0;
  t8 += v * b1;
  t9 += v * b2;
  t10 += v * b3;
  t11 += v * b4;
  t12 += v * b5;
  t13 += v * b6;
  t14 += v * b7;
  t15 += v * b8;
  t16 += v * b9;
  t17 += v * b10;
  t18 += v * b11;
  t19 += v * b12;
  t20 += v * b13;
  t21 += v * b14;
  t22 += v * b15;
  v = a[8];
  t8 += v * b0;
  t9 += v * b1;
  t10 += v * b2;
  t11 += v * b3;
  t12 += v * b4;
  t13 += v * b5;
  t14 += v * b6;
  t15 += v * b7;
  t16 += v * b8;
  t17 += v * b9;
  t18 += v * b10;
  t19 += v * b11;
  t20 += v * b12;
  t21 += v * b13;
  t22 += v * b14;
  t23 += v * b15;
  v = a[9];
  t9 += v * b0;
  t10 += v * b1;
  t11 += v * b2;
  t12 += v * b3;
  t13 += v * b4;
  t14 += v * b5;
  t15 += v * b6;
  t16 += v * b7;
  t17 += v * b8;
  t18 += v * b9;
  t19 += v * b10;
  t20 += v * b11;
  t21 += v * b12;
  t22 += v * b13;
  t23 += v * b14;
  t24 += v * b15;
  v = a[10];
  t10 += v * b0;
  t11 += v * b1;
  t12 += v * b2;
  t13 += v * b3;
  t14 += v * b4;
  t15 += v * b5;
  t16 += v * b6;
  t17 += v * b7;
  t18 += v * b8;
  t19 += v * b9;
  t20 += v * b10;
  t21 += v * b11;
  t22 += v * b12;
  t23 += v * b13;
  t24 += v * b14;
  t25 += v * b15;
  v = a[11];
  t11 += v * b0;
  t12 += v * b1;
  t13 += v * b2;
  t14 += v * b3;
  t15 += v * b4;
  t16 += v * b5;
  t17 += v * b6;
  t18 += v * b7;
  t19 += v * b8;
  t20 += v * b9;
  t21 += v * b10;
  t22 += v * b11;
  t23 += v * b12;
  t24 += v * b13;
  t25 += v * b14;
  t26 += v * b15;
  v = a[12];
  t12 += v * b0;
  t13 += v * b1;
  t14 += v * b2;
  t15 += v * b3;
  t16 += v * b4;
  t17 += v * b5;
  t18 += v * b6;
  t19 += v * b7;
  t20 += v * b8;
  t21 += v * b9;
  t22 += v * b10;
  t23 += v * b11;
  t24 += v * b12;
  t25 += v * b13;
  t26 += v * b14;
  t27 += v * b15;
  v = a[13];
  t13 += v * b0;
  t14 += v * b1;
  t15 += v * b2;
  t16 += v * b3;
  t17 += v * b4;
  t18 += v * b5;
  t19 += v * b6;
  t20 += v * b7;
  t21 += v * b8;
  t22 += v * b9;
  t23 += v * b10;
  t24 += v * b11;
  t25 += v * b12;
  t26 += v * b13;
  t27 += v * b14;
  t28 += v * b15;
  v = a[14];
  t14 += v * b0;
  t15 += v * b1;
  t16 += v * b2;
  t17 += v * b3;
  t18 += v * b4;
  t19 += v * b5;
  t20 += v * b6;
  t21 += v * b7;
  t22 += v * b8;
  t23 += v * b9;
  t24 += v * b10;
  t25 += v * b11;
  t26 += v * b12;
  t27 += v * b13;
  t28 += v * b14;
  t29 += v * b15;
  v = a[15];
  t15 += v * b0;
  t16 += v * b1;
  t17 += v * b2;
  t18 += v * b3;
  t19 += v * b4;
  t20 += v * b5;
  t21 += v * b6;
  t22 += v * b7;
  t23 += v * b8;
  t24 += v * b9;
  t25 += v * b10;
  t26 += v * b11;
  t27 += v * b12;
  t28 += v * b13;
  t29 += v * b14;
  t30 += v * b15;
  t0 += 38 * t16;
  t1 += 38 * t17;
  t2 += 38 * t18;
  t3 += 38 * t19;
  t4 += 38 * t20;
  t5 += 38 * t21;
  t6 += 38 * t22;
  t7 += 38 * t23;
  t8 += 38 * t24;
  t9 += 38 * t25;
  t10 += 38 * t26;
  t11 += 38 * t27;
  t12 += 38 * t28;
  t13 += 38 * t29;
  t14 += 38 * t30;
  c = 1;
  v = t0 + c + 65535;
  c = Math.floor(v / 65536);
  t0 = v - c * 65536;
  v = t1 + c + 65535;
  c = Math.floor(v / 65536);
  t1 = v - c * 65536;
  v = t2 + c + 65535;
  c = Math.floor(v / 65536);
  t2 = v - c * 65536;
  v = t3 + c + 65535;
  c = Math.floor(v / 65536);
  t3 = v - c * 65536;
  v = t4 + c + 65535;
  c = Math.floor(v / 65536);
  t4 = v - c * 65536;
  v = t5 + c + 65535;
  c = Math.floor(v / 65536);
  t5 = v - c * 65536;
  v = t6 + c + 65535;
  c = Math.floor(v / 65536);
  t6 = v - c * 65536;
  v = t7 + c + 65535;
  c = Math.floor(v / 65536);
  t7 = v - c * 65536;
  v = t8 + c + 65535;
  c = Math.floor(v / 65536);
  t8 = v - c * 65536;
  v = t9 + c + 65535;
  c = Math.floor(v / 65536);
  t9 = v - c * 65536;
  v = t10 + c + 65535;
  c = Math.floor(v / 65536);
  t10 = v - c * 65536;
  v = t11 + c + 65535;
  c = Math.floor(v / 65536);
  t11 = v - c * 65536;
  v = t12 + c + 65535;
  c = Math.floor(v / 65536);
  t12 = v - c * 65536;
  v = t13 + c + 65535;
  c = Math.floor(v / 65536);
  t13 = v - c * 65536;
  v = t14 + c + 65535;
  c = Math.floor(v / 65536);
  t14 = v - c * 65536;
  v = t15 + c + 65535;
  c = Math.floor(v / 65536);
  t15 = v - c * 65536;
  t0 += c - 1 + 37 * (c - 1);
  c = 1;
  v = t0 + c + 65535;
  c = Math.floor(v / 65536);
  t0 = v - c * 65536;
  v = t1 + c + 65535;
  c = Math.floor(v / 65536);
  t1 = v - c * 65536;
  v = t2 + c + 65535;
  c = Math.floor(v / 65536);
  t2 = v - c * 65536;
  v = t3 + c + 65535;
  c = Math.floor(v / 65536);
  t3 = v - c * 65536;
  v = t4 + c + 65535;
  c = Math.floor(v / 65536);
  t4 = v - c * 65536;
  v = t5 + c + 65535;
  c = Math.floor(v / 65536);
  t5 = v - c * 65536;
  v = t6 + c + 65535;
  c = Math.floor(v / 65536);
  t6 = v - c * 65536;
  v = t7 + c + 65535;
  c = Math.floor(v / 65536);
  t7 = v - c * 65536;
  v = t8 + c + 65535;
  c = Math.floor(v / 65536);
  t8 = v - c * 65536;
  v = t9 + c + 65535;
  c = Math.floor(v / 65536);
  t9 = v - c * 65536;
  v = t10 + c + 65535;
  c = Math.floor(v / 65536);
  t10 = v - c * 65536;
  v = t11 + c + 65535;
  c = Math.floor(v / 65536);
  t11 = v - c * 65536;
  v = t12 + c + 65535;
  c = Math.floor(v / 65536);
  t12 = v - c * 65536;
  v = t13 + c + 65535;
  c = Math.floor(v / 65536);
  t13 = v - c * 65536;
  v = t14 + c + 65535;
  c = Math.floor(v / 65536);
  t14 = v - c * 65536;
  v = t15 + c + 65535;
  c = Math.floor(v / 65536);
  t15 = v - c * 65536;
  t0 += c - 1 + 37 * (c - 1);
  o[0] = t0;
  o[1] = t1;
  o[2] = t2;
  o[3] = t3;
  o[4] = t4;
  o[5] = t5;
  o[6] = t6;
  o[7] = t7;
  o[8] = t8;
  o[9] = t9;
  o[10] = t10;
  o[11] = t11;
  o[12] = t12;
  o[13] = t13;
  o[14] = t14;
  o[15] = t15;
}
function square(o, a) {
  mul3(o, a, a);
}
function inv25519(o, inp) {
  const c = gf();
  for (let i = 0; i < 16; i++) {
    c[i] = inp[i];
  }
  for (let i = 253; i >= 0; i--) {
    square(c, c);
    if (i !== 2 && i !== 4) {
      mul3(c, c, inp);
    }
  }
  for (let i = 0; i < 16; i++) {
    o[i] = c[i];
  }
}
function scalarMult(n, p) {
  const z = new Uint8Array(32);
  const x = new Float64Array(80);
  const a = gf(), b = gf(), c = gf(), d = gf(), e = gf(), f = gf();
  for (let i = 0; i < 31; i++) {
    z[i] = n[i];
  }
  z[31] = n[31] & 127 | 64;
  z[0] &= 248;
  unpack25519(x, p);
  for (let i = 0; i < 16; i++) {
    b[i] = x[i];
  }
  a[0] = d[0] = 1;
  for (let i = 254; i >= 0; --i) {
    const r = z[i >>> 3] >>> (i & 7) & 1;
    sel25519(a, b, r);
    sel25519(c, d, r);
    add(e, a, c);
    sub(a, a, c);
    add(c, b, d);
    sub(b, b, d);
    square(d, e);
    square(f, a);
    mul3(a, c, a);
    mul3(c, b, e);
    add(e, a, c);
    sub(a, a, c);
    square(b, a);
    sub(c, d, f);
    mul3(a, c, _121665);
    add(a, a, d);
    mul3(c, c, a);
    mul3(a, d, f);
    mul3(d, b, x);
    square(b, e);
    sel25519(a, b, r);
    sel25519(c, d, r);
  }
  for (let i = 0; i < 16; i++) {
    x[i + 16] = a[i];
    x[i + 32] = c[i];
    x[i + 48] = b[i];
    x[i + 64] = d[i];
  }
  const x32 = x.subarray(32);
  const x16 = x.subarray(16);
  inv25519(x32, x32);
  mul3(x16, x16, x32);
  const q = new Uint8Array(32);
  pack25519(q, x16);
  return q;
}
function scalarMultBase(n) {
  return scalarMult(n, _9);
}
function generateKeyPairFromSeed(seed) {
  if (seed.length !== SECRET_KEY_LENGTH) {
    throw new Error(`x25519: seed must be ${SECRET_KEY_LENGTH} bytes`);
  }
  const secretKey = new Uint8Array(seed);
  const publicKey = scalarMultBase(secretKey);
  return {
    publicKey,
    secretKey
  };
}
function sharedKey(mySecretKey, theirPublicKey, rejectZero = false) {
  if (mySecretKey.length !== PUBLIC_KEY_LENGTH) {
    throw new Error("X25519: incorrect secret key length");
  }
  if (theirPublicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new Error("X25519: incorrect public key length");
  }
  const result = scalarMult(mySecretKey, theirPublicKey);
  if (rejectZero) {
    let zeros = 0;
    for (let i = 0; i < result.length; i++) {
      zeros |= result[i];
    }
    if (zeros === 0) {
      throw new Error("X25519: invalid shared key");
    }
  }
  return result;
}

// sdk/proto/md5.ts
var K = new Int32Array([
  3614090360,
  3905402710,
  606105819,
  3250441966,
  4118548399,
  1200080426,
  2821735955,
  4249261313,
  1770035416,
  2336552879,
  4294925233,
  2304563134,
  1804603682,
  4254626195,
  2792965006,
  1236535329,
  4129170786,
  3225465664,
  643717713,
  3921069994,
  3593408605,
  38016083,
  3634488961,
  3889429448,
  568446438,
  3275163606,
  4107603335,
  1163531501,
  2850285829,
  4243563512,
  1735328473,
  2368359562,
  4294588738,
  2272392833,
  1839030562,
  4259657740,
  2763975236,
  1272893353,
  4139469664,
  3200236656,
  681279174,
  3936430074,
  3572445317,
  76029189,
  3654602809,
  3873151461,
  530742520,
  3299628645,
  4096336452,
  1126891415,
  2878612391,
  4237533241,
  1700485571,
  2399980690,
  4293915773,
  2240044497,
  1873313359,
  4264355552,
  2734768916,
  1309151649,
  4149444226,
  3174756917,
  718787259,
  3951481745
]);
var S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
function md5(data) {
  const n = data.length;
  const blocks = (n + 8 >>> 6) + 1;
  const m = new Uint8Array(blocks * 64);
  m.set(data);
  m[n] = 128;
  const bits = n * 8;
  const end = blocks * 64 - 8;
  for (let i = 0; i < 4; i++) m[end + i] = bits >>> 8 * i & 255;
  m[end + 4] = Math.floor(n / 536870912) & 255;
  let a0 = 1732584193;
  let b0 = 4023233417 | 0;
  let c0 = 2562383102 | 0;
  let d0 = 271733878;
  const w = new Int32Array(16);
  for (let off = 0; off < m.length; off += 64) {
    for (let j = 0; j < 16; j++) {
      const p = off + j * 4;
      w[j] = m[p] | m[p + 1] << 8 | m[p + 2] << 16 | m[p + 3] << 24;
    }
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f;
      let g;
      if (i < 16) f = b & c | ~b & d, g = i;
      else if (i < 32) f = d & b | ~d & c, g = 5 * i + 1 & 15;
      else if (i < 48) f = b ^ c ^ d, g = 3 * i + 5 & 15;
      else f = c ^ (b | ~d), g = 7 * i & 15;
      const t = a + f + K[i] + w[g] | 0;
      const s = S[(i >> 4) * 4 + (i & 3)];
      a = d;
      d = c;
      c = b;
      b = b + (t << s | t >>> 32 - s) | 0;
    }
    a0 = a0 + a | 0;
    b0 = b0 + b | 0;
    c0 = c0 + c | 0;
    d0 = d0 + d | 0;
  }
  const out = new Uint8Array(16);
  const words = [a0, b0, c0, d0];
  for (let i = 0; i < 16; i++) out[i] = words[i >> 2] >>> 8 * (i & 3) & 255;
  return out;
}
var HEX = "0123456789abcdef";
function md5Hex(data) {
  const h = md5(data);
  let s = "";
  for (let i = 0; i < 16; i++) s += HEX[h[i] >> 4] + HEX[h[i] & 15];
  return s;
}

// sdk/proto/crypto.ts
function generateKeyPair(seed) {
  if (seed.length !== 32) throw new ProtocolError("X25519 seed must be 32 bytes", { length: seed.length });
  const kp = generateKeyPairFromSeed(seed);
  return { publicKey: kp.publicKey, secretKey: kp.secretKey };
}
var SessionCrypto = class {
  constructor(aesKey, aesIV) {
    this.aesKey = aesKey;
    this.aesIV = aesIV;
    this.key = encodeUtf8(aesKey);
    this.iv = encodeUtf8(aesIV);
    if (this.key.length !== 16 || this.iv.length !== 16) throw new ProtocolError("AES key and IV must be 16 bytes", { keyLength: this.key.length, ivLength: this.iv.length });
  }
  /** AES-128-CBC/PKCS#7 of `plain`, as the ASCII bytes of its base64 (the wire payload). */
  encrypt(plain) {
    return encodeBase64Ascii(cbc(this.key, this.iv).encrypt(plain));
  }
  /** Inverse of encrypt; throws ProtocolError on bad base64, length or padding. */
  decrypt(wire) {
    const cipher = decodeBase64Ascii(wire);
    try {
      return cbc(this.key, this.iv).decrypt(cipher);
    } catch (e) {
      throw new ProtocolError("payload does not decrypt", { length: cipher.length }, e);
    }
  }
  /** msgKey of a SEND whose payload is already the wire (base64) form. */
  sendMsgKey(p) {
    return this.msgKey(`${p.clientSeq}${p.clientMsgNo}${p.channelId}${p.channelType}`, p.payload);
  }
  /** msgKey a RECV should carry, from its fields as received (payload in wire form). */
  recvMsgKey(p) {
    return this.msgKey(`${p.messageId}${p.messageSeq}${p.clientMsgNo}${p.timestamp}${p.fromUid}${p.channelId}${p.channelType}`, p.payload);
  }
  // hex(MD5(base64(AES(utf8(fields + payloadB64))))), §5.4. The payload is already ASCII base64.
  msgKey(fields, wirePayload) {
    const head = encodeUtf8(fields);
    const verify = new Uint8Array(head.length + wirePayload.length);
    verify.set(head);
    verify.set(wirePayload, head.length);
    return md5Hex(this.encrypt(verify));
  }
};
function derive(secretKey, peerKeyB64, salt) {
  const peer = decodeBase64(peerKeyB64);
  if (peer.length !== 32) throw new ProtocolError("peer X25519 key must be 32 bytes", { length: peer.length });
  let shared;
  try {
    shared = sharedKey(secretKey, peer, true);
  } catch (e) {
    throw new ProtocolError("X25519 key agreement failed", {}, e);
  }
  const aesKey = md5Hex(encodeUtf8(encodeBase64(shared))).slice(0, 16);
  if (salt.length < 16) throw new ProtocolError("salt must have at least 16 characters", { length: salt.length });
  return new SessionCrypto(aesKey, salt.slice(0, 16));
}
function deriveSession(secretKey, serverKeyB64, salt) {
  return serverKeyB64 === "" ? null : derive(secretKey, serverKeyB64, salt);
}
var passThrough = (session, setting) => session === null || (setting & Setting.NO_ENCRYPT) !== 0;
function sealSend(session, p) {
  if (passThrough(session, p.setting)) return __spreadProps(__spreadValues({}, p), { msgKey: "" });
  const sealed = __spreadProps(__spreadValues({}, p), { payload: session.encrypt(p.payload) });
  sealed.msgKey = session.sendMsgKey(sealed);
  return sealed;
}
function openRecv(session, p) {
  if (passThrough(session, p.setting)) return p.payload;
  if (session.recvMsgKey(p) !== p.msgKey) throw new ProtocolError("RECV msgKey mismatch", { messageId: p.messageId, clientMsgNo: p.clientMsgNo });
  return session.decrypt(p.payload);
}

// sdk/proto/frame-decoder.ts
var EMPTY = new Uint8Array(0);
var FrameDecoder = class {
  constructor(maxRemainingLength = MAX_REMAINING_LENGTH) {
    this.maxRemainingLength = maxRemainingLength;
    this.buf = EMPTY;
    this.pos = 0;
  }
  push(chunk) {
    if (chunk.length === 0) return;
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      const left = this.buf.length - this.pos;
      const joined = new Uint8Array(left + chunk.length);
      joined.set(this.buf.subarray(this.pos));
      joined.set(chunk, left);
      this.buf = joined;
    }
    this.pos = 0;
  }
  /** Bytes buffered but not yet returned as frames. */
  get buffered() {
    return this.buf.length - this.pos;
  }
  next() {
    const buf = this.buf;
    const start = this.pos;
    if (start >= buf.length) return void 0;
    const header = buf[start];
    const type = header >> 4;
    if (type === 0 || type > PacketType.EVENT) this.fail(`invalid packet type ${type}`, { header });
    if (type === PacketType.PING || type === PacketType.PONG) {
      this.pos = start + 1;
      return { type, flags: header & 15, body: EMPTY };
    }
    let length = 0;
    let i = start + 1;
    for (let shift = 0; ; shift += 7) {
      if (i >= buf.length) return void 0;
      const b = buf[i++];
      length += (b & 127) * 2 ** shift;
      if ((b & 128) === 0) break;
      if (shift === 21) this.fail("remaining length longer than 4 bytes", { header });
    }
    if (length > this.maxRemainingLength) this.fail("remaining length above the limit", { length, limit: this.maxRemainingLength });
    if (buf.length - i < length) return void 0;
    this.pos = i + length;
    if (this.pos === buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    return { type, flags: header & 15, body: buf.subarray(i, i + length) };
  }
  /** Drops everything buffered. */
  reset() {
    this.buf = EMPTY;
    this.pos = 0;
  }
  fail(message, context) {
    this.reset();
    throw new ProtocolError(message, context);
  }
};

// sdk/connection/deadline.ts
function withDeadline(timers, callback, ms, call) {
  const answer = new Promise((resolve) => resolve(call()));
  if (ms === void 0) return answer;
  return new Promise((resolve, reject) => {
    const id = timers.setTimeout(() => reject(new ClientError("TIMEOUT", `${callback} did not answer within ${ms} ms`, { callback, timeoutMs: ms })), ms);
    answer.then(
      (value) => (timers.clearTimeout(id), resolve(value)),
      (error) => (timers.clearTimeout(id), reject(error))
    );
  });
}

// sdk/connection/state.ts
var CONNECTION_TRANSITIONS = {
  // connect() was called; or close() before it, or offline before the first dial.
  idle: ["connecting", "offline", "closed"],
  // CONNACK 1 → connected; failure → waiting (backoff); network lost → offline;
  // auth failure → stopped; close().
  connecting: ["connected", "waiting", "offline", "stopped", "closed"],
  // link lost → waiting; rebuilt at once (app show after a long hide) → connecting;
  // network lost → offline; kicked → stopped; close().
  connected: ["waiting", "connecting", "offline", "stopped", "closed"],
  // backoff timer fired / network came back / app shown → connecting.
  waiting: ["connecting", "offline", "closed"],
  // network came back → connecting.
  offline: ["connecting", "closed"],
  // connect() called again after a kick or an auth failure.
  stopped: ["connecting", "closed"],
  // final.
  closed: []
};
function canTransition(from, to) {
  return CONNECTION_TRANSITIONS[from].indexOf(to) >= 0;
}

// sdk/connection/connection.ts
var MAX_BATCH_BYTES = 16 * 1024;
var Connection = class {
  constructor(platform, options, diagnostics, hooks, deviceId, random) {
    this.platform = platform;
    this.options = options;
    this.diagnostics = diagnostics;
    this.hooks = hooks;
    this.deviceId = deviceId;
    this.random = random;
    this.current = "idle";
    /** Socket generation: bumped by every dial and every teardown. */
    this.gen = 0;
    /** Frames written in this turn of the event loop, sent together by sendBatch(). */
    this.batch = [];
    this.batchBytes = 0;
    this.decoder = new FrameDecoder();
    /** Released with the socket: its timers. */
    this.socketTimers = /* @__PURE__ */ new Set();
    this.appSubs = [];
    this.attempt = 0;
    this.connackSeen = false;
    /** The current socket opened (a refused dial is not a refused token). */
    this.socketOpened = false;
    this.negotiated = PROTOCOL_VERSION;
    this.sessionCrypto = null;
    this.lastInboundAt = 0;
    this.lastPingAt = 0;
    this.connectedAt = 0;
    this.tokenStale = true;
  }
  get state() {
    return this.current;
  }
  /** Id of the connected socket, or 0 when not connected. */
  get connectionId() {
    return this.current === "connected" ? this.gen : 0;
  }
  get version() {
    return this.negotiated;
  }
  get session() {
    return this.sessionCrypto;
  }
  /** connect(): from idle, or again after a kick / auth failure. */
  start() {
    if (this.current !== "idle" && this.current !== "stopped") return;
    if (this.appSubs.length === 0) this.watchApp();
    this.attempt = 0;
    this.dial("connect");
    const gen = this.gen;
    this.platform.network.getStatus().then(
      (status) => {
        if (!status.online && gen === this.gen && this.current === "connecting") this.teardown("offline", "network offline");
      },
      () => void 0
    );
  }
  /** close(): final. */
  stop() {
    if (this.current === "closed") return;
    this.teardown("closed", "client closed");
    for (const off of this.appSubs.splice(0)) off();
  }
  /**
   * Writes one packet on the connected socket; SENDs are sealed with this connection's session
   * key here, so a re-send is always encrypted for the socket it goes out on. False when not connected.
   */
  write(packet) {
    const socket = this.socket;
    if (this.current !== "connected" || !socket) return false;
    const wire = packet.type === PacketType.SEND && this.sessionCrypto ? sealSend(this.sessionCrypto, packet) : packet;
    this.send(encodeClientPacket(wire, this.negotiated));
    return true;
  }
  /**
   * Don't trust the socket: PING now and tear the link down unless some byte arrives within
   * heartbeat.probeTimeoutMs.
   */
  probe(reason) {
    if (this.current !== "connected" || this.probeSince !== void 0) return;
    this.diagnostics.record("connection", "probe", { reason });
    this.probeSince = this.platform.now();
    this.ping();
    this.armHeartbeat();
  }
  /** Rebuild the socket at once (no backoff). */
  rebuild(reason) {
    if (this.current === "connected" || this.current === "connecting") this.teardown("redial", reason);
    else if (this.current === "waiting") this.dial(reason);
  }
  // ---- state ----------------------------------------------------------------------------------
  setState(to, reason, code) {
    const from = this.current;
    if (from === to) return;
    if (!canTransition(from, to)) {
      this.hooks.onError(new ClientError("INTERNAL", `connection transition ${from} \u2192 ${to} refused`, { from, to, reason }));
      return;
    }
    this.current = to;
    const change = code === void 0 ? { from, to, reason } : { from, to, reason, code };
    this.diagnostics.record("connection", "state", { from, to, reason, code });
    this.hooks.onState(change);
  }
  /** The one teardown path. */
  teardown(next, reason, code) {
    const wasConnected = this.current === "connected";
    if (wasConnected && this.platform.now() - this.connectedAt >= this.options.heartbeat.intervalMs) this.attempt = 0;
    const endedId = this.gen;
    this.gen++;
    for (const id of this.socketTimers) this.platform.clearTimeout(id);
    this.socketTimers.clear();
    this.heartbeatTimer = void 0;
    this.probeSince = void 0;
    this.clearWait();
    if (wasConnected) this.sendBatch();
    const socket = this.socket;
    this.socket = void 0;
    this.batch = [];
    this.batchBytes = 0;
    this.sessionCrypto = null;
    this.secretKey = void 0;
    if (socket) {
      try {
        socket.close(1e3, reason.slice(0, 60));
      } catch (e) {
      }
    }
    if (wasConnected) this.hooks.onDisconnected({ connectionId: endedId, reason });
    if (next === "redial") {
      this.dial(reason);
      return;
    }
    this.setState(next, reason, code);
    if (next === "waiting" && this.redialAtOnce !== void 0) {
      this.attempt = 0;
      this.dial(this.redialAtOnce);
    } else if (next === "waiting") this.scheduleDial();
    if (next === "offline") this.pollNetwork();
  }
  // ---- dialing --------------------------------------------------------------------------------
  dial(reason) {
    this.clearWait();
    const gen = ++this.gen;
    this.redialAtOnce = void 0;
    this.connackSeen = false;
    this.socketOpened = false;
    this.setState("connecting", reason);
    this.diagnostics.record("connection", "dial", { attempt: this.attempt, reason });
    void this.open(gen);
  }
  async open(gen) {
    let url;
    let token;
    let clientKey;
    try {
      url = await this.resolveAddress();
      token = await this.resolveToken();
      const keys = generateKeyPair(await this.platform.randomBytes(32));
      if (gen !== this.gen) return;
      this.secretKey = keys.secretKey;
      clientKey = encodeBase64(keys.publicKey);
    } catch (error) {
      if (gen !== this.gen) return;
      this.hooks.onError(isImError(error) ? error : new NetworkError(`could not prepare the connection: ${messageOf(error)}`, {}, error));
      this.teardown("waiting", `dial failed: ${messageOf(error)}`);
      return;
    }
    this.decoder = new FrameDecoder();
    this.later(gen, this.options.connectTimeoutMs, () => this.teardown("waiting", "connect timeout"));
    const socket = this.platform.openSocket(url, {
      onOpen: () => {
        if (gen !== this.gen) return;
        this.socketOpened = true;
        this.lastInboundAt = this.platform.now();
        this.rawWrite({
          type: PacketType.CONNECT,
          version: PROTOCOL_VERSION,
          deviceFlag: this.options.deviceFlag,
          deviceId: this.deviceId(),
          uid: this.options.uid,
          token,
          clientTimestamp: this.platform.now(),
          clientKey
        });
      },
      onMessage: (data) => {
        if (gen === this.gen) this.receive(gen, data);
      },
      onError: (error) => {
        if (gen !== this.gen) return;
        this.hooks.onError(error);
        this.socketEnded(`socket error: ${error.message}`);
      },
      onClose: (code, why) => {
        if (gen === this.gen) this.socketEnded(`socket closed ${code}${why ? ` ${why}` : ""}`);
      }
    });
    if (gen !== this.gen) {
      socket.close(1e3, "superseded");
      return;
    }
    this.socket = socket;
  }
  socketEnded(reason) {
    if (this.current === "connecting" && this.socketOpened && !this.connackSeen) {
      this.tokenStale = true;
      this.teardown("waiting", `closed before CONNACK (${reason})`);
      return;
    }
    this.teardown("waiting", reason);
  }
  async resolveAddress() {
    var _a;
    const { wsAddr, apiAddr, uid } = this.options;
    if (typeof wsAddr === "string") return wsAddr;
    if (typeof wsAddr === "function") {
      const addr2 = await this.appCallback("wsAddr", wsAddr);
      if (!isWsUrl(addr2)) throw new InvalidArgumentError("wsAddr() must return a ws:// or wss:// URL", { option: "wsAddr" });
      return addr2;
    }
    const res = await this.platform.request({ url: `${apiAddr}/route?uid=${encodeURIComponent(uid)}`, method: "GET" });
    const data = typeof res.data === "string" ? safeJson(res.data) : res.data;
    const first = this.options.routeAddr;
    const addr = data && ((_a = nonEmpty(data[first])) != null ? _a : nonEmpty(data[first === "wss_addr" ? "ws_addr" : "wss_addr"]));
    if (res.status !== 200 || !addr) throw new NetworkError("route lookup gave no WebSocket address", { status: res.status });
    return addr;
  }
  async resolveToken() {
    const provider = this.options.tokenProvider;
    if (!provider) return this.options.token;
    if (this.token === void 0 || this.tokenStale) {
      const token = await this.appCallback("tokenProvider", provider);
      if (typeof token !== "string") throw new ClientError("AUTH_FAILED", "tokenProvider must return a string");
      this.token = token;
      this.tokenStale = false;
      this.diagnostics.record("connection", "token refreshed");
    }
    return this.token;
  }
  /** App code on the dial path gets callbackTimeoutMs to answer (unless the test-only switch is on). */
  appCallback(name2, call) {
    return withDeadline(this.platform, name2, this.options.unsafe.noCallbackDeadlines ? void 0 : this.options.callbackTimeoutMs, call);
  }
  scheduleDial() {
    const gen = this.gen;
    const attempt = this.attempt++;
    void this.random().then((r) => {
      if (gen !== this.gen || this.current !== "waiting") return;
      const delay = backoffDelay(attempt, this.options.backoff, r);
      this.diagnostics.record("connection", "backoff", { attempt, delayMs: delay });
      this.waitTimer = this.platform.setTimeout(() => {
        this.waitTimer = void 0;
        if (gen === this.gen && this.current === "waiting") this.dial("backoff elapsed");
      }, delay);
    });
  }
  /**
   * Network events are hints (platform.md §4: some clients never report "back online"): while
   * offline, look again every backoff.maxMs and dial when the status says online.
   */
  pollNetwork() {
    const gen = this.gen;
    const again = () => {
      if (gen === this.gen && this.current === "offline") this.pollNetwork();
    };
    this.waitTimer = this.platform.setTimeout(() => {
      this.waitTimer = void 0;
      if (gen !== this.gen || this.current !== "offline") return;
      this.platform.network.getStatus().then((status) => {
        if (gen !== this.gen || this.current !== "offline") return;
        if (!status.online) return again();
        this.attempt = 0;
        this.dial("network online (polled)");
      }, again);
    }, this.options.backoff.maxMs);
  }
  clearWait() {
    if (this.waitTimer !== void 0) this.platform.clearTimeout(this.waitTimer);
    this.waitTimer = void 0;
  }
  // ---- inbound --------------------------------------------------------------------------------
  receive(gen, data) {
    this.lastInboundAt = this.platform.now();
    if (this.probeSince !== void 0) {
      this.probeSince = void 0;
      this.redialAtOnce = void 0;
      this.diagnostics.record("connection", "probe answered");
    }
    this.decoder.push(data);
    while (gen === this.gen) {
      let packet;
      try {
        const frame = this.decoder.next();
        if (!frame) return;
        packet = decodeServerPacket(frame, this.connackSeen ? this.negotiated : PROTOCOL_VERSION);
      } catch (error) {
        const e = isImError(error) ? error : new ProtocolError("undecodable frame", {}, error);
        this.hooks.onError(e);
        this.teardown("waiting", `protocol error: ${e.message}`);
        return;
      }
      this.handle(packet);
    }
  }
  handle(packet) {
    if (packet.type === PacketType.CONNACK) {
      this.handleConnack(packet);
      return;
    }
    if (!this.connackSeen) {
      this.diagnostics.record("connection", "packet before CONNACK ignored", { type: packet.type });
      return;
    }
    switch (packet.type) {
      case PacketType.PONG:
        return;
      case PacketType.DISCONNECT:
        this.refused("disconnect", packet.reasonCode, packet.reason);
        return;
      default:
        this.hooks.onPacket(packet, this.gen);
    }
  }
  handleConnack(p) {
    if (this.current !== "connecting" || this.connackSeen) return;
    this.connackSeen = true;
    this.diagnostics.record("connection", "connack", { reasonCode: p.reasonCode, serverVersion: p.hasServerVersion ? p.serverVersion : void 0 });
    if (p.reasonCode !== ReasonCode.Success) {
      this.refused("connack", p.reasonCode, "");
      return;
    }
    this.negotiated = p.hasServerVersion && p.serverVersion > 0 ? Math.min(PROTOCOL_VERSION, p.serverVersion) : PROTOCOL_VERSION;
    let session = null;
    try {
      session = this.secretKey ? deriveSession(this.secretKey, p.serverKey, p.salt) : null;
    } catch (error) {
      this.hooks.onError(isImError(error) ? error : new ProtocolError("bad server key in CONNACK", {}, error));
      this.teardown("waiting", "bad server key");
      return;
    }
    this.sessionCrypto = session;
    for (const id of this.socketTimers) this.platform.clearTimeout(id);
    this.socketTimers.clear();
    const now = this.platform.now();
    this.lastInboundAt = now;
    this.lastPingAt = now;
    this.connectedAt = now;
    this.setState("connected", "connack");
    this.armHeartbeat();
    this.hooks.onConnected({ connectionId: this.gen, version: this.negotiated, session });
  }
  /**
   * The server refused the session (CONNACK failure) or ended it (DISCONNECT): stop only when the
   * reason means "do not come back" (endsSession); otherwise back off and dial again.
   */
  refused(packet, reasonCode, text2) {
    const final = endsSession(reasonCode) || packet === "disconnect" && this.options.unsafe.stopOnAnyDisconnect === true;
    if (!final) {
      this.teardown("waiting", `${packet} ${reasonCode}${text2 ? ` ${text2}` : ""}`, reasonCode);
      return;
    }
    const why = reasonCode === ReasonCode.AuthFail ? "auth failed" : reasonCode === ReasonCode.Ban ? "banned" : "kicked";
    const said = `${packet.toUpperCase()} ${reasonCode}${text2 ? ` "${text2}"` : ""}`;
    this.hooks.onError(new ClientError(reasonCode === ReasonCode.AuthFail ? "AUTH_FAILED" : "KICKED", `${why}: the server sent ${said}`, { reasonCode, reason: text2 }));
    this.teardown("stopped", why, reasonCode);
  }
  // ---- heartbeat ------------------------------------------------------------------------------
  /** One timer, re-armed for the nearest of: next PING, dead-link deadline, probe deadline. */
  armHeartbeat() {
    if (this.heartbeatTimer !== void 0) {
      this.platform.clearTimeout(this.heartbeatTimer);
      this.socketTimers.delete(this.heartbeatTimer);
    }
    const { intervalMs, deadAfterMs, probeTimeoutMs } = this.options.heartbeat;
    let at = Math.min(this.lastPingAt + intervalMs, this.lastInboundAt + deadAfterMs);
    if (this.probeSince !== void 0) at = Math.min(at, this.probeSince + probeTimeoutMs);
    this.heartbeatTimer = this.later(this.gen, Math.max(0, at - this.platform.now()), () => {
      this.heartbeatTimer = void 0;
      this.heartbeat();
    });
  }
  heartbeat() {
    const now = this.platform.now();
    const { intervalMs, deadAfterMs, probeTimeoutMs } = this.options.heartbeat;
    if (now - this.lastInboundAt >= deadAfterMs) {
      this.teardown("waiting", "heartbeat timeout");
      return;
    }
    if (this.probeSince !== void 0 && now - this.probeSince >= probeTimeoutMs) {
      this.teardown("waiting", "probe timeout");
      return;
    }
    if (now - this.lastPingAt >= intervalMs) this.ping();
    this.armHeartbeat();
  }
  ping() {
    this.lastPingAt = this.platform.now();
    this.rawWrite({ type: PacketType.PING });
  }
  rawWrite(packet) {
    if (!this.socket) return;
    this.send(encodeClientPacket(packet, packet.type === PacketType.CONNECT ? PROTOCOL_VERSION : this.negotiated));
  }
  /**
   * Frames written in one turn go out as one WebSocket message, sent in a microtask: the server
   * reads the socket as a byte stream (WuKongIM appends every message to its inbound buffer), and
   * in a mini-program each SocketTask.send is a bridge call, so a window of 32 SENDs costs one.
   */
  send(frame) {
    this.batch.push(frame);
    this.batchBytes += frame.length;
    if (this.batchBytes >= MAX_BATCH_BYTES) this.sendBatch();
    else if (this.batch.length === 1) {
      const gen = this.gen;
      void Promise.resolve().then(() => {
        if (gen === this.gen) this.sendBatch();
      });
    }
  }
  sendBatch() {
    const parts = this.batch;
    const size = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    if (parts.length === 0 || !this.socket) return;
    if (parts.length === 1) return this.socket.send(parts[0]);
    const out = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    this.socket.send(out);
  }
  /** A timer owned by the socket of generation `gen`: cleared by teardown, ignored if stale. */
  later(gen, ms, fn2) {
    const id = this.platform.setTimeout(() => {
      this.socketTimers.delete(id);
      if (gen === this.gen) fn2();
    }, ms);
    this.socketTimers.add(id);
    return id;
  }
  // ---- network and app lifecycle --------------------------------------------------------------
  watchApp() {
    this.appSubs.push(
      this.platform.network.onChange((status) => {
        this.diagnostics.record("network", "change", { online: status.online, type: status.type });
        this.networkChanged(status.online);
      }),
      this.platform.lifecycle.onHide(() => {
        this.hiddenAt = this.platform.now();
        this.diagnostics.record("lifecycle", "hide", { state: this.current });
        this.hooks.onHidden();
      }),
      this.platform.lifecycle.onShow(() => this.shown())
    );
  }
  networkChanged(online) {
    const s = this.current;
    if (s === "idle" || s === "stopped" || s === "closed") return;
    if (!online) {
      if (s !== "offline") this.teardown("offline", "network offline");
      return;
    }
    if (s === "offline" || s === "waiting") {
      this.attempt = 0;
      this.dial("network online");
    } else if (s === "connecting") {
      this.redialAtOnce = "network online";
    } else if (s === "connected") {
      this.probe("network changed");
    }
  }
  shown() {
    const now = this.platform.now();
    const hiddenFor = this.hiddenAt === void 0 ? 0 : now - this.hiddenAt;
    this.hiddenAt = void 0;
    this.diagnostics.record("lifecycle", "show", { state: this.current, hiddenForMs: hiddenFor });
    switch (this.current) {
      case "connected":
        if (hiddenFor >= this.options.rebuildAfterHiddenMs) {
          this.teardown("redial", `app shown after ${Math.round(hiddenFor / 1e3)} s hidden`);
        } else {
          this.probe("app show");
          this.redialAtOnce = "app shown, socket dead";
          this.hooks.onShown();
        }
        return;
      case "waiting":
        this.attempt = 0;
        this.dial("app show");
        return;
      case "offline":
        this.platform.network.getStatus().then(
          (status) => {
            if (status.online && this.current === "offline") this.networkChanged(true);
          },
          () => void 0
        );
        return;
      default:
        return;
    }
  }
};
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
function nonEmpty(v) {
  return typeof v === "string" && v !== "" ? v : void 0;
}
function safeJson(s) {
  try {
    return JSON.parse(s);
  } catch (e) {
    return void 0;
  }
}

// sdk/diagnostics/diagnostics.ts
var REDACTED = /* @__PURE__ */ new Set(["token", "payload", "body", "text", "content"]);
var REALTIME_MAX_BYTES = 5 * 1024;
var REALTIME_MAX_CALLS = 200;
var LATENCY_SAMPLES = 1e3;
var BACKGROUND_KILL_MS = 1e4;
var Diagnostics = class {
  constructor(clock, options = {}) {
    this.clock = clock;
    this.options = options;
    this.entries = [];
    this.traces = /* @__PURE__ */ new Map();
    this.latencies = [];
    this.realtimeCalls = 0;
    this.connectedOnce = false;
    this.connectedWhenHidden = false;
    this.counters = {
      reconnects: 0,
      disconnectReasons: {},
      failedDials: 0,
      backgroundKills: 0,
      networkChanges: 0,
      retries: 0,
      gaps: { detected: 0, filled: 0, unfillable: 0 },
      rejectedRecvs: 0,
      storageFailures: 0
    };
    var _a, _b;
    this.capacity = (_a = options.capacity) != null ? _a : 500;
    this.traceCapacity = (_b = options.traceCapacity) != null ? _b : 500;
  }
  record(category, event, detail) {
    const entry = { at: this.clock.now(), category, event };
    if (detail) entry.detail = this.redact(detail);
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    if (this.count(entry)) this.forward(entry);
  }
  trace(clientMsgNo, step, detail) {
    let steps = this.traces.get(clientMsgNo);
    if (!steps) {
      steps = [];
      this.traces.set(clientMsgNo, steps);
      if (this.traces.size > this.traceCapacity) this.traces.delete(this.traces.keys().next().value);
    }
    const s = { at: this.clock.now(), step };
    if (detail) s.detail = this.redact(detail);
    steps.push(s);
    if (step === "attempt" && Number(detail == null ? void 0 : detail.attempt) > 1) this.counters.retries++;
    if (step === "ack" && (detail == null ? void 0 : detail.reasonCode) === 1 && typeof detail.latencyMs === "number") {
      this.latencies.push(detail.latencyMs);
      if (this.latencies.length > LATENCY_SAMPLES) this.latencies.shift();
    }
  }
  /** Forgets the log, the traces and the latency samples (logout: nothing of the user's stays). */
  clear() {
    this.entries.length = 0;
    this.traces.clear();
    this.latencies.length = 0;
  }
  /** The event log, oldest first (a copy). */
  log() {
    return this.entries.slice();
  }
  /** Every recorded step of one message, or undefined when it is unknown or aged out. */
  traceOf(clientMsgNo) {
    const steps = this.traces.get(clientMsgNo);
    return steps && steps.slice();
  }
  /** Send→SENDACK(1) latency percentiles over the recent acks, ms. */
  ackLatency() {
    const sorted = this.latencies.slice().sort((a, b) => a - b);
    if (sorted.length === 0) return { count: 0 };
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
  /** Updates the counters; true when the entry is an anomaly worth forwarding. */
  count(e) {
    var _a, _b;
    const d = (_a = e.detail) != null ? _a : {};
    const c = this.counters;
    if (e.category === "connection" && e.event === "state") {
      if (d.to === "connected") {
        if (this.connectedOnce) c.reconnects++;
        this.connectedOnce = true;
      }
      if (d.from === "connected") {
        const reason = String(d.reason);
        c.disconnectReasons[reason] = ((_b = c.disconnectReasons[reason]) != null ? _b : 0) + 1;
        return true;
      }
      if (d.from === "connecting" && d.to !== "connected") {
        c.failedDials++;
        return true;
      }
      return d.to === "stopped";
    }
    if (e.category === "network" && e.event === "change") c.networkChanges++;
    if (e.category === "lifecycle" && e.event === "hide") this.connectedWhenHidden = d.state === "connected";
    if (e.category === "lifecycle" && e.event === "show") this.realtimeCalls = 0;
    if (e.category === "lifecycle" && e.event === "show" && this.connectedWhenHidden) {
      this.connectedWhenHidden = false;
      if (d.state !== "connected" || Number(d.hiddenForMs) >= BACKGROUND_KILL_MS) {
        c.backgroundKills++;
        return true;
      }
    }
    if (e.category === "receive" && e.event === "rejected") c.rejectedRecvs++;
    if (e.category === "storage" && /failed|corrupt/.test(e.event)) c.storageFailures++;
    if (e.category === "receive" && e.event.startsWith("gap-")) {
      const outcome = e.event.slice(4);
      if (outcome in c.gaps) c.gaps[outcome]++;
      return outcome === "unfillable";
    }
    return /rejected|failed|corrupt|unmatched|overdue|stalled|unreadable|malformed|invalid|^error$/.test(e.event);
  }
  forward(e) {
    const log = this.options.realtimeLog;
    if (!log || this.realtimeCalls >= REALTIME_MAX_CALLS) return;
    this.realtimeCalls++;
    let line = `[wkmp] ${e.category} ${e.event} ${e.detail ? JSON.stringify(e.detail) : ""}`;
    if (line.length * 3 > REALTIME_MAX_BYTES) line = line.slice(0, Math.floor(REALTIME_MAX_BYTES / 3) - 1) + "\u2026";
    log.warn(line);
  }
  redact(detail) {
    if (this.options.includeBodies) return __spreadValues({}, detail);
    const out = {};
    for (const k of Object.keys(detail)) if (!REDACTED.has(k.toLowerCase())) out[k] = detail[k];
    return out;
  }
};

// sdk/diagnostics/report.ts
var REASON_NAMES = Object.keys(ReasonCode).reduce((names, name2) => {
  names[ReasonCode[name2]] = name2;
  return names;
}, {});
async function buildReport(input) {
  var _a;
  const d = input.diagnostics;
  const c = d.counters;
  const count = (s) => input.pending.filter((m) => m.status === s).length;
  const oldest = input.pending.reduce((min, m) => min === void 0 || m.createdAt < min ? m.createdAt : min, void 0);
  const anomalies = d.log().filter((e) => isAnomaly(e)).slice(-20);
  const report = {
    generatedAt: input.now,
    uid: input.uid,
    state: input.state,
    platform: { name: input.platform.name, missing: [...(_a = input.platform.missing) != null ? _a : []] },
    delivery: {
      outboxDepth: input.pending.length,
      queued: count("queued"),
      sending: count("sending"),
      failed: count("failed"),
      ackLatencyMs: d.ackLatency(),
      retries: c.retries,
      reconnects: c.reconnects
    },
    connection: {
      disconnectReasons: __spreadValues({}, c.disconnectReasons),
      failedDials: c.failedDials,
      backgroundKills: c.backgroundKills,
      networkChanges: c.networkChanges,
      recentAnomalies: anomalies
    },
    gapFilling: __spreadProps(__spreadValues({}, c.gaps), {
      held: input.inbox.held,
      rejectedRecvs: c.rejectedRecvs,
      stalled: input.inbox.stalled.map((s) => __spreadValues({}, s)),
      syncFaults: __spreadValues({}, input.inbox.syncFaults),
      unreadableState: input.inbox.unreadableState
    }),
    summary: []
  };
  if (oldest !== void 0) report.delivery.oldestPendingAgeMs = input.now - oldest;
  const last = input.inbox.lastCatchUp;
  if (last) report.gapFilling.lastCatchUp = __spreadProps(__spreadValues({}, last), { agoMs: input.now - last.at });
  if (input.clientMsgNo) report.message = await diagnoseMessage(input, input.clientMsgNo);
  report.summary = summarize(report);
  return report;
}
async function diagnoseMessage(input, clientMsgNo) {
  var _a, _b, _c, _d, _e, _f;
  const trace = (_a = input.diagnostics.traceOf(clientMsgNo)) != null ? _a : [];
  const queued = input.pending.find((m) => m.clientMsgNo === clientMsgNo);
  const out = { clientMsgNo, known: !!queued || trace.length > 0, attempts: [], trace };
  let channel = queued;
  for (const s of trace) {
    const x = (_b = s.detail) != null ? _b : {};
    if (s.step === "persisted") {
      out.persistedAt = s.at;
      if (typeof x.channelId === "string" && typeof x.channelType === "number") channel = { channelId: x.channelId, channelType: x.channelType };
    }
    if (s.step === "attempt") out.attempts.push({ at: s.at, connectionId: x.connectionId, clientSeq: x.clientSeq, dup: x.dup });
    if (s.step === "ack" && typeof x.reasonCode === "number") {
      out.ack = { at: s.at, reasonCode: x.reasonCode, reason: (_c = REASON_NAMES[x.reasonCode]) != null ? _c : `code ${x.reasonCode}` };
      if (typeof x.messageId === "string") out.ack.messageId = x.messageId;
      if (typeof x.messageSeq === "number") out.ack.messageSeq = x.messageSeq;
      if (typeof x.latencyMs === "number") out.ack.latencyMs = x.latencyMs;
    }
  }
  if (queued) out.status = queued.status;
  else if (((_d = out.ack) == null ? void 0 : _d.reasonCode) === 1) out.status = "sent";
  else if (trace.some((s) => s.step === "failed" || s.step === "discarded")) out.status = "failed";
  const find = (_e = input.sync) == null ? void 0 : _e.findByClientMsgNo;
  if (((_f = input.lookup) != null ? _f : true) && find && channel) {
    try {
      const found = await find({ channelId: channel.channelId, channelType: channel.channelType, clientMsgNo });
      out.server = found ? { lookedUp: true, found: true, messageId: found.messageId, messageSeq: found.messageSeq } : { lookedUp: true, found: false };
    } catch (e) {
      out.server = { lookedUp: true, error: e instanceof Error ? e.message : String(e) };
    }
  } else {
    out.server = { lookedUp: false };
  }
  return out;
}
function isAnomaly(e) {
  var _a;
  if (e.category === "connection" && e.event === "state") {
    const d = (_a = e.detail) != null ? _a : {};
    return d.from === "connected" || d.from === "connecting" && d.to !== "connected" || d.to === "stopped";
  }
  return /rejected|failed|corrupt|unmatched|overdue|unfillable|stalled|unreadable|malformed|invalid|^error$/.test(e.event);
}
function summarize(r) {
  var _a, _b, _c, _d, _e, _f, _g, _h;
  const lines = [];
  const m = r.message;
  if (m) {
    if (!m.known) lines.push(`(1) ${m.clientMsgNo}: unknown to this client (never sent here, or its trace aged out)`);
    else if (m.ack) lines.push(`(1) ${m.clientMsgNo}: server ACK ${m.ack.reasonCode} ${m.ack.reason} after ${m.attempts.length} attempt(s)${m.ack.latencyMs !== void 0 ? `, ${m.ack.latencyMs} ms` : ""}`);
    else lines.push(`(1) ${m.clientMsgNo}: no ACK yet (${(_a = m.status) != null ? _a : "unknown"}, ${m.attempts.length} attempt(s)) \u2014 still in the outbox, will be retried`);
    if ((_b = m.ack) == null ? void 0 : _b.messageId) lines.push(`(2) server ids: messageId ${m.ack.messageId}, seq ${(_c = m.ack.messageSeq) != null ? _c : 0}`);
    if ((_d = m.server) == null ? void 0 : _d.lookedUp) {
      lines.push(m.server.error ? `(2) server lookup failed: ${m.server.error}` : m.server.found ? `(2) server lookup by client_msg_no: stored as seq ${m.server.messageSeq}` : "(2) server lookup by client_msg_no: not found (or the server has no lookup)");
    } else if (!((_e = m.ack) == null ? void 0 : _e.messageId)) {
      lines.push("(2) nothing to look up on the server yet");
    }
  }
  const reasons = Object.entries(r.connection.disconnectReasons).map(([k, v]) => `${k} \xD7${v}`).join(", ");
  lines.push(`(3) state ${r.state}; ${r.delivery.reconnects} reconnect(s)${reasons ? ` (${reasons})` : ""}; ${r.connection.failedDials} failed dial(s); ${r.connection.backgroundKills} background kill(s); ${r.connection.networkChanges} network change(s)`);
  const g = r.gapFilling;
  const catchUp = g.lastCatchUp ? `last catch-up ${g.lastCatchUp.ok ? "ok" : "FAILED"} ${Math.round(g.lastCatchUp.agoMs / 1e3)} s ago` : "no catch-up yet";
  lines.push(`(4) gaps: ${g.detected} detected, ${g.filled} filled, ${g.unfillable} unfillable, ${g.held} held; ${g.rejectedRecvs} tampered RECV(s) dropped; ${catchUp}`);
  const oldest = g.stalled.reduce((min, s) => min === void 0 || s.since < min ? s.since : min, void 0);
  if (oldest !== void 0) {
    const last = g.stalled[g.stalled.length - 1];
    lines.push(`(4) ${g.stalled.length} gap(s) waiting for the sync API for ${Math.round((r.generatedAt - oldest) / 1e3)} s (kept open, retried; last: ${(_f = last == null ? void 0 : last.lastError) != null ? _f : "-"})`);
  }
  const f = g.syncFaults;
  if (f.failed > 0 || f.malformed > 0) lines.push(`(4) sync API: ${f.failed} failed or timed-out request(s), ${f.malformed} malformed item(s) left out${f.lastError ? `; last: ${f.lastError}` : ""}`);
  if (g.unreadableState) lines.push("(4) stored receive state was unreadable at start: caught up from the server instead (kept aside, not overwritten)");
  if (r.platform.missing.length > 0) lines.push(`platform ${r.platform.name} lacks: ${r.platform.missing.join("; ")}`);
  const lat = r.delivery.ackLatencyMs;
  lines.push(`outbox: ${r.delivery.outboxDepth} pending (${r.delivery.failed} failed)${r.delivery.oldestPendingAgeMs !== void 0 ? `, oldest ${Math.round(r.delivery.oldestPendingAgeMs / 1e3)} s` : ""}; ack p50/p99 ${(_g = lat.p50) != null ? _g : "-"}/${(_h = lat.p99) != null ? _h : "-"} ms; ${r.delivery.retries} retries`);
  return lines;
}

// node_modules/mitt/dist/mitt.mjs
function mitt_default(n) {
  return { all: n = n || /* @__PURE__ */ new Map(), on: function(t, e) {
    var i = n.get(t);
    i ? i.push(e) : n.set(t, [e]);
  }, off: function(t, e) {
    var i = n.get(t);
    i && (e ? i.splice(i.indexOf(e) >>> 0, 1) : n.set(t, []));
  }, emit: function(t, e) {
    var i = n.get(t);
    i && i.slice().map(function(n2) {
      n2(e);
    }), (i = n.get("*")) && i.slice().map(function(n2) {
      n2(t, e);
    });
  } };
}

// sdk/emitter.ts
var Emitter = class {
  constructor(onHandlerError) {
    this.onHandlerError = onHandlerError;
    this.bus = mitt_default();
  }
  on(type, listener) {
    const wrapped = (event) => {
      this.call(type, listener, event);
    };
    wrapped.original = listener;
    this.bus.on(type, wrapped);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.bus.off(type, wrapped);
    };
  }
  /** Calls every listener now; results and errors of one listener never reach the caller. */
  emit(type, event) {
    this.bus.emit(type, event);
  }
  /**
   * Calls every listener and resolves once all their returned promises settled. Rejections are
   * reported like throws. Never rejects.
   */
  emitAndWait(type, event) {
    var _a;
    const list = ((_a = this.bus.all.get(type)) != null ? _a : []).slice();
    const pending = [];
    for (const wrapped of list) {
      const p = this.call(type, wrapped.original, event);
      if (p) pending.push(p);
    }
    return Promise.all(pending).then(() => void 0);
  }
  listenerCount(type) {
    var _a, _b;
    return (_b = (_a = this.bus.all.get(type)) == null ? void 0 : _a.length) != null ? _b : 0;
  }
  clear() {
    this.bus.all.clear();
  }
  call(type, listener, event) {
    try {
      const result = listener(event);
      if (result && typeof result.then === "function") {
        return result.then(void 0, (error) => this.report(error, type));
      }
    } catch (error) {
      this.report(error, type);
    }
    return void 0;
  }
  report(error, type) {
    try {
      this.onHandlerError(error, type);
    } catch (e) {
    }
  }
};

// sdk/sync/deadline.ts
function withDeadlines(sync, timers, ms) {
  const bound = (name2, call) => (arg) => new Promise((resolve, reject) => {
    const id = timers.setTimeout(() => reject(new ClientError("TIMEOUT", `sync provider: ${name2} did not answer within ${ms} ms`, { call: name2, timeoutMs: ms })), ms);
    const settle = () => timers.clearTimeout(id);
    Promise.resolve().then(() => call(arg)).then(
      (v) => {
        settle();
        resolve(v);
      },
      (e) => {
        settle();
        reject(e);
      }
    );
  });
  const out = {
    syncMessages: bound("syncMessages", (req) => sync.syncMessages(req)),
    syncConversations: bound("syncConversations", (cursors) => sync.syncConversations(cursors))
  };
  const find = sync.findByClientMsgNo;
  if (find) out.findByClientMsgNo = bound("findByClientMsgNo", (req) => find.call(sync, req));
  return out;
}

// sdk/inbox/channel.ts
var keyOf = (channelType, channelId) => `${channelType}:${channelId}`;
function newChannel(channelId, channelType) {
  return {
    key: keyOf(channelType, channelId),
    channelId,
    channelType,
    cursor: void 0,
    held: /* @__PURE__ */ new Map(),
    wantUpTo: 0,
    topPushed: 0,
    gaps: [],
    stall: void 0,
    draining: null,
    again: false
  };
}
function lowestHeld(ch) {
  let low;
  for (const seq of ch.held.keys()) if (low === void 0 || seq < low) low = seq;
  return low;
}
function runEnd(ch, from) {
  let to = from - 1;
  while (ch.held.has(to + 1)) to++;
  return to;
}
function recvackFor(p) {
  return {
    type: PacketType.RECVACK,
    flags: { dup: false, noPersist: p.flags.noPersist, syncOnce: p.flags.syncOnce, redDot: p.flags.redDot },
    messageId: p.messageId,
    messageSeq: p.messageSeq
  };
}
var errorText = (e) => e instanceof Error ? e.message : String(e);

// sdk/inbox/bounded-set.ts
var BoundedSet = class {
  constructor(capacity) {
    this.capacity = capacity;
    this.items = /* @__PURE__ */ new Set();
  }
  has(item) {
    return this.items.has(item);
  }
  /** Adds (or refreshes) an item; evicts the oldest beyond capacity. */
  add(item) {
    this.items.delete(item);
    this.items.add(item);
    while (this.items.size > this.capacity) {
      const oldest = this.items.values().next();
      if (oldest.done) break;
      this.items.delete(oldest.value);
    }
  }
  /** Oldest first, so that adding them back in order restores the same eviction order. */
  toArray() {
    return Array.from(this.items);
  }
  clear() {
    this.items.clear();
  }
};

// sdk/inbox/dedup.ts
var Dedup = class {
  constructor(d) {
    this.d = d;
    this.ids = new BoundedSet(d.capacity);
    this.keys = new BoundedSet(d.capacity);
  }
  isDuplicate(msg) {
    var _a, _b;
    if (this.d.disabled) return false;
    if (this.ids.has(msg.messageId)) return true;
    if (msg.clientMsgNo === "") return false;
    if (this.keys.has(pairKey(msg))) return true;
    return msg.fromUid === this.d.uid && ((_b = (_a = this.d).ownSend) == null ? void 0 : _b.call(_a, msg.clientMsgNo)) === true;
  }
  /** Seen only by messageId (NoPersist messages have no seq to guard them). */
  hasId(messageId) {
    return this.ids.has(messageId);
  }
  remember(msg) {
    this.ids.add(msg.messageId);
    if (msg.clientMsgNo !== "") this.keys.add(pairKey(msg));
  }
  /** Oldest first; `extra` (messages about to be shown) is appended. */
  toState(extra = []) {
    const ids = this.ids.toArray();
    const keys = this.keys.toArray();
    for (const m of extra) {
      ids.push(m.messageId);
      if (m.clientMsgNo !== "") keys.push(pairKey(m));
    }
    return { ids, keys };
  }
  restore(state) {
    for (const id of state.ids) this.ids.add(id);
    for (const key of state.keys) this.keys.add(key);
  }
};
function pairKey(msg) {
  return `${keyOf(msg.channelType, msg.channelId)}
${msg.fromUid}
${msg.clientMsgNo}`;
}

// sdk/inbox/gap-fill.ts
function asSyncError(e, context) {
  return isImError(e) ? e : new ClientError("SYNC_FAILED", `sync failed: ${errorText(e)}`, context, e);
}
var GapFiller = class {
  constructor(d) {
    this.d = d;
    /** Sync answers with malformed items, and failed or timed-out requests, for diagnose(). */
    this.faults = { failed: 0, malformed: 0, lastError: void 0 };
  }
  /**
   * Pulls [start, end) into `held`. Returns true when the drain can go on (the next seq is held, or
   * a range was given up on proof), false to stop for now (the gap stays open).
   */
  async fill(ch, start, end) {
    var _a, _b, _c;
    const o = this.d.options;
    const where = { channelId: ch.channelId, channelType: ch.channelType, startSeq: start };
    const probe = () => {
      var _a2;
      return Math.max(end, ((_a2 = lowestHeld(ch)) != null ? _a2 : ch.wantUpTo) + 1);
    };
    let reqEnd = ((_a = ch.stall) == null ? void 0 : _a.fromSeq) === start ? probe() : end;
    let answered = false;
    let proof = false;
    let failure;
    const moved = () => ch.held.has(start) || ch.cursor === void 0 || ch.cursor + 1 !== start;
    for (let attempt = 0; attempt <= o.gapRetries; attempt++) {
      if (attempt > 0) await this.d.sleep(o.gapRetryDelayMs * 2 ** (attempt - 1));
      if (this.d.isClosed()) return false;
      if (moved()) return true;
      let page;
      try {
        page = await this.d.sync.syncMessages({ channelId: ch.channelId, channelType: ch.channelType, startSeq: start, endSeq: reqEnd, limit: o.syncPageLimit });
      } catch (e) {
        failure = e;
        proof = false;
        this.faults.failed++;
        this.faults.lastError = errorText(e);
        this.d.diagnostics.record("sync", "messages-failed", __spreadProps(__spreadValues({}, where), { endSeq: reqEnd, attempt, error: errorText(e) }));
        continue;
      }
      failure = void 0;
      answered = true;
      if (this.d.isClosed()) return false;
      if (moved()) return true;
      const malformed = (_b = page.malformed) != null ? _b : 0;
      for (const m of page.messages) {
        if (m.messageSeq < start || m.messageSeq >= reqEnd) continue;
        if (!ch.held.has(m.messageSeq)) ch.held.set(m.messageSeq, { msg: __spreadProps(__spreadValues({}, m), { source: "sync" }), acks: [] });
      }
      this.d.diagnostics.record("sync", "messages", __spreadValues(__spreadProps(__spreadValues({}, where), { endSeq: reqEnd, count: page.messages.length }), malformed > 0 && { malformed }));
      if (malformed > 0) {
        this.faults.malformed += malformed;
        this.faults.lastError = `${malformed} malformed message(s) left out of a sync page`;
        this.d.diagnostics.record("sync", "messages-malformed", __spreadProps(__spreadValues({}, where), { count: malformed }));
      }
      if (ch.held.has(start)) return true;
      proof = malformed === 0 && page.messages.some((m) => m.messageSeq > start && m.messageSeq < reqEnd);
      if (!proof) reqEnd = Math.max(reqEnd, probe());
    }
    if (this.d.isClosed() || moved()) return !this.d.isClosed();
    const giveUp = this.d.giveUpOnError ? answered || ch.held.size > 0 : proof;
    if (giveUp) {
      this.d.skip(ch, start, ((_c = lowestHeld(ch)) != null ? _c : end) - 1);
      return true;
    }
    this.stall(ch, start, failure, where);
    return false;
  }
  /** The cursor moved: whatever stalled there is over. */
  resolved(ch) {
    if (!ch.stall) return;
    if (ch.stall.retry !== void 0) this.d.platform.clearTimeout(ch.stall.retry);
    this.d.diagnostics.record("receive", "gap-resumed", { channelId: ch.channelId, channelType: ch.channelType, fromSeq: ch.stall.fromSeq, stalledMs: this.d.platform.now() - ch.stall.since });
    ch.stall = void 0;
  }
  /** Clears a pending retry (close()). */
  cancel(ch) {
    var _a;
    if (((_a = ch.stall) == null ? void 0 : _a.retry) !== void 0) this.d.platform.clearTimeout(ch.stall.retry);
    if (ch.stall) ch.stall.retry = void 0;
  }
  stall(ch, start, failure, where) {
    const o = this.d.options;
    const lastError = failure === void 0 ? "no answer proved the range gone" : errorText(failure);
    if (!ch.stall || ch.stall.fromSeq !== start) {
      this.resolved(ch);
      ch.stall = { fromSeq: start, since: this.d.platform.now(), rounds: 0, lastError, retry: void 0 };
      this.d.diagnostics.record("receive", "gap-stalled", __spreadProps(__spreadValues({}, where), { error: lastError }));
      if (failure !== void 0) this.d.emitError(asSyncError(failure, where));
    }
    const s = ch.stall;
    s.rounds++;
    s.lastError = lastError;
    if (ch.held.size === 0 || s.retry !== void 0) return;
    const delay = Math.min(o.gapRetryMaxDelayMs, o.gapRetryDelayMs * 2 ** (o.gapRetries + s.rounds - 1));
    s.retry = this.d.platform.setTimeout(() => {
      s.retry = void 0;
      this.d.retry(ch);
    }, delay);
  }
};

// sdk/inbox/catch-up.ts
var CatchUp = class {
  constructor(d) {
    this.d = d;
    /** Pushes on unknown channels wait while this is true (first-contact policy). */
    this.conversationSyncInFlight = false;
    this.connected = false;
    this.running = null;
    this.again = false;
    /** Conversation syncs failed in a row, for the retry's backoff. */
    this.failures = 0;
  }
  onConnected() {
    this.connected = true;
    this.armContinuityCheck();
    return this.run();
  }
  onDisconnected() {
    this.connected = false;
    this.disarm();
  }
  /** Runs a catch-up now; concurrent calls share one run (followed by one more when asked meanwhile). */
  run() {
    if (this.d.isClosed()) return Promise.resolve();
    this.again = true;
    if (this.running) return this.running;
    const loop = async () => {
      try {
        while (this.again && !this.d.isClosed()) {
          this.again = false;
          await this.once();
        }
      } catch (e) {
        this.d.diagnostics.record("sync", "catch-up-crashed", { error: errorText(e) });
      } finally {
        this.running = null;
      }
    };
    this.running = loop();
    return this.running;
  }
  close() {
    this.disarm();
    if (this.retryTimer !== void 0) this.d.platform.clearTimeout(this.retryTimer);
    this.retryTimer = void 0;
  }
  async once() {
    const cursors = this.d.channels().filter((ch) => ch.cursor !== void 0).map((ch) => ({ channelId: ch.channelId, channelType: ch.channelType, lastSeq: ch.cursor }));
    let states;
    this.conversationSyncInFlight = true;
    try {
      states = await this.d.sync.syncConversations(cursors);
    } catch (e) {
      this.d.diagnostics.record("sync", "conversations-failed", { error: errorText(e) });
      this.d.emitError(asSyncError(e, { known: cursors.length }));
    } finally {
      this.conversationSyncInFlight = false;
    }
    if (this.d.isClosed()) return;
    if (states) {
      this.failures = 0;
      this.d.diagnostics.record("sync", "conversations", { count: states.length });
      for (const s of states) {
        const ch = this.d.channel(s.channelId, s.channelType);
        if (ch.cursor === void 0) ch.cursor = this.startingCursor(ch, s.lastSeq);
        ch.wantUpTo = Math.max(ch.wantUpTo, s.lastSeq);
      }
      if (!this.d.baseline()) this.d.setBaseline();
    } else {
      this.retryLater();
    }
    for (const ch of this.d.channels()) {
      const low = ch.cursor === void 0 ? lowestHeld(ch) : void 0;
      if (low !== void 0) this.d.firstContact(ch, low);
    }
    for (const ch of this.d.channels()) {
      if (this.d.isClosed()) return;
      if (ch.cursor !== void 0 && (ch.held.size > 0 || ch.wantUpTo > ch.cursor)) await this.d.kick(ch);
    }
    this.last = { at: this.d.platform.now(), ok: states !== void 0 };
  }
  /** A conversation sync failed: another catch-up later, backing off like a stalled gap. */
  retryLater() {
    if (this.retryTimer !== void 0 || !this.connected) return;
    const o = this.d.options;
    const delay = Math.min(o.gapRetryMaxDelayMs, o.gapRetryDelayMs * 2 ** (o.gapRetries + this.failures++));
    this.retryTimer = this.d.platform.setTimeout(() => {
      this.retryTimer = void 0;
      void this.run();
    }, delay);
  }
  startingCursor(ch, lastSeq) {
    const start = this.d.baseline() ? Math.max(0, lastSeq - this.d.options.newChannelBacklog) : lastSeq;
    const low = lowestHeld(ch);
    return low !== void 0 ? Math.min(start, low - 1) : start;
  }
  armContinuityCheck() {
    this.disarm();
    if (this.d.options.continuityCheckMs <= 0 || this.d.isClosed() || !this.connected) return;
    this.timer = this.d.platform.setTimeout(() => {
      this.timer = void 0;
      void this.run().then(() => this.armContinuityCheck());
    }, this.d.options.continuityCheckMs);
  }
  disarm() {
    if (this.timer !== void 0) this.d.platform.clearTimeout(this.timer);
    this.timer = void 0;
  }
};

// sdk/inbox/store.ts
var VERSION = 1;
var WRITE_SPACING_MS = 250;
var READ_ATTEMPTS = 3;
var isSeq = (x) => Number.isInteger(x) && x >= 0;
function parseChannels(list) {
  if (!Array.isArray(list)) return void 0;
  const valid = list.every((c) => Array.isArray(c) && c.length === 3 && Number.isInteger(c[0]) && typeof c[1] === "string" && isSeq(c[2]));
  return valid ? list : void 0;
}
function parseCursors(value) {
  const v = value;
  if (typeof v !== "object" || v === null || v.v !== VERSION) return void 0;
  const channels = parseChannels(v.channels);
  return channels ? { baseline: v.baseline === true, channels } : void 0;
}
function parseSeen(value) {
  const v = value;
  const strings = (a) => Array.isArray(a) && a.every((x) => typeof x === "string");
  if (typeof v !== "object" || v === null || v.v !== VERSION || !strings(v.ids) || !strings(v.keys)) return void 0;
  const out = { ids: v.ids, keys: v.keys };
  if (v.channels === void 0) return out;
  const channels = parseChannels(v.channels);
  if (!channels) return void 0;
  out.cursors = { baseline: v.baseline === true, channels };
  return out;
}
var InboxStore = class {
  constructor(d) {
    this.d = d;
    this.writing = null;
    this.failing = false;
    /** flush() calls waiting: nothing waits for the spacing while any is. */
    this.flushing = 0;
    /** Ends the current spacing wait early. */
    this.wake = null;
    /** commit() calls waiting for the next write of the seen record. */
    this.commits = [];
    const part = (key, value, parse2) => ({ key, value, parse: parse2, dirty: false, urgent: false, writtenAt: -Infinity, unread: false });
    this.cursors = part(`${d.prefix}:in:cursors`, () => d.cursors(), parseCursors);
    this.seen = part(
      `${d.prefix}:in:seen`,
      () => {
        const { ids, keys, cursors } = d.seen();
        return __spreadValues({ ids, keys }, cursors && { baseline: cursors.baseline, channels: cursors.channels });
      },
      parseSeen
    );
  }
  /** The stored state; a part that is missing or unusable comes back undefined (see `unreadable`). */
  async load() {
    const cursors = await this.load1(this.cursors);
    const seen = await this.load1(this.seen);
    const out = { unreadable: !cursors.ok || !seen.ok };
    if (cursors.ok && cursors.value) out.cursors = cursors.value;
    if (seen.ok && seen.value) out.seen = seen.value;
    return out;
  }
  /** `urgent`: a message the app was shown depends on it; written without waiting for the spacing. */
  cursorsChanged(urgent = false) {
    this.changed(this.cursors, urgent);
  }
  seenChanged(urgent = false) {
    this.changed(this.seen, urgent);
  }
  /** Writes the seen record now; true once a write begun after this call succeeded. */
  commit() {
    return new Promise((resolve) => {
      this.commits.push(resolve);
      this.changed(this.seen, true);
    });
  }
  /** Writes what is unsaved (a write that failed earlier is tried again); resolves once written or failed. */
  async flush() {
    var _a;
    this.flushing++;
    try {
      if (this.cursors.dirty || this.seen.dirty) this.schedule();
      (_a = this.wake) == null ? void 0 : _a.call(this);
      while (this.writing) await this.writing;
    } finally {
      this.flushing--;
    }
  }
  changed(part, urgent) {
    var _a;
    part.dirty = true;
    if (urgent) {
      part.urgent = true;
      (_a = this.wake) == null ? void 0 : _a.call(this);
    }
    this.schedule();
  }
  schedule() {
    if (!this.writing) this.writing = this.writeLoop();
  }
  async writeLoop() {
    await Promise.resolve();
    const parts = [this.cursors, this.seen];
    const blocked = /* @__PURE__ */ new Set();
    const pending = () => parts.filter((p) => p.dirty && !blocked.has(p));
    while (pending().length > 0) {
      const now = this.d.platform.now();
      const due = pending().filter((p) => this.flushing > 0 || p.urgent || now >= p.writtenAt + WRITE_SPACING_MS);
      if (due.length === 0) {
        await this.spacing(Math.min(...pending().map((p) => p.writtenAt + WRITE_SPACING_MS)) - now);
        continue;
      }
      const urgent = due.map((p) => p.urgent);
      for (const p of due) p.dirty = p.urgent = false;
      let failed;
      for (const [i, p] of due.entries()) {
        const served = p === this.seen ? this.commits.splice(0) : [];
        try {
          if (p.unread && !await this.reread(p)) {
            blocked.add(p);
            p.dirty = true;
            p.urgent || (p.urgent = urgent[i]);
            served.forEach((done) => done(false));
            continue;
          }
          await this.d.platform.storage.set(p.key, __spreadValues({ v: VERSION }, p.value()));
          p.writtenAt = this.d.platform.now();
          served.forEach((done) => done(true));
        } catch (e) {
          served.forEach((done) => done(false));
          failed = e;
          due.forEach((q, j) => {
            if (j < i) return;
            q.dirty = true;
            q.urgent || (q.urgent = urgent[j]);
          });
          break;
        }
      }
      if (failed === void 0) {
        this.failing = false;
        continue;
      }
      this.d.diagnostics.record("storage", "inbox-write-failed", { error: errorText(failed) });
      if (!this.failing) this.d.emitError(isImError(failed) ? failed : new StorageError("STORAGE_FAILED", "inbox state could not be saved", {}, failed));
      this.failing = true;
      break;
    }
    for (const done of this.commits.splice(0)) done(false);
    this.writing = null;
  }
  /** Resolves after `ms`, or sooner when flush() or an urgent change calls wake. */
  spacing(ms) {
    return new Promise((resolve) => {
      const done = () => {
        this.wake = null;
        resolve();
      };
      const id = this.d.platform.setTimeout(done, ms);
      this.wake = () => {
        this.d.platform.clearTimeout(id);
        done();
      };
    });
  }
  /** Loads one key: tried READ_ATTEMPTS times; garbage is kept aside and replaced. */
  async load1(part) {
    let r = { ok: false, failed: true };
    for (let i = 0; i < READ_ATTEMPTS; i++) {
      r = await this.read(part);
      if (r.ok || !r.failed) break;
    }
    if (r.ok) return r;
    if (this.d.unreadableIsEmpty) {
      this.changed(part, false);
      return { ok: true, value: void 0 };
    }
    if (r.failed) {
      part.unread = true;
      this.d.emitError(new StorageError("STORAGE_FAILED", "inbox state could not be read; it is kept and caught up from the server", { key: part.key }));
    } else {
      this.d.emitError(new StorageError("STORAGE_CORRUPT", "stored inbox state was unreadable; it is kept aside and caught up from the server", { key: part.key }));
      this.changed(part, false);
    }
    return r;
  }
  /** Before writing over a key that could not be read: read it again and merge what it holds. */
  async reread(part) {
    const r = await this.read(part);
    if (!r.ok && r.failed) return false;
    part.unread = false;
    if (r.ok && r.value) this.d.merge(part === this.cursors ? { cursors: r.value } : { seen: r.value });
    return true;
  }
  async read(part) {
    let value;
    try {
      value = await this.d.platform.storage.get(part.key);
    } catch (e) {
      this.d.diagnostics.record("storage", "inbox-read-failed", { key: part.key, error: errorText(e) });
      return { ok: false, failed: true };
    }
    if (value === void 0) return { ok: true, value: void 0 };
    const parsed = part.parse(value);
    if (parsed !== void 0) return { ok: true, value: parsed };
    this.d.diagnostics.record("storage", "inbox-corrupt", { key: part.key });
    if (!this.d.unreadableIsEmpty) {
      await this.d.platform.storage.set(`${part.key}:corrupt`, { v: VERSION, raw: value }).catch(() => void 0);
    }
    return { ok: false, failed: false };
  }
};

// sdk/inbox/inbox.ts
var DEFAULTS = {
  continuityCheckMs: 6e4,
  maxHeldPerChannel: 500,
  syncPageLimit: 100,
  gapRetries: 3,
  gapRetryDelayMs: 1e3,
  gapRetryMaxDelayMs: 6e4,
  syncDeadlineMs: 15e3,
  dedupCapacity: 1e3,
  maxChannels: 2e3,
  newChannelBacklog: 1e3
};
var AT_LEAST_ONE = /* @__PURE__ */ new Set(["maxHeldPerChannel", "syncPageLimit", "dedupCapacity", "maxChannels", "syncDeadlineMs"]);
var QUICK_TURNS = 12;
var MIN_CLAIMED_RUN = 8;
function resolveOptions2(o) {
  const out = __spreadValues({}, DEFAULTS);
  for (const name2 of Object.keys(DEFAULTS)) {
    const v = o[name2];
    if (v === void 0) continue;
    const min = AT_LEAST_ONE.has(name2) ? 1 : 0;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new InvalidOptionError(`inbox.${name2} must be an integer >= ${min}`, { option: `inbox.${name2}`, value: v });
    }
    out[name2] = v;
  }
  return out;
}
async function settlesQuickly(p) {
  let done = false;
  const settled = () => void (done = true);
  p.then(settled, settled);
  for (let i = 0; i < QUICK_TURNS && !done; i++) await Promise.resolve();
  return done;
}
var Inbox = class {
  constructor(deps) {
    this.channels = /* @__PURE__ */ new Map();
    /** Messages handed to the app whose handlers have not settled yet, by messageId. */
    this.inflight = /* @__PURE__ */ new Map();
    /** A catch-up has completed on this storage at least once (first-contact policy). */
    this.baseline = false;
    this.unreadableState = false;
    this.closed = false;
    this.sleepers = /* @__PURE__ */ new Set();
    this.gapCounts = { detected: 0, filled: 0, unfillable: 0 };
    /** The app's last handler settled within a few microtasks: runs may be claimed (see "Kills"). */
    this.quick = false;
    /** Runs claimed in storage whose handlers have not all settled: messages, and cursor per channel key. */
    this.claimed = { messages: [], cursors: /* @__PURE__ */ new Map() };
    var _a, _b;
    this.d = deps;
    this.opt = resolveOptions2((_a = deps.options) != null ? _a : {});
    const unsafe = (_b = deps.unsafe) != null ? _b : {};
    this.sync = unsafe.noCallbackDeadlines ? deps.sync : withDeadlines(deps.sync, deps.platform, this.opt.syncDeadlineMs);
    this.dedup = new Dedup(__spreadProps(__spreadValues({ uid: deps.uid, capacity: this.opt.dedupCapacity }, deps.ownSend && { ownSend: deps.ownSend }), { disabled: unsafe.disableDedup === true }));
    this.gaps = new GapFiller({
      platform: deps.platform,
      sync: this.sync,
      diagnostics: deps.diagnostics,
      emitError: (e) => deps.emitError(e),
      options: this.opt,
      isClosed: () => this.closed,
      sleep: (ms) => this.sleep(ms),
      skip: (ch, from, to) => this.skip(ch, from, to),
      retry: (ch) => void this.kick(ch),
      giveUpOnError: unsafe.giveUpGapsOnSyncError === true
    });
    this.catchUps = new CatchUp({
      platform: deps.platform,
      sync: this.sync,
      diagnostics: deps.diagnostics,
      emitError: (e) => deps.emitError(e),
      options: this.opt,
      isClosed: () => this.closed,
      channels: () => Array.from(this.channels.values()),
      channel: (id, type) => this.channel(id, type),
      baseline: () => this.baseline,
      setBaseline: () => {
        this.baseline = true;
        this.store.cursorsChanged();
      },
      firstContact: (ch, seq) => this.firstContact(ch, seq),
      kick: (ch) => this.kick(ch)
    });
    this.store = new InboxStore({
      platform: deps.platform,
      prefix: deps.storagePrefix,
      diagnostics: deps.diagnostics,
      emitError: (e) => deps.emitError(e),
      cursors: () => ({ baseline: this.baseline, channels: this.cursorList() }),
      seen: () => __spreadProps(__spreadValues({}, this.dedup.toState(this.claimed.messages)), { cursors: { baseline: this.baseline, channels: this.cursorList(this.claimed.cursors) } }),
      merge: (state) => this.restore(state),
      unreadableIsEmpty: unsafe.unreadableStateIsEmpty === true
    });
  }
  /** Restores persisted cursors and de-duplication state. Unreadable data is reported, kept, and caught up from the server. */
  async load() {
    const { cursors, seen, unreadable } = await this.store.load();
    this.restore(__spreadValues(__spreadValues({}, cursors && { cursors }), seen && { seen }));
    if (unreadable) {
      this.unreadableState = true;
      this.baseline = true;
      this.d.diagnostics.record("storage", "inbox-state-unreadable", { channels: this.cursorList().length });
    }
  }
  /** The highest contiguous seq of a channel, or undefined when the channel is unknown. */
  cursor(channelId, channelType) {
    var _a;
    return (_a = this.channels.get(keyOf(channelType, channelId))) == null ? void 0 : _a.cursor;
  }
  snapshot() {
    let channels = 0;
    let held = 0;
    const stalled = [];
    for (const ch of this.channels.values()) {
      if (ch.cursor !== void 0) channels++;
      held += ch.held.size;
      const s = ch.stall;
      if (s) stalled.push({ channelId: ch.channelId, channelType: ch.channelType, fromSeq: s.fromSeq, since: s.since, rounds: s.rounds, lastError: s.lastError });
    }
    const f = this.gaps.faults;
    const snap = {
      channels,
      held,
      delivering: this.inflight.size,
      gaps: __spreadValues({}, this.gapCounts),
      stalled,
      syncFaults: __spreadValues({ failed: f.failed, malformed: f.malformed }, f.lastError !== void 0 && { lastError: f.lastError }),
      unreadableState: this.unreadableState
    };
    if (this.catchUps.last) snap.lastCatchUp = __spreadValues({}, this.catchUps.last);
    return snap;
  }
  handleRecv(packet, session) {
    var _a;
    if (this.closed) return;
    let payload;
    try {
      if (session && (packet.setting & Setting.NO_ENCRYPT) !== 0 && !((_a = this.d.unsafe) == null ? void 0 : _a.acceptPlainRecv)) {
        throw new ProtocolError("plaintext RECV on an encrypted session", { messageId: packet.messageId });
      }
      payload = openRecv(session, packet);
    } catch (e) {
      const detail = { messageId: packet.messageId, messageSeq: packet.messageSeq, channelId: packet.channelId, channelType: packet.channelType };
      this.d.diagnostics.record("receive", "rejected", __spreadProps(__spreadValues({}, detail), { error: errorText(e) }));
      this.d.emitError(isImError(e) ? e : new ProtocolError("RECV failed verification", detail, e));
      return;
    }
    const msg = {
      messageId: packet.messageId,
      messageSeq: packet.messageSeq,
      clientMsgNo: packet.clientMsgNo,
      fromUid: packet.fromUid,
      channelId: packet.channelId,
      channelType: packet.channelType,
      timestamp: packet.timestamp,
      payload,
      flags: { noPersist: packet.flags.noPersist, syncOnce: packet.flags.syncOnce, redDot: packet.flags.redDot },
      source: "push"
    };
    if (packet.topic !== void 0) msg.topic = packet.topic;
    const ack = recvackFor(packet);
    const inflight = this.inflight.get(msg.messageId);
    if (inflight) return void inflight.acks.push(ack);
    if (msg.messageSeq === 0) {
      if (msg.messageId !== "0" && this.dedup.hasId(msg.messageId)) return this.duplicate(msg, [ack]);
      void this.deliverOnce({ msg, acks: [ack] });
      return;
    }
    const ch = this.channel(msg.channelId, msg.channelType);
    if (ch.cursor === void 0 && !this.catchUps.conversationSyncInFlight) this.firstContact(ch, msg.messageSeq);
    if (ch.cursor !== void 0 && msg.messageSeq <= ch.cursor) return this.duplicate(msg, [ack]);
    const already = ch.held.get(msg.messageSeq);
    if (already) {
      if (already.msg.messageId === msg.messageId) already.acks.push(ack);
      else this.duplicate(msg, [ack]);
      return;
    }
    if (ch.cursor !== void 0) {
      const from = Math.max(ch.cursor, ch.topPushed, ch.wantUpTo) + 1;
      if (msg.messageSeq > from) this.gapDetected(ch, from, msg.messageSeq - 1);
    }
    ch.topPushed = Math.max(ch.topPushed, msg.messageSeq);
    this.hold(ch, { msg, acks: [ack] });
    if (ch.cursor !== void 0) void this.kick(ch);
  }
  /**
   * Tells the inbox about this device's own stored message (SENDACK 1). The server never pushes it
   * back to this connection, so without this its seq looks like a gap and would be pulled and
   * delivered as an incoming message.
   */
  noteSent(sent) {
    if (this.closed || sent.messageSeq <= 0) return;
    const placeholder = {
      messageId: sent.messageId,
      messageSeq: sent.messageSeq,
      clientMsgNo: sent.clientMsgNo,
      fromUid: this.d.uid,
      channelId: sent.channelId,
      channelType: sent.channelType,
      timestamp: 0,
      payload: new Uint8Array(0),
      flags: { noPersist: false, syncOnce: false, redDot: false },
      source: "sync"
    };
    this.remember(placeholder);
    const ch = this.channel(sent.channelId, sent.channelType);
    if (ch.cursor === void 0 && !this.catchUps.conversationSyncInFlight) this.firstContact(ch, sent.messageSeq);
    if (ch.cursor !== void 0 && sent.messageSeq <= ch.cursor || ch.held.has(sent.messageSeq)) return;
    ch.topPushed = Math.max(ch.topPushed, sent.messageSeq);
    ch.held.set(sent.messageSeq, { msg: placeholder, acks: [] });
    if (ch.cursor !== void 0 && sent.messageSeq === ch.cursor + 1) void this.kick(ch);
  }
  /** After every (re)connect and on app show: conversation sync, then message sync per channel. */
  onConnected() {
    if (this.closed) return Promise.resolve();
    return this.catchUps.onConnected();
  }
  /** The connection is gone: the continuity check pauses until the next onConnected(). */
  onDisconnected() {
    this.catchUps.onDisconnected();
  }
  /** Runs a catch-up now; concurrent calls share one run (followed by one more when asked meanwhile). */
  catchUp() {
    return this.catchUps.run();
  }
  /** Resolves once everything changed so far is in storage. */
  flush() {
    return this.store.flush();
  }
  /** Stops timers and pending retries. Held messages stay unacknowledged (they are pulled next time). */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.catchUps.close();
    for (const ch of this.channels.values()) this.gaps.cancel(ch);
    for (const wake of Array.from(this.sleepers)) wake();
    this.sleepers.clear();
    void this.store.flush();
  }
  // ---- ordering and delivery ----
  channel(channelId, channelType) {
    const key = keyOf(channelType, channelId);
    let ch = this.channels.get(key);
    if (!ch) {
      ch = newChannel(channelId, channelType);
      this.channels.set(key, ch);
      this.evictChannels();
    }
    return ch;
  }
  /** Starts a channel first met on a push or on our own SENDACK at `seq` (the first-contact policy). */
  firstContact(ch, seq) {
    ch.cursor = this.baseline ? Math.max(0, seq - 1 - this.opt.newChannelBacklog) : seq - 1;
    ch.wantUpTo = Math.max(ch.wantUpTo, seq - 1);
  }
  /** Forgets the least recently active idle channels beyond maxChannels. */
  evictChannels() {
    if (this.channels.size <= this.opt.maxChannels) return;
    for (const ch of Array.from(this.channels.values())) {
      if (this.channels.size <= this.opt.maxChannels) break;
      if (ch.held.size === 0 && !ch.draining && !ch.stall) {
        this.channels.delete(ch.key);
        this.store.cursorsChanged();
      }
    }
  }
  hold(ch, h) {
    var _a;
    ch.held.set(h.msg.messageSeq, h);
    if (ch.held.size <= this.opt.maxHeldPerChannel) return;
    const top = Math.max(...Array.from(ch.held.keys()));
    const evicted = ch.held.get(top);
    ch.held.delete(top);
    ch.wantUpTo = Math.max(ch.wantUpTo, top);
    this.d.diagnostics.record("receive", "held-evicted", { channelId: ch.channelId, channelType: ch.channelType, messageSeq: top });
    for (const ack of (_a = evicted == null ? void 0 : evicted.acks) != null ? _a : []) this.d.sendRecvack(ack);
  }
  kick(ch) {
    if (this.closed) return Promise.resolve();
    ch.again = true;
    if (ch.draining) return ch.draining;
    const run = async () => {
      try {
        while (ch.again && !this.closed) {
          ch.again = false;
          await this.drain(ch);
        }
      } catch (e) {
        this.d.diagnostics.record("receive", "drain-crashed", { channelId: ch.channelId, channelType: ch.channelType, error: errorText(e) });
      } finally {
        ch.draining = null;
      }
    };
    ch.draining = run();
    return ch.draining;
  }
  /** Delivers held messages in seq order, filling holes as they are met. */
  async drain(ch) {
    var _a, _b, _c;
    while (!this.closed && ch.cursor !== void 0) {
      const next = ch.cursor + 1;
      const h = ch.held.get(next);
      if (h) {
        const to = runEnd(ch, next);
        if (to - next + 1 >= MIN_CLAIMED_RUN && this.quick && !this.claimed.cursors.has(ch.key) && !((_a = this.d.unsafe) == null ? void 0 : _a.cursorAfterDelivery)) await this.claim(ch, next, to);
        if (ch.held.get(next) !== h) continue;
        ch.held.delete(next);
        await this.process(ch, h);
        if (((_b = this.claimed.cursors.get(ch.key)) != null ? _b : Infinity) <= next) this.unclaim(ch, next + 1);
        continue;
      }
      this.unclaim(ch, next);
      const end = (_c = lowestHeld(ch)) != null ? _c : ch.wantUpTo + 1;
      if (end <= next) break;
      if (!await this.gaps.fill(ch, next, end)) break;
    }
  }
  async process(ch, h) {
    var _a;
    const seq = h.msg.messageSeq;
    const shown = !this.dedup.isDuplicate(h.msg);
    if (shown) this.quick = await this.deliverOnce(h, () => this.unclaim(ch, seq));
    else this.duplicate(h.msg, h.acks);
    this.advance(ch, seq, shown && ((_a = this.claimed.cursors.get(ch.key)) != null ? _a : 0) < seq);
  }
  /** Stores [from, to] as shown (with the messages' de-dup entries) before they are (see "Kills"). */
  async claim(ch, from, to) {
    for (let seq = from; seq <= to; seq++) this.claimed.messages.push(ch.held.get(seq).msg);
    this.claimed.cursors.set(ch.key, to);
    const ok = await this.store.commit();
    if (!ok || this.closed || ch.cursor !== from - 1 || runEnd(ch, from) < to) this.unclaim(ch, from);
  }
  /**
   * Narrows the channel's claim to the seqs below `seq`: at the run's end (what was claimed is now
   * plain state), when its write failed, or when the handler of `seq` turned out slow, so the rest
   * goes one by one; a withdrawn claim is written again at once (see "Kills").
   */
  unclaim(ch, seq) {
    var _a;
    const top = this.claimed.cursors.get(ch.key);
    if (top === void 0) return;
    const floor = (_a = ch.cursor) != null ? _a : 0;
    const ours = (m) => m.channelType === ch.channelType && m.channelId === ch.channelId;
    this.claimed.messages = this.claimed.messages.filter((m) => !ours(m) || m.messageSeq > floor && m.messageSeq < seq);
    if (seq - 1 > floor) this.claimed.cursors.set(ch.key, seq - 1);
    else this.claimed.cursors.delete(ch.key);
    if (seq <= top) void this.store.commit();
  }
  /**
   * Hands a message to the app, then remembers it and acks. It is remembered (and so persisted as
   * seen) only once the handler settled: a crash mid-handler must not turn it into a duplicate.
   * Resolves true when the handler settled quickly; `onSlow` runs as soon as it did not (see "Kills").
   */
  async deliverOnce(h, onSlow) {
    this.inflight.set(h.msg.messageId, h);
    let quick = false;
    try {
      const p = this.d.deliver(h.msg);
      quick = await settlesQuickly(p);
      if (!quick) onSlow == null ? void 0 : onSlow();
      await p;
    } catch (e) {
      this.d.diagnostics.record("receive", "deliver-failed", { messageId: h.msg.messageId, error: errorText(e) });
    }
    this.inflight.delete(h.msg.messageId);
    this.remember(h.msg, h.msg.messageSeq === 0);
    for (const ack of h.acks) this.d.sendRecvack(ack);
    return quick;
  }
  /** `shown`: the app was just handed this seq, so the cursor is saved at once (see InboxStore). */
  advance(ch, seq, shown = false) {
    if (ch.cursor !== void 0 && seq <= ch.cursor) return;
    ch.cursor = seq;
    this.gaps.resolved(ch);
    this.channels.delete(ch.key);
    this.channels.set(ch.key, ch);
    while (ch.gaps.length > 0 && ch.gaps[0].to <= seq) {
      const g = ch.gaps.shift();
      if (!g.lost) this.reportGap(ch, g.from, g.to, "filled");
    }
    this.store.cursorsChanged(shown);
  }
  /** `urgent`: written without waiting for the store's spacing (see InboxStore). */
  remember(msg, urgent = false) {
    this.dedup.remember(msg);
    this.store.seenChanged(urgent);
  }
  /** A duplicate is still acked: a v2 server keeps redelivering what was not acked. */
  duplicate(msg, acks) {
    this.d.diagnostics.record("receive", "duplicate", { messageId: msg.messageId, messageSeq: msg.messageSeq, source: msg.source });
    for (const ack of acks) this.d.sendRecvack(ack);
  }
  // ---- gaps ----
  gapDetected(ch, from, to) {
    ch.gaps.push({ from, to, lost: false });
    this.reportGap(ch, from, to, "detected");
  }
  reportGap(ch, fromSeq, toSeq, outcome) {
    const e = { channelId: ch.channelId, channelType: ch.channelType, fromSeq, toSeq, outcome };
    this.gapCounts[outcome]++;
    this.d.diagnostics.record("receive", `gap-${outcome}`, __spreadValues({}, e));
    this.d.emitGap(e);
  }
  skip(ch, from, to) {
    for (const g of ch.gaps) if (g.from <= to && from <= g.to) g.lost = true;
    this.reportGap(ch, from, to, "unfillable");
    this.advance(ch, to);
  }
  /** A platform-timer delay that close() cuts short (and clears). */
  sleep(ms) {
    return new Promise((resolve) => {
      let id;
      const wake = () => {
        this.sleepers.delete(wake);
        if (id !== void 0) this.d.platform.clearTimeout(id);
        resolve();
      };
      this.sleepers.add(wake);
      id = this.d.platform.setTimeout(wake, ms);
    });
  }
  /** Merges stored state in: cursors only move forward, de-dup entries are added. */
  restore(state) {
    var _a;
    for (const copy of [state.cursors, (_a = state.seen) == null ? void 0 : _a.cursors]) {
      if (!copy) continue;
      for (const [channelType, channelId, seq] of copy.channels) {
        const ch = this.channel(channelId, channelType);
        if (ch.cursor === void 0 || seq > ch.cursor) ch.cursor = seq;
      }
      this.baseline || (this.baseline = copy.baseline);
    }
    if (state.seen) this.dedup.restore(state.seen);
  }
  /** Every known cursor; `ahead` raises some (claimed runs). */
  cursorList(ahead) {
    var _a;
    const out = [];
    for (const ch of this.channels.values()) {
      if (ch.cursor !== void 0) out.push([ch.channelType, ch.channelId, Math.max(ch.cursor, (_a = ahead == null ? void 0 : ahead.get(ch.key)) != null ? _a : 0)]);
    }
    return out;
  }
};

// sdk/outbox/status.ts
var STATUS_TRANSITIONS = {
  queued: ["sending", "failed"],
  sending: ["queued", "sent", "failed"],
  failed: ["queued"],
  sent: []
};
function canMoveTo(from, to) {
  return STATUS_TRANSITIONS[from].indexOf(to) >= 0;
}

// sdk/outbox/store.ts
var OutboxStore = class {
  constructor(storage, keyPrefix, uid) {
    this.storage = storage;
    /** Per-key chains: a write to one key starts only after the previous one settled. */
    this.chains = /* @__PURE__ */ new Map();
    this.prefix = `${keyPrefix}:${uid}:out:`;
  }
  key(clientMsgNo) {
    return this.prefix + clientMsgNo;
  }
  /** Writes the record; rejects with StorageError (STORAGE_FULL / STORAGE_FAILED). */
  put(record) {
    const key = this.key(record.clientMsgNo);
    return this.serial(key, () => this.storage.set(key, record));
  }
  remove(clientMsgNo) {
    const key = this.key(clientMsgNo);
    return this.serial(key, () => this.storage.remove(key));
  }
  async load() {
    const keys = (await wrap(this.storage.keys(), "list")).filter((k) => k.indexOf(this.prefix) === 0);
    const entries = [];
    const corrupt = [];
    for (const key of keys) {
      const value = await wrap(this.storage.get(key), "read");
      const record = parse(value, key.slice(this.prefix.length));
      let message;
      try {
        message = record && fromStored(record);
      } catch (e) {
        message = void 0;
      }
      if (record && message) entries.push({ record, message });
      else corrupt.push(new StorageError("STORAGE_CORRUPT", "unreadable outbox entry skipped", { key }));
    }
    entries.sort((a, b) => a.record.order - b.record.order);
    return { entries, corrupt };
  }
  serial(key, op) {
    var _a;
    const previous = (_a = this.chains.get(key)) != null ? _a : Promise.resolve();
    const next = previous.then(op, op).then(void 0, (error) => {
      throw isStorageError(error) ? error : new StorageError("STORAGE_FAILED", "storage operation failed", { key }, error);
    });
    const settled = next.then(
      () => void 0,
      () => void 0
    );
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return next;
  }
};
function toStored(m, order) {
  const record = {
    v: 1,
    clientMsgNo: m.clientMsgNo,
    channelId: m.channelId,
    channelType: m.channelType,
    payload: encodeBase64(m.payload),
    flags: { redDot: m.flags.redDot, syncOnce: m.flags.syncOnce, noPersist: m.flags.noPersist },
    expire: m.expire,
    createdAt: m.createdAt,
    order
  };
  if (m.topic !== void 0) record.topic = m.topic;
  if (m.status === "failed" && m.failure) {
    record.failed = m.reasonCode === void 0 ? { failure: m.failure } : { failure: m.failure, reasonCode: m.reasonCode };
  }
  return record;
}
function fromStored(r) {
  const m = {
    clientMsgNo: r.clientMsgNo,
    channelId: r.channelId,
    channelType: r.channelType,
    payload: decodeBase64(r.payload),
    flags: __spreadValues({}, r.flags),
    expire: r.expire,
    status: r.failed ? "failed" : "queued",
    createdAt: r.createdAt,
    attempts: 0
  };
  if (r.topic !== void 0) m.topic = r.topic;
  if (r.failed) {
    m.failure = r.failed.failure;
    if (r.failed.reasonCode !== void 0) m.reasonCode = r.failed.reasonCode;
  }
  return m;
}
function parse(value, keyId) {
  if (!value || typeof value !== "object") return void 0;
  const r = value;
  const f = r.flags;
  const ok = r.v === 1 && r.clientMsgNo === keyId && typeof r.channelId === "string" && r.channelId !== "" && typeof r.channelType === "number" && typeof r.payload === "string" && typeof r.expire === "number" && typeof r.createdAt === "number" && typeof r.order === "number" && (r.topic === void 0 || typeof r.topic === "string") && !!f && typeof f.redDot === "boolean" && typeof f.syncOnce === "boolean" && typeof f.noPersist === "boolean" && (r.failed === void 0 || typeof r.failed === "object" && typeof r.failed.failure === "string");
  return ok ? r : void 0;
}
function wrap(p, what) {
  return p.then(void 0, (error) => {
    throw isStorageError(error) ? error : new StorageError("STORAGE_FAILED", `could not ${what} the outbox storage`, {}, error);
  });
}

// sdk/outbox/validate.ts
var CHANNEL_TYPES = new Set(Object.keys(ChannelType).map((k) => ChannelType[k]));
function validateSend(input) {
  var _a, _b, _c, _d;
  if (!input || typeof input !== "object") throw new InvalidArgumentError("send() takes { channelId, channelType, payload }");
  const { channelId, channelType, topic, expire = 0 } = input;
  if (typeof channelId !== "string" || channelId === "") throw new InvalidArgumentError("channelId must be a non-empty string", { field: "channelId" });
  const channelBytes = encodeUtf8(channelId).length;
  if (channelBytes > 255) throw new InvalidArgumentError("channelId is longer than 255 UTF-8 bytes", { field: "channelId", bytes: channelBytes });
  if (typeof channelType !== "number" || !CHANNEL_TYPES.has(channelType)) {
    throw new InvalidArgumentError("unknown channelType", { field: "channelType", channelType });
  }
  let payload;
  if (typeof input.payload === "string") payload = encodeUtf8(input.payload);
  else if (input.payload instanceof Uint8Array) payload = input.payload.slice();
  else throw new InvalidArgumentError("payload must be a Uint8Array or a string", { field: "payload", type: typeof input.payload });
  if (payload.length === 0) throw new InvalidArgumentError("payload is empty", { field: "payload" });
  if (topic !== void 0 && (typeof topic !== "string" || encodeUtf8(topic).length > 255)) {
    throw new InvalidArgumentError("topic must be a string of at most 255 UTF-8 bytes", { field: "topic" });
  }
  if (typeof expire !== "number" || !Number.isInteger(expire) || expire < 0 || expire > 4294967295) {
    throw new InvalidArgumentError("expire must be whole seconds, 0..2^32-1", { field: "expire", expire });
  }
  const f = (_a = input.flags) != null ? _a : {};
  for (const name2 of ["redDot", "syncOnce", "noPersist"]) {
    if (f[name2] !== void 0 && typeof f[name2] !== "boolean") throw new InvalidArgumentError(`flags.${name2} must be a boolean`, { field: `flags.${name2}` });
  }
  const frame = sendFrameBound(payload.length, channelBytes, topic === void 0 ? 0 : encodeUtf8(topic).length);
  if (frame > MAX_REMAINING_LENGTH) {
    throw new InvalidArgumentError("payload too large for one frame", { field: "payload", bytes: payload.length, frameBytes: frame, limit: MAX_REMAINING_LENGTH });
  }
  const out = {
    channelId,
    channelType,
    payload,
    flags: { redDot: (_b = f.redDot) != null ? _b : true, syncOnce: (_c = f.syncOnce) != null ? _c : false, noPersist: (_d = f.noPersist) != null ? _d : false },
    expire
  };
  if (topic !== void 0) out.topic = topic;
  return out;
}
function sendFrameBound(payloadBytes, channelBytes, topicBytes) {
  const cipher = (Math.floor(payloadBytes / 16) + 1) * 16;
  const wirePayload = Math.ceil(cipher / 3) * 4;
  return wirePayload + 1 + 4 + 66 + 2 + channelBytes + 1 + 4 + 34 + (topicBytes ? 2 + topicBytes : 0);
}

// sdk/outbox/outbox.ts
var OVERDUE_FACTOR = 3;
var Outbox = class {
  constructor(deps) {
    this.deps = deps;
    this.entries = [];
    this.byNo = /* @__PURE__ */ new Map();
    /** Entries with a retry deadline (backing off), so arm() need not scan the whole queue. */
    this.retrying = /* @__PURE__ */ new Set();
    this.inFlight = /* @__PURE__ */ new Map();
    this.nextOrder = 1;
    this.nextClientSeq = 1;
    /** send() calls between validation and their entry joining the queue (count toward maxMessages). */
    this.reserved = 0;
    this.loaded = false;
    this.closed = false;
    this.timerAt = Infinity;
    this.store = new OutboxStore(deps.platform.storage, deps.config.keyPrefix, deps.config.uid);
  }
  /** Restores the queue from storage (once; retried on the next call if it failed). */
  load() {
    if (!this.loading) {
      this.loading = this.restore().then(void 0, (error) => {
        this.loading = void 0;
        throw error;
      });
    }
    return this.loading;
  }
  async send(input) {
    this.assertOpen();
    const valid = validateSend(input);
    await this.load();
    this.assertOpen();
    if (this.entries.length + this.reserved >= this.deps.config.maxMessages) {
      throw new StorageError("STORAGE_FULL", "the outbox is full", { limit: this.deps.config.maxMessages });
    }
    this.reserved++;
    try {
      const clientMsgNo = `${hex(await this.deps.platform.randomBytes(16))}_${this.deps.config.deviceTag()}`;
      const order = this.nextOrder++;
      const msg = __spreadProps(__spreadValues({ clientMsgNo }, valid), { status: "queued", createdAt: this.deps.platform.now(), attempts: 0 });
      try {
        await this.store.put(toStored(msg, order));
      } catch (error) {
        await this.store.remove(clientMsgNo).catch(() => void 0);
        this.deps.diagnostics.record("storage", "enqueue failed", { code: isStorageError(error) ? error.code : "STORAGE_FAILED" });
        throw error;
      }
      this.deps.diagnostics.trace(clientMsgNo, "persisted", { order, channelId: msg.channelId, channelType: msg.channelType });
      const entry = this.insert(msg, order, false);
      const durable = snapshot(msg);
      this.emit(entry);
      this.flush();
      return durable;
    } finally {
      this.reserved--;
    }
  }
  /** Puts a failed message back in the queue (same clientMsgNo). */
  async resend(clientMsgNo) {
    this.assertOpen();
    await this.load();
    const entry = this.byNo.get(clientMsgNo);
    if (!entry || entry.msg.status !== "failed") {
      throw new InvalidArgumentError("only a failed message can be resent", { clientMsgNo, status: entry == null ? void 0 : entry.msg.status });
    }
    this.transition(entry, "queued", "resend");
    delete entry.msg.failure;
    entry.retries = 0;
    entry.retryAt = 0;
    this.retrying.delete(entry);
    entry.reencoded = false;
    await this.store.put(toStored(entry.msg, entry.order)).catch((error) => this.deps.emitError(asStorageError(error)));
    this.emit(entry);
    this.flush();
    return snapshot(entry.msg);
  }
  /** Removes a failed or queued (not in-flight) message for good; reported as failed / 'cancelled'. */
  async discard(clientMsgNo) {
    this.assertOpen();
    await this.load();
    const entry = this.byNo.get(clientMsgNo);
    if (!entry) throw new InvalidArgumentError("no such message in the outbox", { clientMsgNo });
    if (entry.msg.status === "sending") throw new InvalidArgumentError("the message is on the wire; wait for its SENDACK", { clientMsgNo });
    if (entry.msg.status === "queued") this.transition(entry, "failed", "discarded");
    entry.msg.failure = "cancelled";
    await this.store.remove(clientMsgNo);
    this.drop(entry);
    this.deps.diagnostics.trace(clientMsgNo, "discarded");
    this.emit(entry);
  }
  /** queued, sending and failed messages, in enqueue order. */
  pending() {
    return this.entries.map((e) => snapshot(e.msg));
  }
  /** Whether a clientMsgNo was made by this install (it carries this install's tag). */
  madeHere(clientMsgNo) {
    return clientMsgNo.endsWith(`_${this.deps.config.deviceTag()}`);
  }
  onConnected() {
    this.flush();
  }
  /** The socket an attempt went out on is gone: back to queued, re-sent after reconnect. */
  onDisconnected(reason) {
    var _a;
    const lost = Array.from(this.inFlight.values()).sort((a, b) => a.order - b.order);
    this.inFlight.clear();
    if ((_a = this.deps.unsafe) == null ? void 0 : _a.disableResend) return this.arm();
    for (const entry of lost) {
      entry.clientSeq = 0;
      this.transition(entry, "queued", reason);
      this.deps.diagnostics.trace(entry.msg.clientMsgNo, "requeued", { reason });
      this.emit(entry);
    }
    this.arm();
  }
  handleSendack(ack, connectionId) {
    const entry = this.inFlight.get(ack.clientSeq);
    if (!entry || entry.connectionId !== connectionId || ack.clientMsgNo && ack.clientMsgNo !== entry.msg.clientMsgNo) {
      this.deps.diagnostics.record("ack", "unmatched SENDACK", { clientSeq: ack.clientSeq, reasonCode: ack.reasonCode });
      return;
    }
    this.inFlight.delete(ack.clientSeq);
    entry.clientSeq = 0;
    const m = entry.msg;
    const now = this.deps.platform.now();
    m.reasonCode = ack.reasonCode;
    this.deps.diagnostics.trace(m.clientMsgNo, "ack", {
      reasonCode: ack.reasonCode,
      messageId: ack.messageId,
      messageSeq: ack.messageSeq,
      latencyMs: now - entry.writtenAt
    });
    switch (classifySendack(ack.reasonCode)) {
      case "done":
        m.messageId = ack.messageId;
        m.messageSeq = ack.messageSeq;
        m.sentAt = now;
        this.drop(entry);
        this.transition(entry, "sent", "sendack");
        void this.store.remove(m.clientMsgNo).then(
          () => this.emit(entry),
          (error) => {
            this.deps.emitError(asStorageError(error));
            this.emit(entry);
          }
        );
        break;
      case "reencode":
        if (!entry.reencoded) {
          entry.reencoded = true;
          this.requeue(entry, "stale session key (9)", 0);
          break;
        }
        void this.fail(entry, "rejected", "SENDACK 9 again after a fresh encode");
        break;
      case "retry":
        this.requeue(entry, `retryable reason ${ack.reasonCode}`, Infinity);
        void this.deps.random().then((r) => {
          if (entry.retryAt !== Infinity) return;
          this.retrying.add(entry);
          entry.retryAt = this.deps.platform.now() + backoffDelay(entry.retries++, { initialMs: this.deps.config.retryInitialMs, maxMs: this.deps.config.retryMaxMs }, r);
          this.flush();
        });
        break;
      case "permanent":
        void this.fail(entry, "rejected", `rejected with reason ${ack.reasonCode}`);
        break;
    }
    this.flush();
  }
  close() {
    this.closed = true;
    if (this.timer !== void 0) this.deps.platform.clearTimeout(this.timer);
    this.timer = void 0;
  }
  // ---- internals ------------------------------------------------------------------------------
  async restore() {
    const { entries, corrupt } = await this.store.load();
    for (const error of corrupt) this.deps.emitError(error);
    for (const { record, message } of entries) {
      if (this.byNo.has(message.clientMsgNo)) continue;
      this.insert(message, record.order, message.status === "queued");
      this.nextOrder = Math.max(this.nextOrder, record.order + 1);
    }
    this.loaded = true;
    this.deps.diagnostics.record("storage", "outbox restored", { messages: entries.length, corrupt: corrupt.length });
    this.flush();
  }
  /** Writes as many queued messages as the window allows, in enqueue order. */
  flush() {
    var _a, _b, _c;
    if (this.closed || !this.loaded) return;
    this.expire();
    const connectionId = this.deps.transport.connectionId();
    if (connectionId !== 0) {
      const now = this.deps.platform.now();
      const { window: limit, channelWindow } = this.deps.config;
      const held = /* @__PURE__ */ new Set();
      const onWire = /* @__PURE__ */ new Map();
      if (channelWindow > 0) {
        for (const e of this.inFlight.values()) onWire.set(channelOf(e.msg), ((_a = onWire.get(channelOf(e.msg))) != null ? _a : 0) + 1);
      }
      for (const entry of this.entries) {
        if (this.inFlight.size >= limit) break;
        const m = entry.msg;
        if (m.status !== "queued") continue;
        const channel = channelOf(m);
        if (held.has(channel)) continue;
        if (entry.retryAt > now || channelWindow > 0 && ((_b = onWire.get(channel)) != null ? _b : 0) >= channelWindow) {
          held.add(channel);
          continue;
        }
        this.write(entry, connectionId, now);
        if (channelWindow > 0) onWire.set(channel, ((_c = onWire.get(channel)) != null ? _c : 0) + 1);
      }
    }
    this.arm();
  }
  write(entry, connectionId, now) {
    const m = entry.msg;
    const clientSeq = this.nextClientSeq++;
    const packet = {
      type: PacketType.SEND,
      flags: { dup: entry.maybeSent, syncOnce: m.flags.syncOnce, redDot: m.flags.redDot, noPersist: m.flags.noPersist },
      setting: 0,
      clientSeq,
      clientMsgNo: m.clientMsgNo,
      channelId: m.channelId,
      channelType: m.channelType,
      expire: m.expire,
      msgKey: "",
      payload: m.payload
    };
    if (m.topic !== void 0) {
      packet.topic = m.topic;
      packet.setting |= 8;
    }
    entry.clientSeq = clientSeq;
    entry.connectionId = connectionId;
    entry.writtenAt = now;
    entry.ackCheckAt = now + this.deps.config.sendackTimeoutMs;
    entry.retryAt = 0;
    this.retrying.delete(entry);
    entry.maybeSent = true;
    m.attempts++;
    this.inFlight.set(clientSeq, entry);
    this.transition(entry, "sending", "written");
    this.deps.diagnostics.trace(m.clientMsgNo, "attempt", { attempt: m.attempts, connectionId, clientSeq, dup: packet.flags.dup });
    this.emit(entry);
    if (!this.deps.transport.write(packet)) {
      this.inFlight.delete(clientSeq);
      entry.clientSeq = 0;
      this.transition(entry, "queued", "not connected");
      this.emit(entry);
    }
  }
  requeue(entry, reason, retryAt) {
    entry.retryAt = retryAt;
    if (retryAt > 0) this.retrying.add(entry);
    this.transition(entry, "queued", reason);
    this.deps.diagnostics.trace(entry.msg.clientMsgNo, "requeued", { reason });
    this.emit(entry);
  }
  /** → failed, persisted (so it survives a restart), then reported. */
  async fail(entry, failure, reason) {
    if (entry.clientSeq) this.inFlight.delete(entry.clientSeq);
    entry.clientSeq = 0;
    this.transition(entry, "failed", reason);
    entry.msg.failure = failure;
    this.deps.diagnostics.trace(entry.msg.clientMsgNo, "failed", { reasonCode: entry.msg.reasonCode, failure });
    try {
      await this.store.put(toStored(entry.msg, entry.order));
    } catch (error) {
      this.deps.emitError(asStorageError(error));
    }
    if (entry.msg.status === "failed" && this.byNo.get(entry.msg.clientMsgNo) === entry) this.emit(entry);
  }
  expire() {
    const limit = this.deps.config.expireAfterMs;
    if (limit <= 0) return;
    const now = this.deps.platform.now();
    for (const entry of this.entries) {
      if (now - entry.msg.createdAt < limit) break;
      if (entry.msg.status === "queued") void this.fail(entry, "expired", "expired");
    }
  }
  /** Re-arms the one timer for the nearest deadline. */
  arm() {
    if (this.closed) return;
    const { expireAfterMs } = this.deps.config;
    const now = this.deps.platform.now();
    let at = Infinity;
    for (const entry of this.retrying) {
      if (entry.msg.status === "queued" && entry.retryAt > now && entry.retryAt < Infinity) at = Math.min(at, entry.retryAt);
    }
    if (expireAfterMs > 0) {
      for (const entry of this.entries) {
        if (entry.msg.status !== "queued") continue;
        at = Math.min(at, entry.msg.createdAt + expireAfterMs);
        break;
      }
    }
    for (const entry of this.inFlight.values()) at = Math.min(at, entry.ackCheckAt);
    if (at === this.timerAt) return;
    if (this.timer !== void 0) this.deps.platform.clearTimeout(this.timer);
    this.timer = void 0;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = this.deps.platform.setTimeout(() => {
      this.timer = void 0;
      this.timerAt = Infinity;
      this.tick();
    }, Math.max(0, at - this.deps.platform.now()));
  }
  tick() {
    if (this.closed) return;
    const now = this.deps.platform.now();
    const overdueAfter = this.deps.config.sendackTimeoutMs * OVERDUE_FACTOR;
    let rebuild = false;
    let probe = false;
    for (const entry of this.inFlight.values()) {
      if (entry.ackCheckAt > now) continue;
      if (now - entry.writtenAt >= overdueAfter) rebuild = true;
      else {
        probe = true;
        entry.ackCheckAt = entry.writtenAt + overdueAfter;
      }
    }
    if (rebuild) {
      this.deps.diagnostics.record("ack", "sendack overdue", { inFlight: this.inFlight.size });
      this.deps.transport.rebuild("sendack overdue");
    } else if (probe) {
      this.deps.transport.probe("sendack timeout");
    }
    this.flush();
  }
  insert(msg, order, maybeSent) {
    const entry = { msg, order, clientSeq: 0, connectionId: 0, writtenAt: 0, ackCheckAt: 0, retryAt: 0, retries: 0, reencoded: false, maybeSent };
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1].order > order) i--;
    this.entries.splice(i, 0, entry);
    this.byNo.set(msg.clientMsgNo, entry);
    return entry;
  }
  drop(entry) {
    const i = this.entries.indexOf(entry);
    if (i === 0) this.entries.shift();
    else if (i > 0) this.entries.splice(i, 1);
    this.byNo.delete(entry.msg.clientMsgNo);
    this.retrying.delete(entry);
  }
  transition(entry, to, reason) {
    const from = entry.msg.status;
    if (!canMoveTo(from, to)) throw new ClientError("INTERNAL", `outbox transition ${from} \u2192 ${to} refused`, { clientMsgNo: entry.msg.clientMsgNo, reason });
    entry.msg.status = to;
  }
  emit(entry) {
    this.deps.emitStatus(snapshot(entry.msg));
  }
  assertOpen() {
    if (this.closed) throw new ClientError("CLIENT_CLOSED", "the client is closed");
  }
};
var channelOf = (m) => `${m.channelType}:${m.channelId}`;
function snapshot(m) {
  return __spreadProps(__spreadValues({}, m), { flags: __spreadValues({}, m.flags) });
}
function hex(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] + 256).toString(16).slice(1);
  return s;
}
function asStorageError(error) {
  return isStorageError(error) ? error : new StorageError("STORAGE_FAILED", "storage operation failed", {}, error);
}

// sdk/platform/wx.ts
var MAX_CLOSE_REASON_BYTES = 123;
var ENDED_MATCH_MS = 5e3;
var GLOBAL_CLOSE_GRACE_MS = 50;
function truncateUtf8(s, max) {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 55296 && c <= 56319 && i + 1 < s.length && (s.charCodeAt(i + 1) & 64512) === 56320;
    const n = c < 128 ? 1 : c < 2048 ? 2 : pair ? 4 : 3;
    if (bytes + n > max) return s.slice(0, i);
    bytes += n;
    if (pair) i++;
  }
  return s;
}
function toArrayBuffer(view) {
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
}
var validCloseCode = (code) => code === 1e3 || code >= 3e3 && code <= 4999;
function createWxPlatform(wx2, opts = {}) {
  var _a, _b, _c;
  const timers = (_a = opts.timers) != null ? _a : {
    setTimeout: (fn2, ms) => setTimeout(fn2, ms),
    clearTimeout: (id) => clearTimeout(id)
  };
  const clock = (_b = opts.clock) != null ? _b : { now: () => Date.now() };
  const encrypt2 = opts.encryptStorage === true;
  const poolSize = Math.max(16, (_c = opts.randomPoolSize) != null ? _c : 256);
  const missing = [];
  if (!wx2.getRandomValues) missing.push("getRandomValues: randomBytes rejects (base 2.15.0 needed)");
  if (!wx2.offNetworkStatusChange) missing.push("offNetworkStatusChange: one listener kept, filtered (base 2.9.3)");
  if (!wx2.onAppShow || !wx2.onAppHide) missing.push("onAppShow/onAppHide: lifecycle events never fire (base 2.1.2)");
  if (!wx2.onSocketClose) missing.push("onSocketClose: iOS background closes go unnoticed until the heartbeat");
  const live2 = [];
  const ended = [];
  let globalCloseHooked = false;
  const hookGlobalClose = () => {
    if (globalCloseHooked || !wx2.onSocketClose) return;
    globalCloseHooked = true;
    wx2.onSocketClose((res) => {
      timers.setTimeout(() => {
        const now = clock.now();
        while (ended.length > 0 && now - ended[0] > ENDED_MATCH_MS) ended.shift();
        if (ended.length > 0) {
          ended.shift();
          return;
        }
        for (let i = live2.length - 1; i >= 0; i--) {
          const s = live2[i];
          if (s.opened) {
            s.finish(res.code, res.reason);
            ended.pop();
            return;
          }
        }
      }, GLOBAL_CLOSE_GRACE_MS);
    });
  };
  function openSocket(url, h) {
    hookGlobalClose();
    let closed = false;
    let task;
    const entry = {
      opened: false,
      finish(code, reason) {
        if (closed) return;
        end();
        h.onClose(code, reason);
      }
    };
    const end = () => {
      closed = true;
      const i = live2.indexOf(entry);
      if (i >= 0) live2.splice(i, 1);
      const now = clock.now();
      while (ended.length > 0 && now - ended[0] > ENDED_MATCH_MS) ended.shift();
      ended.push(now);
    };
    const fail = (error) => {
      if (closed) return;
      h.onError(error);
      if (!entry.opened) entry.finish(1006, error.message);
    };
    const closeTask = (code, reason) => {
      try {
        task == null ? void 0 : task.close({ code: validCloseCode(code) ? code : 1e3, reason: truncateUtf8(reason, MAX_CLOSE_REASON_BYTES), fail: () => void 0 });
      } catch (e) {
      }
    };
    live2.push(entry);
    try {
      task = wx2.connectSocket({
        url,
        fail: (e) => fail(new NetworkError(e.errMsg, { url, api: "connectSocket" }))
      });
    } catch (e) {
      timers.setTimeout(() => fail(new NetworkError(`connectSocket threw: ${String(e)}`, { url }, e)), 0);
    }
    task == null ? void 0 : task.onOpen(() => {
      if (closed) closeTask(1e3, "");
      if (closed || entry.opened) return;
      entry.opened = true;
      h.onOpen();
    });
    task == null ? void 0 : task.onMessage((res) => {
      if (closed) return;
      if (typeof res.data === "string") h.onError(new ProtocolError("text frame received; WKProto uses binary frames only", { url, length: res.data.length }));
      else h.onMessage(new Uint8Array(res.data));
    });
    task == null ? void 0 : task.onError((res) => fail(new NetworkError(res.errMsg, { url, api: "SocketTask.onError" })));
    task == null ? void 0 : task.onClose((res) => entry.finish(res.code, res.reason));
    return {
      send(data) {
        if (closed || !task) return;
        task.send({
          data: toArrayBuffer(data),
          fail: (e) => {
            if (!closed) h.onError(new NetworkError(e.errMsg, { url, api: "SocketTask.send" }));
          }
        });
      },
      close(code = 1e3, reason = "") {
        if (closed) return;
        end();
        closeTask(code, reason);
      }
    };
  }
  const chains = /* @__PURE__ */ new Map();
  const serial = (key, op) => {
    var _a2;
    const prev = (_a2 = chains.get(key)) != null ? _a2 : Promise.resolve();
    const run = prev.then(op, op);
    const tail = run.then(() => void 0, () => void 0);
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return run;
  };
  const storageError = (api, key, errMsg) => new StorageError(/exceed/i.test(errMsg) ? "STORAGE_FULL" : "STORAGE_FAILED", errMsg, { api, key });
  const storage = {
    get: (key) => serial(key, () => new Promise((resolve, reject) => {
      wx2.getStorage(__spreadProps(__spreadValues({
        key
      }, encrypt2 ? { encrypt: true } : {}), {
        success: (res) => resolve(res.data),
        fail: (e) => /not found/i.test(e.errMsg) ? resolve(void 0) : reject(storageError("getStorage", key, e.errMsg))
      }));
    })),
    set: (key, value) => serial(key, () => new Promise((resolve, reject) => {
      wx2.setStorage(__spreadProps(__spreadValues({
        key,
        data: value
      }, encrypt2 ? { encrypt: true } : {}), {
        success: () => resolve(),
        fail: (e) => reject(storageError("setStorage", key, e.errMsg))
      }));
    })),
    remove: (key) => serial(key, () => new Promise((resolve, reject) => {
      wx2.removeStorage({ key, success: () => resolve(), fail: (e) => reject(storageError("removeStorage", key, e.errMsg)) });
    })),
    keys: () => new Promise((resolve, reject) => {
      wx2.getStorageInfo({ success: (res) => resolve(res.keys.slice()), fail: (e) => reject(storageError("getStorageInfo", "", e.errMsg)) });
    })
  };
  const toStatus = (networkType, isConnected) => ({
    online: isConnected != null ? isConnected : networkType !== "none",
    type: networkType
  });
  let netListeners;
  const onNetworkChange = (listener) => {
    if (wx2.offNetworkStatusChange) {
      const off = wx2.offNetworkStatusChange.bind(wx2);
      const cb = (res) => listener(toStatus(res.networkType, res.isConnected));
      wx2.onNetworkStatusChange(cb);
      return () => off(cb);
    }
    if (!netListeners) {
      const set2 = /* @__PURE__ */ new Set();
      netListeners = set2;
      wx2.onNetworkStatusChange((res) => {
        for (const l of [...set2]) l(toStatus(res.networkType, res.isConnected));
      });
    }
    const set = netListeners;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };
  const lifecycleHook = (on, off) => (listener) => {
    const register = wx2[on];
    if (!register) return () => void 0;
    const cb = () => listener();
    register.call(wx2, cb);
    const unregister = wx2[off];
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      unregister == null ? void 0 : unregister.call(wx2, cb);
    };
  };
  let pool = new Uint8Array(0);
  let refilling;
  const refill = (want) => {
    if (refilling) return refilling;
    if (!wx2.getRandomValues) return Promise.reject(new PlatformError("wx.getRandomValues is missing (base library 2.15.0 or later needed); no insecure fallback is used"));
    const p = new Promise((resolve, reject) => {
      wx2.getRandomValues({
        length: want,
        success: (res) => {
          const fresh = new Uint8Array(res.randomValues);
          const merged = new Uint8Array(pool.length + fresh.length);
          merged.set(pool);
          merged.set(fresh, pool.length);
          pool = merged;
          resolve();
        },
        fail: (e) => reject(new PlatformError(`wx.getRandomValues failed: ${e.errMsg}`, { length: want }))
      });
    });
    refilling = p;
    const done = () => {
      if (refilling === p) refilling = void 0;
    };
    p.then(done, done);
    return p;
  };
  async function randomBytes2(n) {
    while (pool.length < n) await refill(Math.max(poolSize, n));
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    if (pool.length < poolSize / 2) refill(poolSize).catch(() => void 0);
    return out;
  }
  const request = (req) => new Promise((resolve, reject) => {
    var _a2;
    wx2.request(__spreadProps(__spreadValues({
      url: req.url,
      method: req.method
    }, req.data !== void 0 ? { data: req.data } : {}), {
      header: __spreadValues({ "content-type": "application/json" }, req.headers),
      timeout: (_a2 = req.timeoutMs) != null ? _a2 : 1e4,
      dataType: "json",
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (e) => reject(new NetworkError(e.errMsg, { url: req.url, method: req.method }))
    }));
  });
  let realtimeLog;
  if (wx2.getRealtimeLogManager) {
    const m = wx2.getRealtimeLogManager();
    realtimeLog = { info: (s) => m.info(s), warn: (s) => m.warn(s), error: (s) => m.error(s) };
  }
  return __spreadValues({
    name: "wx",
    missing,
    now: () => clock.now(),
    setTimeout: (fn2, ms) => timers.setTimeout(fn2, ms),
    clearTimeout: (id) => timers.clearTimeout(id),
    randomBytes: randomBytes2,
    openSocket,
    storage,
    network: {
      getStatus: () => new Promise((resolve, reject) => {
        wx2.getNetworkType({
          success: (res) => resolve(toStatus(res.networkType)),
          fail: (e) => reject(new NetworkError(e.errMsg, { api: "getNetworkType" }))
        });
      }),
      onChange: onNetworkChange
    },
    lifecycle: {
      onShow: lifecycleHook("onAppShow", "offAppShow"),
      onHide: lifecycleHook("onAppHide", "offAppHide")
    },
    request
  }, realtimeLog ? { realtimeLog } : {});
}
function defaultWxPlatform(opts = {}) {
  return createWxPlatform(wx, opts);
}

// sdk/sync/http.ts
var V3_PAGE_LIMIT = 200;
var V3_MAX_PAGES = 50;
var isObject2 = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
var num = (v) => typeof v === "number" && Number.isFinite(v) ? v : void 0;
var str = (v) => typeof v === "string" ? v : void 0;
var flag2 = (v) => v === 1 || v === true;
function createHttpSyncProvider(options) {
  const base = options.apiAddr.replace(/\/+$/, "");
  const { platform, uid } = options;
  const fixed = options.serverLine === "v2" || options.serverLine === "v3" ? options.serverLine : void 0;
  let detected;
  async function post(path, data, notFoundOk = false) {
    var _a;
    let res;
    try {
      res = await platform.request({ url: base + path, method: "POST", data, headers: options.headers, timeoutMs: (_a = options.timeoutMs) != null ? _a : 1e4 });
    } catch (e) {
      throw new ClientError("SYNC_FAILED", `${path} request failed`, { path }, e);
    }
    if (notFoundOk && res.status === 404) return void 0;
    if (res.status < 200 || res.status >= 300) {
      const msg = isObject2(res.data) ? str(res.data.msg) : void 0;
      throw new ClientError("SYNC_FAILED", `${path} answered HTTP ${res.status}${msg ? `: ${msg}` : ""}`, { path, status: res.status });
    }
    return res.data;
  }
  function bad(path, what) {
    return new ClientError("SYNC_FAILED", `${path} returned ${what}`, { path });
  }
  function toMessage(m) {
    var _a, _b, _c, _d;
    if (!isObject2(m)) return void 0;
    const seq = num(m.message_seq);
    const channelId = str(m.channel_id);
    const channelType = num(m.channel_type);
    const idStr = str(m.message_idstr);
    const idNum = num(m.message_id);
    const messageId = idStr && idStr !== "" ? idStr : idNum !== void 0 ? String(idNum) : void 0;
    if (seq === void 0 || channelId === void 0 || channelType === void 0 || messageId === void 0) return void 0;
    let payload;
    try {
      payload = decodeBase64((_a = str(m.payload)) != null ? _a : "");
    } catch (e) {
      return void 0;
    }
    const header = isObject2(m.header) ? m.header : {};
    const msg = {
      messageId,
      messageSeq: seq,
      clientMsgNo: (_b = str(m.client_msg_no)) != null ? _b : "",
      fromUid: (_c = str(m.from_uid)) != null ? _c : "",
      channelId,
      channelType,
      timestamp: (_d = num(m.timestamp)) != null ? _d : 0,
      payload,
      flags: { noPersist: flag2(header.no_persist), redDot: flag2(header.red_dot), syncOnce: flag2(header.sync_once) },
      source: "sync"
    };
    const topic = str(m.topic);
    if (topic) msg.topic = topic;
    return msg;
  }
  async function syncMessages(req) {
    var _a;
    const path = "/channel/messagesync";
    const data = await post(path, {
      login_uid: uid,
      channel_id: req.channelId,
      channel_type: req.channelType,
      start_message_seq: req.startSeq,
      end_message_seq: req.endSeq,
      pull_mode: 1,
      limit: Math.max(1, req.limit)
    });
    if (!isObject2(data)) throw bad(path, "no object");
    const raw = (_a = data.messages) != null ? _a : [];
    if (!Array.isArray(raw)) throw bad(path, "no message list");
    const messages = [];
    let malformed = 0;
    for (const m of raw) {
      const msg = toMessage(m);
      if (!msg) malformed++;
      else messages.push(__spreadProps(__spreadValues({}, msg), { channelId: req.channelId, channelType: req.channelType }));
    }
    messages.sort((a, b) => a.messageSeq - b.messageSeq);
    const result = { messages, more: flag2(data.more) };
    if (malformed > 0) result.malformed = malformed;
    return result;
  }
  async function conversationsV2(cursors, notFoundOk) {
    const path = "/conversation/sync";
    const data = await post(
      path,
      {
        uid,
        version: 0,
        last_msg_seqs: cursors.map((c) => `${c.channelId}:${c.channelType}:${c.lastSeq}`).join("|"),
        msg_count: 1
      },
      notFoundOk
    );
    if (data === void 0) return void 0;
    if (!Array.isArray(data)) throw bad(path, "no conversation list");
    return data.map((c) => {
      var _a;
      const channelId = isObject2(c) ? str(c.channel_id) : void 0;
      const channelType = isObject2(c) ? num(c.channel_type) : void 0;
      if (!isObject2(c) || channelId === void 0 || channelType === void 0) throw bad(path, "a malformed conversation");
      return { channelId, channelType, lastSeq: (_a = num(c.last_msg_seq)) != null ? _a : 0 };
    });
  }
  async function conversationsV3(notFoundOk) {
    const path = "/conversation/list";
    const out = [];
    let cursor = void 0;
    for (let page = 0; page < V3_MAX_PAGES; page++) {
      const body = { uid, limit: V3_PAGE_LIMIT };
      if (cursor !== void 0 && cursor !== "") body.cursor = cursor;
      const data = await post(path, body, notFoundOk && page === 0);
      if (data === void 0) return void 0;
      if (!isObject2(data) || !Array.isArray(data.conversations)) throw bad(path, "no conversation list");
      for (const c of data.conversations) {
        if (!isObject2(c)) throw bad(path, "a malformed conversation");
        const channelId = str(c.channel_id);
        const channelType = num(c.channel_type);
        if (channelId === void 0 || channelType === void 0) throw bad(path, "a malformed conversation");
        const last = isObject2(c.last_message) ? num(c.last_message.message_seq) : void 0;
        out.push({ channelId, channelType, lastSeq: last != null ? last : 0 });
      }
      cursor = data.next_cursor;
      if (flag2(data.done) || cursor === void 0 || cursor === null || cursor === "" || data.conversations.length === 0) break;
    }
    return out;
  }
  const ask = (line, cursors, notFoundOk) => line === "v2" ? conversationsV2(cursors, notFoundOk) : conversationsV3(notFoundOk);
  async function syncConversations(cursors) {
    var _a, _b, _c;
    if (fixed) return (_a = await ask(fixed, cursors, false)) != null ? _a : [];
    if ((_b = options.unsafe) == null ? void 0 : _b.stickyLineDetection) {
      if (detected !== "v3") {
        const v2 = await conversationsV2(cursors, detected === void 0);
        if (v2 !== void 0) {
          detected = "v2";
          return v2;
        }
        detected = "v3";
      }
      return (_c = await conversationsV3(false)) != null ? _c : [];
    }
    const first = detected != null ? detected : "v2";
    const second = first === "v2" ? "v3" : "v2";
    for (const line of [first, second]) {
      const states = await ask(line, cursors, true);
      if (states !== void 0) {
        detected = line;
        return states;
      }
    }
    detected = void 0;
    throw new ClientError("SYNC_FAILED", "neither /conversation/sync nor /conversation/list answered (HTTP 404)", { path: "/conversation/*", status: 404 });
  }
  async function findByClientMsgNo(req) {
    const path = "/message";
    const data = await post(path, { login_uid: uid, channel_id: req.channelId, channel_type: req.channelType, client_msg_no: req.clientMsgNo }, true);
    if (data === void 0) return void 0;
    const msg = toMessage(data);
    if (!msg) throw bad(path, "a malformed message");
    return __spreadProps(__spreadValues({}, msg), { channelId: req.channelId, channelType: req.channelType });
  }
  return { syncMessages, syncConversations, findByClientMsgNo };
}

// sdk/client.ts
var live = /* @__PURE__ */ new WeakMap();
var WX_APP = {};
function createClient(options) {
  return new ImClient(options);
}
var ImClient = class {
  constructor(options) {
    /** This install's id (made once, kept in storage): its first 8 chars tag every clientMsgNo sent here. */
    this.installId = "";
    this.closed = false;
    this.loggedOut = false;
    /** send() calls between the outbox's checks and their durable write (logout waits for them). */
    this.sends = /* @__PURE__ */ new Set();
    var _a, _b, _c, _d, _e, _f;
    this.opts = resolveOptions(options);
    this.uid = this.opts.uid;
    this.platform = (_a = options.platform) != null ? _a : defaultPlatform(this.opts.storage.encrypt);
    this.lockKey = (_b = options.platform) != null ? _b : WX_APP;
    const uids = (_c = live.get(this.lockKey)) != null ? _c : /* @__PURE__ */ new Set();
    if (uids.has(this.uid)) {
      throw new ClientError("CLIENT_EXISTS", `a client for uid "${this.uid}" is already live in this app; share it (e.g. getApp().im) or close() it first`, { uid: this.uid });
    }
    const extra = options.diagnostics && "record" in options.diagnostics ? options.diagnostics : void 0;
    const settings = extra ? {} : (_d = options.diagnostics) != null ? _d : {};
    this.diag = new Diagnostics(this.platform, {
      capacity: settings.capacity,
      traceCapacity: settings.traceCapacity,
      includeBodies: settings.includeBodies,
      realtimeLog: settings.realtimeLog ? this.platform.realtimeLog : void 0
    });
    this.diagnostics = extra ? tee(this.diag, extra) : this.diag;
    this.syncProvider = (_e = options.sync) != null ? _e : this.defaultSync(options);
    this.deviceId = (_f = this.opts.deviceId) != null ? _f : "";
    this.events = new Emitter((error, event) => {
      if (event === "error") return;
      this.events.emit("error", new ClientError("HANDLER_FAILED", `a "${String(event)}" handler threw`, { event }, error));
    });
    const randomFloat = jitterSource(this.opts.random, this.platform, this.diagnostics);
    const prefix = `${this.opts.storage.prefix}:${this.uid}`;
    this.connection = new Connection(this.platform, this.opts, this.diagnostics, {
      onState: (change) => this.events.emit("state", change),
      onConnected: () => this.guard(() => {
        this.outbox.onConnected();
        void this.inbox.onConnected().then(() => this.synced("connected"));
      }),
      onDisconnected: ({ reason }) => this.guard(() => {
        this.outbox.onDisconnected(reason);
        this.inbox.onDisconnected();
      }),
      onPacket: (packet, connectionId) => this.guard(() => this.route(packet, connectionId)),
      onShown: () => this.guard(() => {
        this.outbox.onConnected();
        void this.inbox.catchUp().then(() => this.synced("app show"));
      }),
      onHidden: () => {
        void this.inbox.flush();
      },
      onError: (error) => this.reportError(error)
    }, () => this.deviceId, randomFloat);
    this.outbox = new Outbox({
      platform: this.platform,
      config: __spreadValues({ uid: this.uid, keyPrefix: this.opts.storage.prefix, deviceTag: () => this.installId.slice(0, 8) }, this.opts.outbox),
      diagnostics: this.diagnostics,
      transport: {
        connectionId: () => this.connection.connectionId,
        write: (packet) => this.connection.write(packet),
        probe: (reason) => this.connection.probe(reason),
        rebuild: (reason) => this.connection.rebuild(reason)
      },
      random: randomFloat,
      emitStatus: (m) => {
        if (m.status === "sent" && m.messageId !== void 0 && m.messageSeq !== void 0) {
          this.inbox.noteSent({ channelId: m.channelId, channelType: m.channelType, messageId: m.messageId, messageSeq: m.messageSeq, clientMsgNo: m.clientMsgNo });
        }
        this.events.emit("messageStatus", m);
      },
      emitError: (e) => this.reportError(e),
      unsafe: this.opts.unsafe
    });
    this.inbox = new Inbox({
      uid: this.uid,
      platform: this.platform,
      storagePrefix: prefix,
      sync: this.syncProvider,
      diagnostics: this.diagnostics,
      deliver: (msg) => this.events.emitAndWait("message", msg),
      sendRecvack: (ack) => {
        this.connection.write(ack);
      },
      emitGap: (gap) => this.events.emit("gap", gap),
      emitError: (e) => this.reportError(e),
      options: options.inbox,
      ownSend: (clientMsgNo) => this.outbox.madeHere(clientMsgNo),
      unsafe: this.opts.unsafe
    });
    uids.add(this.uid);
    live.set(this.lockKey, uids);
  }
  get state() {
    return this.connection.state;
  }
  ready() {
    if (this.closed) return Promise.reject(closedError());
    if (!this.restoring) {
      this.restoring = this.restore().then(void 0, (error) => {
        this.restoring = void 0;
        throw error;
      });
    }
    return this.restoring;
  }
  async connect() {
    await this.ready();
    if (this.closed) throw closedError();
    this.connection.start();
  }
  async close() {
    var _a;
    if (this.closed) return;
    this.closed = true;
    this.connection.stop();
    this.outbox.close();
    this.inbox.close();
    (_a = live.get(this.lockKey)) == null ? void 0 : _a.delete(this.uid);
    this.events.clear();
    await this.inbox.flush().catch(() => void 0);
  }
  async logout() {
    if (!this.closed) await this.ready().catch(() => void 0);
    this.loggedOut = true;
    await this.close();
    await Promise.all(Array.from(this.sends, (p) => p.catch(() => void 0)));
    const unsent = this.outbox.pending();
    this.diag.clear();
    const own = `${this.opts.storage.prefix}:${this.uid}:`;
    const keys = await this.platform.storage.keys();
    await Promise.all(keys.filter((key) => key.startsWith(own)).map((key) => this.platform.storage.remove(key)));
    return unsent;
  }
  async send(input) {
    await this.ready();
    const sending = this.outbox.send(input);
    this.sends.add(sending);
    const done = () => void this.sends.delete(sending);
    sending.then(done, done);
    return sending;
  }
  async resend(clientMsgNo) {
    await this.ready();
    return this.outbox.resend(clientMsgNo);
  }
  async discard(clientMsgNo) {
    await this.ready();
    return this.outbox.discard(clientMsgNo);
  }
  pending() {
    return this.loggedOut ? [] : this.outbox.pending();
  }
  on(event, handler) {
    return this.events.on(event, handler);
  }
  async sync() {
    await this.ready();
    await this.inbox.catchUp();
    this.synced("manual");
  }
  async diagnose(options = {}) {
    return buildReport(__spreadValues({
      uid: this.uid,
      state: this.state,
      platform: this.platform,
      now: this.platform.now(),
      pending: this.pending(),
      inbox: this.inbox.snapshot(),
      diagnostics: this.diag,
      sync: this.syncProvider
    }, options));
  }
  // ---- internals ------------------------------------------------------------------------------
  async restore() {
    this.installId = await this.loadInstallId();
    if (!this.deviceId) this.deviceId = this.installId;
    await Promise.all([this.outbox.load(), this.inbox.load()]);
  }
  /**
   * `<prefix>:device`, written on first use. Storage trouble only costs the echo filter its memory
   * of earlier runs (a fresh id is used and reported in diagnostics); it never blocks the client.
   */
  async loadInstallId() {
    const key = `${this.opts.storage.prefix}:device`;
    const stored = await this.platform.storage.get(key).catch(() => void 0);
    if (typeof stored === "string" && /^[0-9a-f]{32}M$/.test(stored)) return stored;
    const id = `${hex2(await this.platform.randomBytes(16))}M`;
    await this.platform.storage.set(key, id).catch((e) => this.diagnostics.record("storage", "device-id-not-saved", { error: e instanceof Error ? e.message : String(e) }));
    return id;
  }
  route(packet, connectionId) {
    switch (packet.type) {
      case PacketType.SENDACK:
        this.outbox.handleSendack(packet, connectionId);
        return;
      case PacketType.RECV:
        this.inbox.handleRecv(packet, this.connection.session);
        return;
      case PacketType.EVENT:
        this.events.emit("event", { id: packet.id, eventType: packet.eventType, timestamp: packet.timestamp, data: packet.data });
        return;
      default:
        this.diagnostics.record("receive", "packet ignored", { type: packet.type });
    }
  }
  /** A subsystem bug (a refused transition) is reported, never thrown into the socket's callback. */
  guard(fn2) {
    try {
      fn2();
    } catch (error) {
      this.reportError(error);
    }
  }
  synced(reason) {
    if (!this.closed) this.events.emit("synced", { reason });
  }
  reportError(error) {
    const e = isImError(error) ? error : new ClientError("INTERNAL", String(error), {}, error);
    this.diagnostics.record("client", "error", { code: e.code, message: e.message });
    this.events.emit("error", e);
  }
  defaultSync(options) {
    if (this.opts.apiAddr) return createHttpSyncProvider({ apiAddr: this.opts.apiAddr, uid: this.uid, platform: this.platform, serverLine: options.serverLine, unsafe: options._unsafe });
    const missing = () => Promise.reject(new ClientError("SYNC_FAILED", "catch-up needs apiAddr or a sync provider"));
    return { syncMessages: missing, syncConversations: missing };
  }
};
var wxPlatforms = /* @__PURE__ */ new Map();
function defaultPlatform(encryptStorage) {
  let p = wxPlatforms.get(encryptStorage);
  if (!p) {
    p = defaultWxPlatform({ encryptStorage });
    wxPlatforms.set(encryptStorage, p);
  }
  return p;
}
function tee(a, b) {
  return {
    record: (...args) => (a.record(...args), b.record(...args)),
    trace: (...args) => (a.trace(...args), b.trace(...args))
  };
}
function closedError() {
  return new ClientError("CLIENT_CLOSED", "the client is closed");
}
function hex2(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] + 256).toString(16).slice(1);
  return s;
}
/*! Bundled license information:

@noble/ciphers/esm/utils.js:
  (*! noble-ciphers - MIT License (c) 2023 Paul Miller (paulmillr.com) *)
*/
